/**
 * The compiled form of an `appspec.yml` for the Server (EC2/on-premises) compute platform: what
 * `parseAppSpec` returns and the agent runs. Defaults are applied, lists are never undefined, and
 * the whole spec is deep-frozen.
 */
import type { FileExistsBehavior } from '../../protocol/models/codedeploy.types.ts'

export type { FileExistsBehavior }

/** A finding positioned in the appspec text. `line`/`column` are 1-based; `path` names the key (`hooks.ValidateService[0].timeout`, `''` for the document). */
export type AppSpecProblem = {
  readonly message: string
  readonly line: number
  readonly column: number
  readonly path: string
}

export const APPSPEC_OSES = ['linux', 'windows'] as const
export type AppSpecOs = (typeof APPSPEC_OSES)[number]

export const FILE_EXISTS_BEHAVIORS = ['DISALLOW', 'OVERWRITE', 'RETAIN'] as const satisfies readonly FileExistsBehavior[]

/**
 * The lifecycle events an appspec may attach scripts to on the Server platform: the agent 1.8.1's
 * hook mapping (`BeforeBlockTraffic` … `AfterAllowTraffic`). `DownloadBundle` and `Install` are the
 * agent's own work, `BlockTraffic`/`AllowTraffic` the service's, so none of them takes scripts.
 */
export const HOOK_EVENT_NAMES = [
  'BeforeBlockTraffic',
  'AfterBlockTraffic',
  'ApplicationStop',
  'BeforeInstall',
  'AfterInstall',
  'ApplicationStart',
  'ValidateService',
  'BeforeAllowTraffic',
  'AfterAllowTraffic',
] as const
export type HookEventName = (typeof HOOK_EVENT_NAMES)[number]

/** Seconds a hook script may run when its `timeout` is not given, and the most one may ask for. */
export const DEFAULT_SCRIPT_TIMEOUT_SECONDS = 3600
export const MAX_SCRIPT_TIMEOUT_SECONDS = 3600

/** One `files` entry. `source` is relative to the bundle root (`/` = the whole bundle); `destination` is absolute on the host. */
export type AppSpecFile = {
  readonly source: string
  readonly destination: string
  /** Accepted for old appspecs but ignored by the agent (`file_exists_behavior` decides); kept only so tools can show it. */
  readonly overwrite?: boolean
}

/** SELinux context of a permission: `type` required; `user` from the documented `user` key or the agent's `name` key. */
export type SelinuxContext = { readonly user?: string; readonly type: string; readonly range?: string }

export type PermissionObjectType = 'file' | 'directory'

/** One `permissions` entry (Linux only). */
export type AppSpecPermission = {
  readonly object: string
  /** Glob of the objects under `object` the entry applies to; `**` (the default) means all. */
  readonly pattern: string
  readonly except: readonly string[]
  readonly owner?: string
  readonly group?: string
  /** Permission bits (e.g. 0o644 for `mode: 644` or `mode: "0644"`), as the agent computes them from the value's digits. */
  readonly mode?: number
  /** ACL entries as written (`u:bob:rw`, `d:g:ops:r-x`, …), each checked the way the agent checks them. */
  readonly acls: readonly string[]
  readonly context?: SelinuxContext
  /** Which kinds of object the entry applies to; both by default. */
  readonly type: readonly PermissionObjectType[]
}

/** One script of a hook. `location` is relative to the bundle root. */
export type HookScript = {
  readonly location: string
  /** Seconds, 1..3600; 3600 when not given. */
  readonly timeout: number
  readonly runas?: string
  /** Agent-only extra key: run through `sudo`. */
  readonly sudo: boolean
}

export type AppSpec = {
  /** The only version the agent accepts. */
  readonly version: '0.0'
  readonly os: AppSpecOs
  readonly files: readonly AppSpecFile[]
  /** Absent: the deployment's `fileExistsBehavior` decides (default DISALLOW). */
  readonly fileExistsBehavior?: FileExistsBehavior
  readonly permissions: readonly AppSpecPermission[]
  /** Scripts per lifecycle event, in run order; events without scripts are absent. */
  readonly hooks: Readonly<Partial<Record<HookEventName, readonly HookScript[]>>>
}

/** `spec` is present exactly when `errors` is empty. Warnings never block a spec. */
export type ParseAppSpecResult = {
  readonly spec?: AppSpec
  readonly errors: readonly AppSpecProblem[]
  readonly warnings: readonly AppSpecProblem[]
}
