import type { FastifyInstance } from 'fastify'
import type { EventBus } from '../events/bus.ts'
import { registerConsoleApi, type ConsoleApiDeps } from './console-api.ts'
import { registerConsoleEvents } from './console-events.ts'
import { registerConsoleStatic } from './static.ts'
import { consoleRouter } from './console-route.ts'
import { registerRepositoryRoutes } from './console-repositories.ts'
import { registerBuildRoutes } from './console-builds.ts'
import { registerPipelineDetailRoutes } from './console-pipeline-detail.ts'
import { registerImageRoutes } from './console-images.ts'

/** The web console: static SPA for unsigned browser requests, its JSON API and its event stream. */
export function registerConsole(app: FastifyInstance, deps: ConsoleApiDeps & { bus: EventBus }): void {
  registerConsoleStatic(app)
  const router = consoleRouter(app, deps)
  registerConsoleApi(app, deps, router)
  registerRepositoryRoutes(router, deps)
  registerBuildRoutes(router, deps)
  registerPipelineDetailRoutes(router, deps)
  registerImageRoutes(router, deps)
  registerConsoleEvents(app, deps)
}
