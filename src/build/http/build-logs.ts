import type { EventEmitter } from 'node:events'
import fs from 'node:fs'
import path from 'node:path'
import type { FastifyInstance } from 'fastify'
import type { Store } from '../../infra/store.ts'
import { type HttpAuth, requirePrincipal } from '../../protocol/http-auth.ts'

/**
 * `GET /slipway/builds/<id>/log[?follow=true]`: a build's complete log as text. With `follow`, the
 * response stays open and streams new output until the build ends (what `logs.deepLink` and
 * `slipway logs --follow` use). Reads the file from an offset on every append: memory stays flat.
 */
export function registerBuildLogs(app: FastifyInstance, deps: { store: Store; dataDir: string; logEvents: EventEmitter; auth: HttpAuth }): void {
  app.get<{ Params: { id: string }; Querystring: { follow?: string } }>('/slipway/builds/:id/log', async (request, reply) => {
    if (!(await requirePrincipal(request, reply, deps.auth))) return reply
    const build = await deps.store.builds.get(request.params.id)
    if (!build) return reply.code(404).header('content-type', 'text/plain; charset=utf-8').send(`Build ${request.params.id} does not exist\n`)
    const file = path.join(deps.dataDir, build.logFile)
    const follow = request.query.follow === 'true' || request.query.follow === '1'
    reply.raw.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' })
    let offset = 0
    const drain = () => {
      if (!fs.existsSync(file)) return
      const fd = fs.openSync(file, 'r')
      try {
        const buf = Buffer.alloc(64 * 1024)
        for (;;) {
          const n = fs.readSync(fd, buf, 0, buf.length, offset)
          if (n <= 0) break
          offset += n
          reply.raw.write(buf.subarray(0, n))
        }
      } finally {
        fs.closeSync(fd)
      }
    }
    drain()
    const finished = async () => (await deps.store.builds.get(build.id))?.status !== 'IN_PROGRESS'
    if (!follow || (await finished())) {
      drain()
      reply.raw.end()
      return reply.hijack()
    }
    await new Promise<void>((resolve) => {
      const onEvent = (what: string) => {
        drain()
        if (what === 'closed') stop()
      }
      // A safety net for missed events (e.g. the build ended in another process).
      const poll = setInterval(() => {
        drain()
        void finished().then((done) => done && stop())
      }, 1000)
      const stop = () => {
        deps.logEvents.off(file, onEvent)
        clearInterval(poll)
        drain()
        resolve()
      }
      deps.logEvents.on(file, onEvent)
      request.raw.on('close', stop)
    })
    reply.raw.end()
    return reply.hijack()
  })
}
