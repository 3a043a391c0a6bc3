import type { KeyPair, KeyService } from './key-service.ts'

/** The principal a build's own key signs as (audit log, S3 owner): `build:<build id>`. */
export const buildPrincipal = (buildId: string) => `build:${buildId}`
export const isBuildPrincipal = (principal: string) => principal.startsWith('build:')

/**
 * Credentials a running build uses for the AWS CLI and SDKs against Slipway (CodeBuild's service-role
 * credentials): one access key per build, issued when it starts and deleted when it ends.
 */
export type BuildKeys = {
  issue(buildId: string): Promise<KeyPair>
  /** Deletes the build's keys (with `issuedBefore`, only those issued before it: a requeued build's next claim keeps its new key). */
  revoke(buildId: string, issuedBefore?: Date): Promise<void>
  /** Deletes the keys of builds that are not running (at start-up: what a dead server left behind). */
  revokeExcept(running: (buildId: string) => boolean): Promise<number>
}

export function buildKeys(keys: KeyService): BuildKeys {
  const ofBuilds = async (match: (userName: string) => boolean, before?: Date) => (await keys.list()).filter((k) => match(k.userName) && (!before || k.createdAt.getTime() < before.getTime()))
  const remove = async (list: { accessKeyId: string }[]) => {
    for (const k of list) await keys.delete(k.accessKeyId)
    return list.length
  }
  return {
    issue: (buildId) => keys.create(buildPrincipal(buildId)),
    revoke: async (buildId, issuedBefore) => void (await remove(await ofBuilds((u) => u === buildPrincipal(buildId), issuedBefore))),
    revokeExcept: async (running) => remove(await ofBuilds((u) => u.startsWith('build:') && !running(u.slice('build:'.length)))),
  }
}
