/** Parsing of the agent's command-line values. */

/** `k=v,k2=v2` → CodeDeploy tags (`Key`/`Value`). A bare `k` is a tag with an empty value. */
export function parseTags(text: string): { Key: string; Value: string }[] {
  const tags: { Key: string; Value: string }[] = []
  for (const part of text.split(',')) {
    const item = part.trim()
    if (item === '') continue
    const eq = item.indexOf('=')
    const Key = (eq < 0 ? item : item.slice(0, eq)).trim()
    const Value = eq < 0 ? '' : item.slice(eq + 1).trim()
    if (Key === '') throw new Error(`--tags: '${item}' has no key (expected k=v,k2=v2)`)
    tags.push({ Key, Value })
  }
  return tags
}
