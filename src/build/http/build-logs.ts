import type { ServerResponse } from 'node:http'
import type { FastifyInstance } from 'fastify'
import type { SubStores } from '../../infra/store.ts'
import { type HttpAuth, requirePrincipal } from '../../protocol/http-auth.ts'
import type { LogStore } from '../logs/log-store.ts'

/** How long a follower waits for a wake-up before it looks again anyway. */
const RECHECK_MS = 1000

/**
 * `GET /slipway/builds/<id>/log[?follow=true]`: a build's complete log as text. With `follow`, the
 * response stays open and streams new output until the build ends (what `logs.deepLink` and
 * `slipway logs --follow` use) — from whichever server runs the build. Reads from an offset after
 * every wake-up, waiting for the socket when it is full: memory stays flat.
 */
export function registerBuildLogs(app: FastifyInstance, deps: { store: Pick<SubStores, 'builds'>; logs: LogStore; auth: HttpAuth }): void {
  app.get<{ Params: { id: string }; Querystring: { follow?: string } }>('/slipway/builds/:id/log', async (request, reply) => {
    if (!(await requirePrincipal(request, reply, deps.auth))) return reply
    const build = await deps.store.builds.get(request.params.id)
    if (!build) return reply.code(404).header('content-type', 'text/plain; charset=utf-8').send(`Build ${request.params.id} does not exist\n`)
    const follow = request.query.follow === 'true' || request.query.follow === '1'
    reply.hijack()
    const res = reply.raw
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' })
    res.flushHeaders()
    let offset = 0
    const drain = async () => {
      for await (const chunk of deps.logs.read(build, offset)) {
        if (res.destroyed) return
        offset += chunk.length
        if (!res.write(chunk)) await writable(res)
      }
    }
    const finished = async () => (await deps.store.builds.get(build.id))?.status !== 'IN_PROGRESS'
    let gone = false
    request.raw.on('close', () => (gone = true))
    try {
      await drain()
      // Whether it had ended is read before the last drain, so everything written before the end is sent.
      while (follow && !gone && !res.destroyed) {
        const ended = await finished()
        await drain()
        if (ended) break
        await deps.logs.changed(build, RECHECK_MS)
      }
    } finally {
      res.end()
    }
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
