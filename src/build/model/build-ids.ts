/**
 * Build ids as CodeBuild writes them: `<project>:<uuid>`, or the build's ARN. Pure.
 */
const BUILD_ID = /^[A-Za-z0-9][A-Za-z0-9\-_]{1,254}:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const BUILD_ARN = /^arn:aws[\w-]*:codebuild:[^:]*:\d*:build\/(.+)$/

/** The bare `<project>:<uuid>` of an id or ARN, or undefined when it is not a build id at all. */
export function bareBuildId(idOrArn: string): string | undefined {
  const bare = BUILD_ARN.exec(idOrArn)?.[1] ?? idOrArn
  return BUILD_ID.test(bare) ? bare : undefined
}
