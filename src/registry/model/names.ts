/** ECR's naming rules (botocore's model patterns), and the digests the registry accepts. */
export const REPOSITORY_NAME = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/
export const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/
export const DIGEST = /^sha256:[a-f0-9]{64}$/
/** Any algorithm the OCI spec allows a digest to name (we store only sha256). */
export const ANY_DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/

export const isRepositoryName = (name: string): boolean => name.length >= 2 && name.length <= 256 && REPOSITORY_NAME.test(name)
export const isDigest = (s: string): boolean => DIGEST.test(s)
export const isTag = (s: string): boolean => TAG.test(s)

export const repositoryArn = (region: string, accountId: string, name: string): string => `arn:aws:ecr:${region}:${accountId}:repository/${name}`

/** `arn:aws:ecr:<region>:<account>:repository/<name>` → name, or undefined for any other ARN. */
export function repositoryNameOfArn(arn: string): string | undefined {
  const m = /^arn:aws[\w-]*:ecr:[^:]*:\d*:repository\/(.+)$/.exec(arn)
  return m?.[1]
}
