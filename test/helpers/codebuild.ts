import { setTimeout as sleep } from 'node:timers/promises'
import { BatchGetBuildsCommand, CodeBuildClient, type Build } from '@aws-sdk/client-codebuild'
import type { TestServer } from './server.ts'

export function codeBuildClient(server: TestServer): CodeBuildClient {
  return new CodeBuildClient({
    endpoint: server.url,
    region: 'us-east-1',
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    maxAttempts: 1,
  })
}

/** Polls BatchGetBuilds until the build is complete (or `until` holds), failing after `timeoutMs`. */
export async function waitForBuild(client: CodeBuildClient, id: string, options: { timeoutMs?: number; until?: (b: Build) => boolean } = {}): Promise<Build> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000)
  const until = options.until ?? ((b: Build) => b.buildComplete === true)
  for (;;) {
    const build = (await client.send(new BatchGetBuildsCommand({ ids: [id] }))).builds?.[0]
    if (build && until(build)) return build
    if (Date.now() > deadline) throw new Error(`build ${id} did not get there in time: ${JSON.stringify(build?.phases?.map((p) => [p.phaseType, p.phaseStatus]))} ${build?.buildStatus}`)
    await sleep(50)
  }
}

/** `phaseType:phaseStatus` of each finished phase, e.g. `BUILD:FAILED` (COMPLETED has no status). */
export function phaseSummary(build: Build): string[] {
  return (build.phases ?? []).map((p) => (p.phaseStatus ? `${p.phaseType}:${p.phaseStatus}` : String(p.phaseType)))
}
