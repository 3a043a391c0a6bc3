import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance, FastifyRequest } from 'fastify'

/** Where `npm run build:web` writes the single-page app. */
export const WEB_DIST = fileURLToPath(new URL('../../web/dist/', import.meta.url))

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.map': 'application/json',
}

const NOT_BUILT = '<!doctype html><meta charset="utf-8"><title>Slipway</title><body style="font-family:sans-serif;margin:3rem"><h1>Slipway console</h1><p>The console has not been built. Run <code>npm run build:web</code> and reload.</p>'

/** A request an AWS client signed (SigV4 header or presigned query): those belong to S3. */
export function isSigned(request: FastifyRequest): boolean {
  const url = request.raw.url ?? '/'
  return Boolean(request.headers.authorization) || /[?&]X-Amz-/i.test(url)
}

/**
 * Serves the console at `/` and `/assets/*` to browsers. S3 owns the same paths (`GET /` is
 * ListBuckets, `/assets/...` a bucket named "assets"): requests are told apart by their signature, so
 * this runs as an onRequest hook, ahead of the S3 routes, and only answers unsigned GET/HEAD requests
 * (for `/`, only those that accept text/html, as a browser's navigation does).
 */
export function registerConsoleStatic(app: FastifyInstance, distDir = WEB_DIST): void {
  const root = path.resolve(distDir)
  app.addHook('onRequest', async (request, reply) => {
    const method = request.raw.method
    if ((method !== 'GET' && method !== 'HEAD') || isSigned(request)) return
    const pathname = (request.raw.url ?? '/').split('?')[0] ?? '/'
    let file: string
    // `/` only for a browser asking for a page: other unsigned callers keep S3's AccessDenied.
    if (pathname === '/' || pathname === '/index.html') {
      if (!/text\/html/.test(request.headers.accept ?? '')) return
      file = path.join(root, 'index.html')
    } else if (pathname.startsWith('/assets/')) {
      let decoded: string
      try {
        decoded = decodeURIComponent(pathname)
      } catch {
        return reply.code(400).header('content-type', 'text/plain; charset=utf-8').send('Bad request\n')
      }
      file = path.resolve(root, '.' + decoded)
    } else return
    if (!file.startsWith(root + path.sep)) return reply.code(404).send({ error: 'NotFound' })
    const isIndex = file === path.join(root, 'index.html')
    let body: Buffer
    try {
      body = fs.readFileSync(file)
    } catch {
      if (isIndex) return reply.code(503).header('content-type', 'text/html; charset=utf-8').send(NOT_BUILT)
      return reply.code(404).header('content-type', 'text/plain; charset=utf-8').send('Not found\n')
    }
    return reply
      .code(200)
      .header('content-type', TYPES[path.extname(file)] ?? 'application/octet-stream')
      .header('cache-control', isIndex ? 'no-cache' : 'public, max-age=31536000, immutable')
      .header('x-content-type-options', 'nosniff')
      .header('x-frame-options', 'DENY')
      .send(body)
  })
}
