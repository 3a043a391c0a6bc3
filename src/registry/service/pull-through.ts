import { Readable } from 'node:stream'
import type { BlobRecord, ManifestRecord } from '../records.ts'
import { AwsError } from '../../shared/errors.ts'
import { isDigest } from '../model/names.ts'
import { MANIFEST_TYPES, MAX_MANIFEST_BYTES } from '../model/manifest.ts'
import type { RegistryContext } from './context.ts'
import { createRepository } from './repositories.ts'
import { ruleFor, upstreamBaseUrl } from './pull-through-rules.ts'
import { cacheManifest, findManifest } from './images.ts'
import * as blobs from './blobs.ts'

/** A cached tag is served as it is for a day; then the upstream is asked again (and kept if it is down). */
const TAG_FRESH_MS = 24 * 60 * 60 * 1000
const UPSTREAM_TIMEOUT_MS = 60_000

const upstreamUnavailable = (message: string) => new AwsError('UpstreamUnavailable', message, 503)

export type UpstreamPuller = {
  /** Creates the repository for `<prefix>/<upstream name>` on first use; false when no rule applies. */
  ensureRepository(name: string): Promise<boolean>
  pullManifest(name: string, reference: string, accept: string | undefined): Promise<ManifestRecord | undefined>
  pullBlob(name: string, digest: string): Promise<BlobRecord | undefined>
}

/** Pull-through cache: what a rule's repositories lack is fetched from the upstream registry once. */
export function upstreamPuller(ctx: RegistryContext): UpstreamPuller {
  const bearer = new Map<string, string>()

  async function upstreamOf(name: string): Promise<{ base: string; repository: string } | undefined> {
    const rule = await ruleFor(ctx, name)
    if (!rule) return undefined
    return { base: upstreamBaseUrl(rule.upstreamRegistryUrl), repository: name.slice(rule.prefix.length + 1) }
  }

  /** GET from the upstream, answering a Bearer challenge anonymously once (Docker Hub, GHCR, Quay). */
  async function get(base: string, repository: string, path: string, accept?: string): Promise<Response> {
    const url = `${base}/v2/${repository}/${path}`
    const headers: Record<string, string> = accept ? { accept } : {}
    const token = bearer.get(`${base}/${repository}`)
    const ask = (h: Record<string, string>) => fetch(url, { headers: h, redirect: 'follow', signal: AbortSignal.timeout(UPSTREAM_TIMEOUT_MS) })
    let response = await ask(token ? { ...headers, authorization: `Bearer ${token}` } : headers).catch((err: Error) => {
      throw upstreamUnavailable(`The upstream registry ${base} cannot be reached: ${err.message}`)
    })
    const challenge = response.headers.get('www-authenticate') ?? ''
    if (response.status === 401 && /^Bearer /i.test(challenge)) {
      await response.body?.cancel()
      const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]))
      if (!params.realm) throw upstreamUnavailable(`The upstream registry ${base} asked for a token without a realm`)
      const tokenUrl = new URL(params.realm)
      if (params.service) tokenUrl.searchParams.set('service', params.service)
      tokenUrl.searchParams.set('scope', params.scope ?? `repository:${repository}:pull`)
      const tokenResponse = await fetch(tokenUrl, { signal: AbortSignal.timeout(UPSTREAM_TIMEOUT_MS) })
      const body = (await tokenResponse.json().catch(() => ({}))) as { token?: string; access_token?: string }
      const fresh = body.token ?? body.access_token
      if (!tokenResponse.ok || !fresh) throw upstreamUnavailable(`The upstream registry ${base} refused an anonymous pull token`)
      bearer.set(`${base}/${repository}`, fresh)
      response = await ask({ ...headers, authorization: `Bearer ${fresh}` })
    }
    return response
  }

  return {
    async ensureRepository(name) {
      const rule = await ruleFor(ctx, name)
      if (!rule) return false
      await createRepository(ctx, { repositoryName: name, pullThroughPrefix: rule.prefix }).catch((err: unknown) => {
        if (!(err instanceof AwsError && err.code === 'RepositoryAlreadyExistsException')) throw err
      })
      return true
    },

    async pullManifest(name, reference, accept) {
      const repo = await ctx.store.registry.getRepository(name)
      const upstream = repo?.pullThroughPrefix ? await upstreamOf(name) : undefined
      const local = await findManifest(ctx, name, reference)
      if (!upstream) return local
      if (local && isDigest(reference)) return local
      if (local) {
        const tag = await ctx.store.registry.getTag(name, reference)
        if (tag && ctx.clock.now().getTime() - tag.pushedAt.getTime() < TAG_FRESH_MS) return local
      }
      let response: Response
      try {
        response = await get(upstream.base, upstream.repository, `manifests/${encodeURIComponent(reference)}`, accept ?? MANIFEST_TYPES.join(', '))
      } catch (err) {
        if (local) return local
        throw err
      }
      if (response.status === 404) {
        await response.body?.cancel()
        return local
      }
      if (!response.ok) {
        await response.body?.cancel()
        if (local) return local
        throw upstreamUnavailable(`The upstream registry ${upstream.base} answered ${response.status} for ${upstream.repository}:${reference}`)
      }
      const bytes = Buffer.from(await response.arrayBuffer())
      if (bytes.length > MAX_MANIFEST_BYTES) throw upstreamUnavailable(`The upstream manifest for ${reference} is too large`)
      return cacheManifest(ctx, name, bytes, response.headers.get('content-type') ?? undefined, isDigest(reference) ? { digest: reference } : { tag: reference })
    },

    async pullBlob(name, digest) {
      const repo = await ctx.store.registry.getRepository(name)
      const upstream = repo?.pullThroughPrefix && isDigest(digest) ? await upstreamOf(name) : undefined
      if (!upstream) return undefined
      const response = await get(upstream.base, upstream.repository, `blobs/${digest}`)
      if (response.status === 404) {
        await response.body?.cancel()
        return undefined
      }
      if (!response.ok || !response.body) {
        await response.body?.cancel()
        throw upstreamUnavailable(`The upstream registry ${upstream.base} answered ${response.status} for blob ${digest}`)
      }
      const upload = await blobs.startUpload(ctx, name)
      return blobs.completeUpload(ctx, name, upload.id, digest, Readable.fromWeb(response.body as never))
    },
  }
}
