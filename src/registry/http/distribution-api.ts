import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { readBody } from '../../shared/read-body.ts'
import { rememberPrincipal } from '../../protocol/request-principal.ts'
import { isDigest, isRepositoryName } from '../model/names.ts'
import { MAX_MANIFEST_BYTES } from '../model/manifest.ts'
import type { RegistryContext } from '../service/context.ts'
import { verifyRegistryPassword } from '../service/auth-tokens.ts'
import * as blobs from '../service/blobs.ts'
import * as images from '../service/images.ts'
import { requireRepository } from '../service/repositories.ts'
import type { UpstreamPuller } from '../service/pull-through.ts'
import {
  blobUnknown, DistributionError, manifestUnknown, nameInvalid, notFound, rangeInvalid, toDistributionError, unauthorized, unsupported,
} from './distribution-errors.ts'

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']

type Route =
  | { kind: 'base' }
  | { kind: 'catalog' }
  | { kind: 'tags'; name: string }
  | { kind: 'manifest'; name: string; reference: string }
  | { kind: 'uploads'; name: string }
  | { kind: 'upload'; name: string; id: string }
  | { kind: 'blob'; name: string; digest: string }

function route(path: string): Route | undefined {
  if (path === '' ) return { kind: 'base' }
  if (path === '_catalog') return { kind: 'catalog' }
  let m = /^(.+)\/tags\/list$/.exec(path)
  if (m) return { kind: 'tags', name: m[1]! }
  m = /^(.+)\/manifests\/([^/]+)$/.exec(path)
  if (m) return { kind: 'manifest', name: m[1]!, reference: m[2]! }
  m = /^(.+)\/blobs\/uploads\/?$/.exec(path)
  if (m) return { kind: 'uploads', name: m[1]! }
  m = /^(.+)\/blobs\/uploads\/([^/]+)$/.exec(path)
  if (m) return { kind: 'upload', name: m[1]!, id: m[2]! }
  m = /^(.+)\/blobs\/([^/]+)$/.exec(path)
  if (m) return { kind: 'blob', name: m[1]!, digest: m[2]! }
  return undefined
}

/**
 * The OCI distribution API (`/v2/`) over the registry service: what `docker push|pull`, skopeo,
 * crane and containerd speak. Basic credentials `AWS:<token>` from GetAuthorizationToken.
 */
