import type { FastifyInstance } from 'fastify'
import { type HttpAuth, requirePrincipal } from '../../protocol/http-auth.ts'
import type { BuildContext } from '../service/context.ts'
import { listRunners } from '../service/runner-views.ts'

/**
 * `GET /slipway/runners`: the runners seen lately, with the builds each runs (what `slipway runners
 * list` and the console's runners page show). Authenticated like the log endpoint.
 */
export function registerRunnersView(app: FastifyInstance, deps: { ctx: BuildContext; auth: HttpAuth }): void {
  app.get('/slipway/runners', async (request, reply) => {
    if (!(await requirePrincipal(request, reply, deps.auth))) return reply
    const runners = await listRunners(deps.ctx)
    return reply.code(200).header('content-type', 'application/json').send({ runners: runners.map((r) => ({ ...r, registeredAt: r.registeredAt.toISOString(), lastSeenAt: r.lastSeenAt.toISOString() })) })
  })
}
