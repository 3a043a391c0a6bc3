import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { cleanGitEnv } from '../../git/adapters/run-git.ts'
import { type RepositorySource, SourceError } from './source.ts'

const run = promisify(execFile)

/** Answers git's credential prompt for the server's URL with the key in this process's environment. */
const HELPER = `!f() { test "$1" = get || return 0; printf 'username=%s\\npassword=%s\\n' "$SLIPWAY_GIT_USERNAME" "$SLIPWAY_GIT_PASSWORD"; }; f`

/**
 * CODECOMMIT sources over git smart HTTP from the server (`<server>/v1/repos/<name>`), authenticated
 * with the build's own key (Basic key id : secret, handed to git through its environment, never its
 * arguments). Repository names and versions are data: they never reach a git option.
 */
export function httpRepositories(serverUrl: string, credentials: { accessKeyId: string; secretAccessKey: string }): RepositorySource {
  const base = serverUrl.replace(/\/+$/, '')
  const env = {
    ...cleanGitEnv(),
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: `credential.${base}.helper`,
    GIT_CONFIG_VALUE_0: HELPER,
    SLIPWAY_GIT_USERNAME: credentials.accessKeyId,
    SLIPWAY_GIT_PASSWORD: credentials.secretAccessKey,
  }
  const git = (args: string[]) => run('git', args, { env, maxBuffer: 16 * 1024 * 1024 })
  const commitOf = async (dir: string, candidate: string): Promise<string | undefined> => {
    try {
      return (await git(['-C', dir, 'rev-parse', '--verify', '--quiet', '--end-of-options', `${candidate}^{commit}`])).stdout.trim() || undefined
    } catch {
      return undefined
    }
  }
  return {
    async clone(name, version, dir, depth) {
      const spec = version?.replace(/^refs\/heads\//, '')
      if (spec === '') throw new SourceError('CLIENT_ERROR', 'the source version is empty: give a branch, tag or commit id')
      if (spec?.startsWith('-')) throw new SourceError('CLIENT_ERROR', `invalid source version ${version}: a branch, tag or commit id never starts with '-'`)
      const url = `${base}/v1/repos/${encodeURIComponent(name)}`
      try {
        await git(['clone', '-q', '--no-checkout', ...(depth ? ['--depth', String(depth), '--no-single-branch'] : []), '--', url, dir])
      } catch (err) {
        const stderr = String((err as { stderr?: unknown }).stderr ?? '')
        if (/not found|404/i.test(stderr)) throw new SourceError('CLIENT_ERROR', `repository not found for CodeCommit location ${name}`)
        throw new SourceError('CLIENT_ERROR', `could not clone ${name}: ${stderr.trim().split('\n').pop() ?? (err as Error).message}`)
      }
      const candidates = spec === undefined ? ['HEAD'] : [`refs/remotes/origin/${spec}`, `refs/tags/${spec}`, spec]
      let commit: string | undefined
      for (const c of candidates) if ((commit = await commitOf(dir, c))) break
      if (!commit && spec && /^[0-9a-f]{7,64}$/i.test(spec)) {
        // A shallow clone may miss an old commit: fetch it explicitly.
        await git(['-C', dir, 'fetch', '-q', 'origin', spec]).catch(() => undefined)
        commit = await commitOf(dir, spec)
      }
      if (!commit) throw new SourceError('CLIENT_ERROR', `reference not found for primary source and source version ${spec ?? 'HEAD'}`)
      await git(['-C', dir, 'checkout', '-q', '--detach', commit])
      return commit
    },
  }
}