export function registerDistributionApi(app: FastifyInstance, ctx: RegistryContext, options: { puller?: UpstreamPuller; onPush?: (principal: string, repository: string, digest: string) => Promise<void> }): void {
  const challenge = () => `Basic realm="${ctx.baseUrl()}/",service="ecr.amazonaws.com"`

  async function authenticate(request: FastifyRequest): Promise<string> {
    const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(request.headers.authorization ?? '')
    if (!m?.[1]) throw unauthorized('authentication required: docker login with aws ecr get-login-password')
    const decoded = Buffer.from(m[1], 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    const verdict = await verifyRegistryPassword(ctx, decoded.slice(0, Math.max(colon, 0)), decoded.slice(colon + 1))
    if ('refused' in verdict) throw unauthorized(verdict.refused)
    rememberPrincipal(request, verdict.principal)
    return verdict.principal
  }

  function send(reply: FastifyReply, err: DistributionError, head: boolean): FastifyReply {
    reply.code(err.status).header('docker-distribution-api-version', 'registry/2.0').header('content-type', 'application/json; charset=utf-8')
    if (err.status === 401) reply.header('www-authenticate', challenge())
    const body = JSON.stringify({ errors: [{ code: err.code, message: err.message, ...(err.detail !== undefined ? { detail: err.detail } : {}) }] })
    return head ? reply.header('content-length', Buffer.byteLength(body)).send() : reply.send(body)
  }

  const handle = async (request: FastifyRequest, reply: FastifyReply) => {
    const method = request.raw.method ?? 'GET'
    const raw = request.raw.url ?? '/'
    const q = raw.indexOf('?')
    const query = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1))
    let invalidCode = 'NAME_INVALID'
    try {
      const principal = await authenticate(request)
      let path: string
      try {
        path = decodeURIComponent((q < 0 ? raw : raw.slice(0, q)).replace(/^\/v2\/?/, ''))
      } catch {
        throw notFound()
      }
      const r = route(path)
      if (!r) throw notFound()
      reply.header('docker-distribution-api-version', 'registry/2.0')
      if (r.kind === 'base') return reply.code(200).header('content-type', 'application/json').send('{}')
      if (r.kind === 'catalog') return await catalog(reply, query)
      if (!isRepositoryName(r.name)) throw nameInvalid(r.name)
      switch (r.kind) {
        case 'tags':
          return await tagsList(reply, r.name, query)
        case 'manifest':
          invalidCode = 'MANIFEST_INVALID'
          return await manifest(request, reply, method, r.name, r.reference, principal)
        case 'uploads':
          invalidCode = 'DIGEST_INVALID'
          if (method !== 'POST') throw unsupported(`${method} is not supported on uploads`)
          return await startUpload(request, reply, r.name, query)
        case 'upload':
          invalidCode = 'DIGEST_INVALID'
          return await upload(request, reply, method, r.name, r.id, query)
        case 'blob':
          invalidCode = 'DIGEST_INVALID'
          return await blob(request, reply, method, r.name, r.digest)
      }
    } catch (err) {
      request.raw.resume()
      const mapped = toDistributionError(err, invalidCode)
      if (!mapped) {
        reply.log.error({ err }, 'registry request failed')
        return send(reply, new DistributionError('UNKNOWN', 500, 'internal error'), method === 'HEAD')
      }
      return send(reply, mapped, method === 'HEAD')
    }
  }

  async function catalog(reply: FastifyReply, query: URLSearchParams) {
    const n = Math.min(Number(query.get('n') ?? 1000) || 1000, 1000)
    const last = query.get('last') ?? ''
    const all = (await ctx.store.registry.listRepositories()).map((r) => r.name).filter((name) => name > last)
    const page = all.slice(0, n)
    if (all.length > n) reply.header('link', `</v2/_catalog?n=${n}&last=${encodeURIComponent(page.at(-1)!)}>; rel="next"`)
    return reply.code(200).header('content-type', 'application/json').send(JSON.stringify({ repositories: page }))
  }

  async function tagsList(reply: FastifyReply, name: string, query: URLSearchParams) {
    await repositoryOrPullThrough(name)
    const n = Math.min(Number(query.get('n') ?? 1000) || 1000, 1000)
    const last = query.get('last') ?? ''
    const all = (await ctx.store.registry.listTags(name)).map((t) => t.tag).filter((t) => t > last)
    const page = all.slice(0, n)
    if (all.length > n) reply.header('link', `</v2/${name}/tags/list?n=${n}&last=${encodeURIComponent(page.at(-1)!)}>; rel="next"`)
    return reply.code(200).header('content-type', 'application/json').send(JSON.stringify({ name, tags: page }))
  }

  /** The repository, or (under a pull-through rule) the one created for the upstream on first use. */
  async function repositoryOrPullThrough(name: string) {
    if (!(await ctx.store.registry.getRepository(name))) await options.puller?.ensureRepository(name)
    return requireRepository(ctx, name)
  }

  async function manifest(request: FastifyRequest, reply: FastifyReply, method: string, name: string, reference: string, principal: string) {
    if (method === 'GET' || method === 'HEAD') {
      await repositoryOrPullThrough(name)
      // The puller answers from the repository itself, asking the upstream only for a pull-through
      // repository's missing image or stale tag.
      const m = options.puller ? await options.puller.pullManifest(name, reference, request.headers.accept) : await images.findManifest(ctx, name, reference)
      if (!m) throw manifestUnknown(reference)
      if (method === 'GET') await ctx.store.registry.touchPulled(name, m.digest, ctx.clock.now())
      reply.code(200).header('content-type', m.mediaType).header('docker-content-digest', m.digest).header('etag', `"${m.digest}"`).header('content-length', m.body.length)
      return method === 'HEAD' ? reply.send() : reply.send(m.body)
    }
    if (method === 'PUT') {
      const body = await readBody(request.raw, MAX_MANIFEST_BYTES)
      const byDigest = isDigest(reference)
      if (!byDigest && reference.startsWith('sha256:')) throw new DistributionError('DIGEST_INVALID', 400, `invalid digest ${reference}`)
      const pushed = await images.putManifest(ctx, name, body, {
        ...(request.headers['content-type'] ? { contentType: request.headers['content-type'] } : {}),
        ...(byDigest ? { digest: reference } : { tag: reference }),
      })
      await options.onPush?.(principal, name, pushed.digest)
      return reply.code(201).header('location', `/v2/${name}/manifests/${pushed.digest}`).header('docker-content-digest', pushed.digest).header('content-length', 0).send()
    }
    if (method === 'DELETE') {
      await requireRepository(ctx, name)
      const result = await images.deleteImage(ctx, name, isDigest(reference) ? { imageDigest: reference } : { imageTag: reference })
      if ('failure' in result) {
        if (result.failure.failureCode === 'ImageReferencedByManifestList') throw new DistributionError('DENIED', 403, result.failure.failureReason)
        throw manifestUnknown(reference)
      }
      return reply.code(202).header('content-length', 0).send()
    }
    throw unsupported(`${method} is not supported on manifests`)
  }

  const uploadHeaders = (reply: FastifyReply, name: string, upload: { id: string }, size: number) =>
    reply
      .header('location', `/v2/${name}/blobs/uploads/${upload.id}`)
      .header('range', `0-${Math.max(size - 1, 0)}`)
      .header('docker-upload-uuid', upload.id)
      .header('content-length', 0)

  const blobCreated = (reply: FastifyReply, name: string, digest: string) =>
    reply.code(201).header('location', `/v2/${name}/blobs/${digest}`).header('docker-content-digest', digest).header('content-length', 0).send()

  async function startUpload(request: FastifyRequest, reply: FastifyReply, name: string, query: URLSearchParams) {
    const mount = query.get('mount')
    const from = query.get('from')
    if (mount && from && isRepositoryName(from)) {
      const mounted = await blobs.mountBlob(ctx, name, mount, from)
      if (mounted) {
        request.raw.resume()
        return blobCreated(reply, name, mounted.digest)
      }
    }
    const upload = await blobs.startUpload(ctx, name)
    const digest = query.get('digest')
    if (digest) {
      const stored = await blobs.completeUpload(ctx, name, upload.id, digest, request.raw)
      return blobCreated(reply, name, stored.digest)
    }
    request.raw.resume()
    return uploadHeaders(reply.code(202), name, upload, 0).send()
  }

  async function upload(request: FastifyRequest, reply: FastifyReply, method: string, name: string, id: string, query: URLSearchParams) {
    if (method === 'GET') {
      const u = await blobs.requireUpload(ctx, name, id)
      return uploadHeaders(reply.code(204), name, u, blobs.uploadedSize(u)).send()
    }
    if (method === 'PATCH') {
      const range = request.headers['content-range']
      let offset: number | undefined
      if (range) {
        const m = /^(?:bytes[ =])?(\d+)-(\d+)(?:\/\d+|\/\*)?$/.exec(String(range))
        if (!m) throw rangeInvalid(`invalid Content-Range ${String(range)}`)
        offset = Number(m[1])
      }
      const u = await blobs.appendChunk(ctx, name, id, request.raw, offset)
      return uploadHeaders(reply.code(202), name, u, blobs.uploadedSize(u)).send()
    }
    if (method === 'PUT') {
      const digest = query.get('digest')
      if (!digest) throw new DistributionError('DIGEST_INVALID', 400, 'a digest query parameter is required to complete an upload')
      const stored = await blobs.completeUpload(ctx, name, id, digest, request.raw)
      return blobCreated(reply, name, stored.digest)
    }
    if (method === 'DELETE') {
      await blobs.cancelUpload(ctx, name, id)
      return reply.code(204).send()
    }
    throw unsupported(`${method} is not supported on an upload`)
  }

  async function blob(request: FastifyRequest, reply: FastifyReply, method: string, name: string, digest: string) {
    if (method === 'DELETE') throw unsupported('blobs are deleted with their images (BatchDeleteImage), not one by one')
    if (method !== 'GET' && method !== 'HEAD') throw unsupported(`${method} is not supported on blobs`)
    await repositoryOrPullThrough(name)
    let found = await blobs.findBlob(ctx, name, digest)
    if (!found && options.puller) found = await options.puller.pullBlob(name, digest)
    if (!found) throw blobUnknown(digest)
    reply.header('docker-content-digest', found.digest).header('etag', `"${found.digest}"`).header('content-type', 'application/octet-stream').header('accept-ranges', 'bytes')
    const range = /^bytes=(\d+)-(\d*)$/.exec(String(request.headers.range ?? ''))
    if (method === 'HEAD') return reply.code(200).header('content-length', found.size).send()
    if (range && found.size > 0) {
      const start = Number(range[1])
      const end = range[2] ? Math.min(Number(range[2]), found.size - 1) : found.size - 1
      if (start > end) throw rangeInvalid(`range ${String(request.headers.range)} is outside the blob`)
      const { body } = await ctx.objects.getObject(ctx.bucket, found.objectKey, { range: { start, end } })
      return reply.code(206).header('content-range', `bytes ${start}-${end}/${found.size}`).header('content-length', end - start + 1).send(body)
    }
    const { body } = await ctx.objects.getObject(ctx.bucket, found.objectKey)
    return reply.code(200).header('content-length', found.size).send(body)
  }

  app.route({ method: METHODS as never, url: '/v2', exposeHeadRoute: false, handler: handle })
  app.route({ method: METHODS as never, url: '/v2/*', exposeHeadRoute: false, handler: handle })
}
