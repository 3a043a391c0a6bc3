import type { BuildRecord } from '../records.ts'
import type { BuildPlan } from '../model/buildspec-types.ts'
import { resolveEnvironment, validateExportedVariables } from '../model/environment.ts'
import { SourceError } from './source.ts'

export type EnvContext = { region: string; accountId: string; baseUrl: string; image: string; srcDir: string }

/** The CODEBUILD_* and AWS_* variables every build gets, as CodeBuild defines them. */
export function builtInVariables(build: BuildRecord, ctx: EnvContext): Record<string, string> {
  const arn = `arn:aws:codebuild:${ctx.region}:${ctx.accountId}:build/${build.id}`
  const vars: Record<string, string> = {
    AWS_DEFAULT_REGION: ctx.region,
    AWS_REGION: ctx.region,
    CODEBUILD_BUILD_ARN: arn,
    CODEBUILD_BUILD_ID: build.id,
    CODEBUILD_BUILD_IMAGE: ctx.image,
    CODEBUILD_BUILD_NUMBER: String(build.buildNumber),
    CODEBUILD_BUILD_SUCCEEDING: '1',
    CODEBUILD_INITIATOR: build.initiator,
    CODEBUILD_LOG_PATH: build.id.slice(build.projectName.length + 1),
    CODEBUILD_PUBLIC_BUILD_URL: `${ctx.baseUrl}/slipway/builds/${encodeURIComponent(build.id)}`,
    CODEBUILD_SRC_DIR: ctx.srcDir,
    CODEBUILD_START_TIME: String(build.startTime.getTime()),
    CODEBUILD_PROJECT_NAME: build.projectName,
    HOME: '/root',
  }
  const s = build.settings
  if (s.source.location) vars.CODEBUILD_SOURCE_REPO_URL = s.source.location
  if (s.sourceVersion) vars.CODEBUILD_SOURCE_VERSION = s.sourceVersion
  if (s.encryptionKey) vars.CODEBUILD_KMS_KEY_ID = s.encryptionKey
  return vars
}

/** The build's own key and where to use it: the AWS CLI and SDKs in the build talk to this Slipway. */
export function credentialVariables(key: { accessKeyId: string; secretAccessKey: string }, baseUrl: string): Record<string, string> {
  return { AWS_ACCESS_KEY_ID: key.accessKeyId, AWS_SECRET_ACCESS_KEY: key.secretAccessKey, AWS_ENDPOINT_URL: baseUrl }
}

/**
 * `env.git-credential-helper: yes`: git answers this Slipway's HTTP credential prompts with the build's
 * key (Basic key id : secret), through `GIT_CONFIG_*` variables — no file is written, and the helper is
 * scoped to this server's URL, so the key is never offered to another host.
 */
export function gitCredentialVariables(baseUrl: string): { name: string; value: string }[] {
  const helper = `!f() { test "$1" = get || return 0; printf 'username=%s\\npassword=%s\\n' "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY"; }; f`
  return [
    { name: 'GIT_CONFIG_COUNT', value: '1' },
    { name: 'GIT_CONFIG_KEY_0', value: `credential.${baseUrl}.helper` },
    { name: 'GIT_CONFIG_VALUE_0', value: helper },
  ]
}

export type ResolvedVariable = { name: string; value: string; secret: boolean }

/**
 * Final user variables with CodeBuild's precedence (StartBuild overrides > project > buildspec `env`,
 * see `resolveEnvironment`); PARAMETER_STORE / SECRETS_MANAGER references resolved through `resolve`
 * and flagged so the log masks them. Reserved names or forbidden exports fail the build.
 */
export async function userVariables(
  build: BuildRecord,
  plan: BuildPlan,
  resolve: (type: 'PARAMETER_STORE' | 'SECRETS_MANAGER', reference: string) => Promise<string>,
): Promise<ResolvedVariable[]> {
  const env = resolveEnvironment({
    buildspec: plan.env,
    project: build.settings.environment.environmentVariables ?? [],
    overrides: build.settings.environmentVariablesOverride,
  })
  const problems = [...env.errors, ...validateExportedVariables(plan.env.exportedVariables, env.variables)]
  if (problems.length > 0) throw new SourceError('CLIENT_ERROR', problems.join('; '))
  const out: ResolvedVariable[] = []
  for (const v of env.variables) {
    if (v.type === 'PLAINTEXT') out.push({ name: v.name, value: v.value, secret: false })
    else {
      try {
        out.push({ name: v.name, value: await resolve(v.type, v.value), secret: true })
      } catch (err) {
        throw new SourceError('CLIENT_ERROR', `${v.name}: ${(err as Error).message}`)
      }
    }
  }
  return out
}

/** `export NAME='value'` lines, quoted so no value is ever interpreted by the shell. */
export function exportScript(vars: { name: string; value: string }[]): string {
  return vars
    .filter((v) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(v.name))
    .map((v) => `export ${v.name}='${v.value.replaceAll("'", `'"'"'`)}'`)
    .join('\n') + '\n'
}
