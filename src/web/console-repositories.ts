import type { ConsoleApiDeps } from './console-api.ts'
import type { ConsoleRouter } from './console-route.ts'

/** `/console/api/repositories*`: repositories, branches, commits and files for the console. */
export function registerRepositoryRoutes(_router: ConsoleRouter, _deps: ConsoleApiDeps): void {}
