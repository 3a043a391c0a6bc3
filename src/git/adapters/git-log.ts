/**
 * One page of a branch's history: `git rev-list --skip --max-count` lists the ids (git stops walking
 * once it has enough), then one `git cat-file --batch` reads those commits.
 */
import type { CommitInfo } from '../ports.ts'
import { GitObjectNotFound } from '../ports.ts'
import { isHexId } from './git-names.ts'
import { parseCommit } from './git-parse.ts'
import type { GitRunner } from './run-git.ts'

export async function logCommits(git: GitRunner, commitId: string, page: { skip: number; limit: number }): Promise<CommitInfo[]> {
  if (!isHexId(commitId)) throw new GitObjectNotFound(`commit ${commitId}`)
  if (!Number.isSafeInteger(page.skip) || page.skip < 0 || !Number.isSafeInteger(page.limit) || page.limit < 1) {
    throw new Error(`invalid log page ${JSON.stringify(page)}`)
  }
  const list = await git(['rev-list', `--skip=${page.skip}`, `--max-count=${page.limit}`, '--end-of-options', `${commitId}^{commit}`], { okCodes: [0, 128] })
  if (list.code !== 0) throw new GitObjectNotFound(`commit ${commitId}`)
  const ids = list.stdout.toString('utf8').split('\n').filter((id) => id !== '')
  if (ids.length === 0) return []
  return parseBatch((await git(['cat-file', '--batch'], { input: `${ids.join('\n')}\n` })).stdout)
}

/** Parses `cat-file --batch` output: `<id> <type> <size>\n<contents>\n`, repeated; every object must be a commit. */
function parseBatch(out: Buffer): CommitInfo[] {
  const commits: CommitInfo[] = []
  let at = 0
  while (at < out.length) {
    const newline = out.indexOf(0x0a, at)
    if (newline === -1) break
    const [id, type, size] = out.subarray(at, newline).toString('utf8').split(' ')
    if (id === undefined || type !== 'commit') throw new Error(`unexpected cat-file answer for ${id}: ${type}`)
    const end = newline + 1 + Number(size)
    commits.push(parseCommit(id, out.subarray(newline + 1, end)))
    at = end + 1
  }
  return commits
}
