import fs from 'node:fs'
import path from 'node:path'

export type ListedFile = { path: string; kind: 'file' | 'dir' | 'symlink' }

/** Every entry under `root` as relative POSIX paths (symlinks not followed), sorted. */
export function listFiles(root: string): ListedFile[] {
  const out: ListedFile[] = []
  const walk = (dir: string, rel: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const relPath = rel ? `${rel}/${entry.name}` : entry.name
      if (entry.isSymbolicLink()) out.push({ path: relPath, kind: 'symlink' })
      else if (entry.isDirectory()) {
        out.push({ path: relPath, kind: 'dir' })
        walk(path.join(dir, entry.name), relPath)
      } else if (entry.isFile()) out.push({ path: relPath, kind: 'file' })
    }
  }
  if (fs.existsSync(root)) walk(root, '')
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
}
