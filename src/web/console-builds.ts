import type { ConsoleApiDeps } from './console-api.ts'
import type { ConsoleRouter } from './console-route.ts'

/** `/console/api/projects*` and build details beyond `GET /console/api/builds/:id`. */
export function registerBuildRoutes(_router: ConsoleRouter, _deps: ConsoleApiDeps): void {}
