import fs from 'node:fs'
import path from 'node:path'
import type { TestServer } from './server.ts'
import { aws } from './aws-cli.ts'
import { basicUrl, gitOk, makeWorkTree } from './git.ts'

export const ROLE = 'arn:aws:iam::000000000000:role/CodePipelineServiceRole'

export const sourceStage = (repo: string, branch = 'main') => ({
  name: 'Source',
  actions: [{ name: 'Source', namespace: 'SourceVariables', actionTypeId: { category: 'Source', owner: 'AWS', provider: 'CodeCommit', version: '1' }, configuration: { RepositoryName: repo, BranchName: branch, PollForSourceChanges: 'false' }, outputArtifacts: [{ name: 'SourceArtifact' }] }],
})

export const buildStage = (project: string, name = 'Build') => ({
  name,
  actions: [{ name, actionTypeId: { category: 'Build', owner: 'AWS', provider: 'CodeBuild', version: '1' }, configuration: { ProjectName: project }, inputArtifacts: [{ name: 'SourceArtifact' }] }],
})

/** A stage of one Commands action named like the stage, reading SourceArtifact; `stage` adds stage fields (e.g. onFailure). */
export const commandsStage = (name: string, commands: string[], stage: Record<string, unknown> = {}) => ({
  name,
  ...stage,
  actions: [{ name, actionTypeId: { category: 'Compute', owner: 'AWS', provider: 'Commands', version: '1' }, commands, inputArtifacts: [{ name: 'SourceArtifact' }] }],
})

export const approvalStage = () => ({ name: 'Approve', actions: [{ name: 'Approval', actionTypeId: { category: 'Approval', owner: 'AWS', provider: 'Manual', version: '1' } }] })

/** Creates a pipeline with the real AWS CLI from a JSON document; returns the CLI result. */
export async function createPipeline(server: TestServer, dir: string, pipeline: Record<string, unknown>) {
  const file = path.join(dir, `${String(pipeline.name)}.json`)
  fs.writeFileSync(file, JSON.stringify({ pipeline: { roleArn: ROLE, artifactStore: { type: 'S3', location: 'pipeline-artifacts' }, ...pipeline } }))
  return aws(server, ['codepipeline', 'create-pipeline', '--cli-input-json', `file://${file}`])
}

/** A CodeBuild project for pipelines, with an inline buildspec. */
export async function createPipelineProject(server: TestServer, name: string, buildspec: string) {
  return aws(server, ['codebuild', 'create-project', '--name', name, '--source', JSON.stringify({ type: 'CODEPIPELINE', buildspec }), '--artifacts', 'type=CODEPIPELINE',
    '--environment', 'type=LINUX_CONTAINER,image=host,computeType=BUILD_GENERAL1_SMALL', '--service-role', 'r'])
}

/** A repository with a first commit on main, and a function to push more commits to any branch. */
export async function repoWithPushes(server: TestServer, dir: string, name: string) {
  await aws(server, ['codecommit', 'create-repository', '--repository-name', name])
  const work = path.join(dir, name)
  await makeWorkTree(work, { 'README.md': `# ${name}\n` })
  const url = basicUrl(server.url, name, server.accessKeyId, server.secretAccessKey)
  let n = 0
  return {
    work,
    /** Commits a change and pushes it to `branch`; returns the commit id. */
    async push(branch = 'main', file = 'change.txt'): Promise<string> {
      await gitOk(work, ['checkout', '-q', '-B', branch])
      fs.writeFileSync(path.join(work, file), `change ${++n}\n`)
      await gitOk(work, ['add', '-A'])
      await gitOk(work, ['commit', '-q', '-m', `change ${n} on ${branch}`])
      await gitOk(work, ['push', '-q', '-f', url, `${branch}:${branch}`])
      return (await gitOk(work, ['rev-parse', 'HEAD'])).trim()
    },
  }
}
