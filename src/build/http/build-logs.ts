import type { EventEmitter } from 'node:events'
import fsp from 'node:fs/promises'
import type { ServerResponse } from 'node:http'
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
    // Reads from `offset` to the end of the file into the response, one fresh buffer per chunk (the
    // socket may still hold a written chunk), waiting for the socket when it is full: memory stays flat.
    const drainOnce = async () => {
      const handle = await fsp.open(file, 'r').catch(() => undefined)
      if (!handle) return
      try {
        while (!reply.raw.destroyed) {
          const buf = Buffer.allocUnsafe(64 * 1024)
          const { bytesRead } = await handle.read(buf, 0, buf.length, offset)
          if (bytesRead <= 0) break
          offset += bytesRead
          if (!reply.raw.write(buf.subarray(0, bytesRead))) await writable(reply.raw)
        }
      } finally {
        await handle.close()
      }
    }
    let draining = Promise.resolve()
    const drain = () => (draining = draining.then(drainOnce))
    await drain()
    const finished = async () => (await deps.store.builds.get(build.id))?.status !== 'IN_PROGRESS'
    if (!follow || (await finished())) {
      await drain()
      reply.raw.end()
      return reply.hijack()
    }
    await new Promise<void>((resolve) => {
      const onEvent = (what: string) => {
        void drain()
        if (what === 'closed') stop()
      }
      // A safety net for missed events (e.g. the build ended in another process).
      const poll = setInterval(() => {
        void drain()
        void finished().then((done) => done && stop())
      }, 1000)
      const stop = () => {
        deps.logEvents.off(file, onEvent)
        clearInterval(poll)
        void drain().then(() => resolve())
      }
      deps.logEvents.on(file, onEvent)
      request.raw.on('close', stop)
    })
    reply.raw.end()
    return reply.hijack()
  })
}

/** Resolves when a full socket can take more, or when it is gone. */
function writable(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done)
      res.off('close', done)
      resolve()
    }
    res.on('drain', done)
    res.on('close', done)
  })
}
