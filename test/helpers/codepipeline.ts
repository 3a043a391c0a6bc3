import { setTimeout as sleep } from 'node:timers/promises'
import { CodePipelineClient, GetPipelineExecutionCommand, GetPipelineStateCommand, type GetPipelineStateCommandOutput, type PipelineExecution } from '@aws-sdk/client-codepipeline'
import type { TestServer } from './server.ts'

export function codePipelineClient(server: TestServer): CodePipelineClient {
  return new CodePipelineClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey }, maxAttempts: 1 })
}

export async function waitForExecution(client: CodePipelineClient, pipelineName: string, id: string, until: (e: PipelineExecution) => boolean = (e) => !['InProgress', 'Stopping'].includes(e.status ?? ''), timeoutMs = 30_000): Promise<PipelineExecution> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const e = (await client.send(new GetPipelineExecutionCommand({ pipelineName, pipelineExecutionId: id }))).pipelineExecution!
    if (until(e)) return e
    if (Date.now() > deadline) throw new Error(`execution ${id} stuck at ${e.status}: ${e.statusSummary ?? ''}`)
    await sleep(50)
  }
}

export async function waitForState(client: CodePipelineClient, name: string, until: (s: GetPipelineStateCommandOutput) => boolean, timeoutMs = 30_000): Promise<GetPipelineStateCommandOutput> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const s = await client.send(new GetPipelineStateCommand({ name }))
    if (until(s)) return s
    if (Date.now() > deadline) throw new Error(`pipeline ${name} state never matched: ${JSON.stringify(s.stageStates?.map((x) => [x.stageName, x.latestExecution?.status, x.actionStates?.map((a) => [a.actionName, a.latestExecution?.status, a.latestExecution?.summary])]))}`)
    await sleep(50)
  }
}

export const stageStatus = (s: GetPipelineStateCommandOutput, stage: string) => s.stageStates?.find((x) => x.stageName === stage)?.latestExecution?.status
