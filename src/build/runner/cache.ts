/**
 * LOCAL cache: `cache.paths` persist between builds of a project. Each path's fixed prefix (the part
 * before the first glob character, e.g. `node_modules` of `node_modules/**\/*`, or `/root/.m2` of
 * `/root/.m2/**\/*`) is copied from the project's cache folder before INSTALL and back after the
 * build. The scripts run inside the build's shell, so absolute paths mean the build's filesystem
 * (the container's, with the docker executor); the cache folder is the control dir's `cache/`.
 */
export function cacheRoots(paths: readonly string[]): string[] {
  const roots = paths.map((p) => {
    const parts = p.split('/')
    const fixed: string[] = []
    for (const part of parts) {
      if (/[*?[{]/.test(part)) break
      fixed.push(part)
    }
    return fixed.join('/') || (p.startsWith('/') ? '/' : '.')
  })
  return [...new Set(roots)].filter((r) => r !== '/' && r !== '.' && !r.split('/').includes('..'))
}

const quote = (s: string) => `'${s.replaceAll("'", `'"'"'`)}'`
const slot = (root: string) => Buffer.from(root).toString('base64url')

export function cacheRestoreScript(paths: readonly string[], cacheDir: string): string {
  return cacheRoots(paths)
    .map((r) => `if [ -d ${quote(`${cacheDir}/${slot(r)}`)} ]; then mkdir -p ${quote(r)} && cp -a ${quote(`${cacheDir}/${slot(r)}`)}/. ${quote(r)}/; fi`)
    .join('\n') + '\ntrue\n'
}

export function cacheSaveScript(paths: readonly string[], cacheDir: string): string {
  return cacheRoots(paths)
    .map((r) => `if [ -e ${quote(r)} ]; then rm -rf ${quote(`${cacheDir}/${slot(r)}`)} && mkdir -p ${quote(`${cacheDir}/${slot(r)}`)} && cp -a ${quote(r)}/. ${quote(`${cacheDir}/${slot(r)}`)}/; fi`)
    .join('\n') + '\ntrue\n'
}
