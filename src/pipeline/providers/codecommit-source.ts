import { spawn } from 'node:child_process'
import { PassThrough } from 'node:stream'
import type { ObjectStore } from '../../artifacts/ports.ts'
import type { GitContext } from '../../git/service/context.ts'
import { cloneUrl } from '../../git/service/context.ts'
import { cleanGitEnv } from '../../git/adapters/run-git.ts'
import { GitObjectNotFound } from '../../git/ports.ts'
import type { ActionOutcome } from '../model/execution-commands.ts'
import type { ActionProvider } from './provider.ts'
import { CLONE_REF_FILE } from '../../build/runner/source.ts'
import { putSingleFileZip } from './single-file-zip.ts'


const failed = (message: string, code = 'JobFailed'): ActionOutcome => ({ status: 'Failed', errorDetails: { code, message }, summary: message })

/**
 * Source/CodeCommit: snapshots a Slipway repository at the branch HEAD (or the commit a trigger or a
 * sourceRevisions override names) into the action's output artifact. CODE_ZIP is the tree at that
 * commit (`git archive`, no .git); CODEBUILD_CLONE_REF is a small reference the CodeBuild action turns
 * into a full git clone. Output variables as AWS names them.
 */
export function codeCommitSource(deps: { git: GitContext; objects: ObjectStore }): ActionProvider {
  return {
    matches: (a) => a.category === 'Source' && a.owner === 'AWS' && a.provider === 'CodeCommit',
    async run(job) {
      const config = job.run.resolvedConfiguration
      const repoName = config.RepositoryName ?? ''
      const repo = await deps.git.store.repositories.getByName(repoName)
      if (!repo) return failed(`The repository ${repoName} does not exist`, 'ConfigurationError')
      const override = job.execution.sourceOverrides.find((o) => o.actionName === job.action.name)
      const branch = job.execution.sourceOverrides.find((o) => o.actionName === job.action.name && o.revisionType === 'BRANCH')?.revisionValue ?? config.BranchName ?? ''
      const commitOverride = job.execution.sourceOverrides.find((o) => o.actionName === job.action.name && o.revisionType === 'COMMIT_ID')?.revisionValue
      let commit: string
      try {
        commit = await deps.git.repos.resolveCommit(repo.id, commitOverride ?? branch)
      } catch (err) {
        if (err instanceof GitObjectNotFound) return failed(override ? `The revision ${commitOverride ?? branch} does not exist in ${repoName}` : `The branch ${branch} does not exist in ${repoName}`, 'RevisionUnavailable')
        throw err
      }
      const info = await deps.git.repos.getCommit(repo.id, commit)
      const out = job.run.outputArtifacts[0]
      if (out) {
        if (config.OutputArtifactFormat === 'CODEBUILD_CLONE_REF') {
          await putCloneRef(deps, out, { repositoryName: repoName, cloneUrl: cloneUrl(deps.git, repoName), commitId: commit, branch })
        } else {
          await putArchive(deps, repo.id, commit, out)
        }
      }
      const date = (d: string) => new Date(Number(d.split(' ')[0]) * 1000).toISOString()
      return {
        status: 'Succeeded',
        summary: info.message.split('\n')[0],
        externalExecutionId: commit,
        outputVariables: { CommitId: commit, CommitMessage: info.message, RepositoryName: repoName, BranchName: branch, AuthorDate: date(info.author.date), CommitterDate: date(info.committer.date) },
        sourceRevision: { revisionId: commit, revisionSummary: info.message.trim(), revisionUrl: `${cloneUrl(deps.git, repoName)}#${commit}` },
      }
    },
  }
}

/** `git archive --format=zip <commit>` streamed straight into the artifact bucket. */
async function putArchive(deps: { git: GitContext; objects: ObjectStore }, repoId: string, commit: string, out: { bucket: string; key: string }) {
  const child = spawn('git', ['--git-dir', deps.git.repos.pathOf(repoId), 'archive', '--format=zip', commit], { env: cleanGitEnv(), stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? 1)))
  // Read git's output from now on: a child's stdout left unread until after it exits comes back empty,
  // and putObject may first wait on the bucket's state (slow on the first use after a start).
  const zip = child.stdout.pipe(new PassThrough())
  await deps.objects.putObject(out.bucket, out.key, zip, { contentType: 'application/zip' })
  if ((await exited) !== 0) throw new Error(`git archive failed: ${stderr}`)
}

async function putCloneRef(deps: { objects: ObjectStore }, out: { bucket: string; key: string }, ref: Record<string, string>) {
  await putSingleFileZip(deps.objects, out, CLONE_REF_FILE, Buffer.from(JSON.stringify(ref, null, 2)))
}
