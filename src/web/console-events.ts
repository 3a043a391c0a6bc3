import type { ServerResponse } from 'node:http'
import type { FastifyInstance } from 'fastify'
import type { EventBus } from '../events/bus.ts'
import type { ConsoleSessions } from './sessions.ts'

const HEARTBEAT_MS = 15_000

/**
 * `GET /console/api/events`: Server-Sent Events relaying every outbox event (pipeline, stage, action,
 * build, reference, deployment changes), from any server on the store. One tail of the bus, fanned out to every open stream; a
 * comment line every 15 s keeps proxies and the browser's EventSource from timing out.
 */
export function registerConsoleEvents(app: FastifyInstance, deps: { bus: EventBus; sessions: ConsoleSessions }): void {
  const clients = new Set<ServerResponse>()
  const unsubscribe = deps.bus.tail((event) => {
    if (clients.size === 0) return
    const data = JSON.stringify({ seq: event.seq, type: event.type, resource: event.resource, detail: event.detail, at: event.at })
    const frame = `id: ${event.seq}\nevent: change\ndata: ${data}\n\n`
    for (const res of clients) res.write(frame)
  })
  const heartbeat = setInterval(() => {
    for (const res of clients) res.write(': heartbeat\n\n')
  }, HEARTBEAT_MS)
  heartbeat.unref()
  app.addHook('preClose', async () => {
    unsubscribe()
    clearInterval(heartbeat)
    for (const res of clients) res.end()
    clients.clear()
  })

  app.get('/console/api/events', async (request, reply) => {
    if (!(await deps.sessions.principalOf(request))) return reply.code(401).send({ error: 'Unauthorized', message: 'Sign in to the console first' })
    reply.hijack()
    const res = reply.raw
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' })
    res.write('retry: 2000\n: connected\n\n')
    clients.add(res)
    request.raw.on('close', () => clients.delete(res))
  })
}
