import type { FastifyInstance } from 'fastify'
import type { EventBus } from '../events/bus.ts'
import { registerConsoleApi, type ConsoleApiDeps } from './console-api.ts'
import { registerConsoleEvents } from './console-events.ts'
import { registerConsoleStatic } from './static.ts'

/** The web console: static SPA for unsigned browser requests, its JSON API and its event stream. */
export function registerConsole(app: FastifyInstance, deps: ConsoleApiDeps & { bus: EventBus }): void {
  registerConsoleStatic(app)
  registerConsoleApi(app, deps)
  registerConsoleEvents(app, deps)
}
