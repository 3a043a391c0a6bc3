import type { ConsoleApiDeps } from './console-api.ts'
import type { ConsoleRouter } from './console-route.ts'

/** `/console/api/pipelines/:name/definition` (editor) and `/console/api/pipelines/:name/executions/:id` (execution detail). */
export function registerPipelineDetailRoutes(_router: ConsoleRouter, _deps: ConsoleApiDeps): void {}
