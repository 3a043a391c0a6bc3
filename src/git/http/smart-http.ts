import { spawn } from 'node:child_process'
import { pipeline } from 'node:stream/promises'
import { createGunzip } from 'node:zlib'
import type { Readable } from 'node:stream'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { GitContext } from '../service/context.ts'
import { PUSH_MARK_MS, syncRefs } from '../service/ref-updates.ts'
import { isValidRepositoryName } from '../model/names.ts'
import { type GitAuthOptions, authenticateGit } from './git-auth.ts'
import { cleanGitEnv } from '../adapters/run-git.ts'

type Service = 'git-upload-pack' | 'git-receive-pack'

const SERVICES: readonly Service[] = ['git-upload-pack', 'git-receive-pack']

/** `version=2` and friends from the Git-Protocol header, passed to git only when well-formed. */
function gitProtocol(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header
  return value && /^[A-Za-z0-9=:._-]+$/.test(value) ? value : undefined
}

function pktLine(text: string): string {
  return (text.length + 4).toString(16).padStart(4, '0') + text
}

/**
 * Git smart HTTP at `/v1/repos/<name>` (CodeCommit's URL shape), served by the real
 * `git upload-pack` / `git receive-pack --stateless-rpc`, streamed both ways. Every request is
 * authenticated first (401 before anything is read or written); an unknown repository is 404.
 * The repository name is looked up in the store and never reaches git: git gets the bare repo path.
 * After a push, `syncRefs` publishes a ReferenceUpdated event per changed ref.
 */
export function registerGitSmartHttp(app: FastifyInstance, ctx: GitContext, auth: GitAuthOptions): void {
  const challenge = (reply: FastifyReply) =>
    reply.code(401).header('www-authenticate', 'Basic realm="Slipway git"').header('content-type', 'text/plain').send('Authentication required\n')

  async function open(request: FastifyRequest, reply: FastifyReply, name: string) {
    const host = String(request.headers.host ?? '').replace(/:\d+$/, '')
    const principal = await authenticateGit(request.headers.authorization, host, [`/v1/repos/${name}`, `/v1/repos/${name}/`, `/v1/repos/${name}.git`], auth)
    if (!principal) {
      challenge(reply)
      return undefined
    }
    const repo = isValidRepositoryName(name) ? await ctx.store.repositories.getByName(name) : undefined
    if (!repo || !(await ctx.repos.exists(repo.id))) {
      reply.code(404).header('content-type', 'text/plain').send(`Repository ${name} not found\n`)
      return undefined
    }
    return { repo, principal }
  }

  app.get<{ Params: { name: string }; Querystring: { service?: string } }>('/v1/repos/:name/info/refs', async (request, reply) => {
    const service = request.query.service as Service
    if (!SERVICES.includes(service)) return reply.code(403).header('content-type', 'text/plain').send('Dumb HTTP is not supported; use a git client with smart HTTP\n')
    const opened = await open(request, reply, request.params.name)
    if (!opened) return reply
    const protocol = gitProtocol(request.headers['git-protocol'])
    const child = spawn('git', [service.slice(4), '--stateless-rpc', '--advertise-refs', ctx.repos.pathOf(opened.repo.id)], {
      env: cleanGitEnv(protocol ? { GIT_PROTOCOL: protocol } : {}),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    child.stderr.resume()
    reply
      .code(200)
      .header('content-type', `application/x-${service}-advertisement`)
      .header('cache-control', 'no-cache')
    const v2 = protocol?.includes('version=2') && service === 'git-upload-pack'
    if (v2) return reply.send(child.stdout)
    reply.raw.writeHead(200, reply.getHeaders() as Record<string, string>)
    reply.raw.write(pktLine(`# service=${service}\n`) + '0000')
    child.stdout.pipe(reply.raw)
    return reply.hijack()
  })

  for (const service of SERVICES) {
    app.post<{ Params: { name: string } }>(`/v1/repos/:name/${service}`, async (request, reply) => {
      const opened = await open(request, reply, request.params.name)
      if (!opened) {
        request.raw.resume()
        return reply
      }
      const protocol = gitProtocol(request.headers['git-protocol'])
      // A push is marked before git takes it in, and the mark renewed while it runs: if this server dies
      // before the ref changes are published, another one publishes them (syncAbandonedPushes).
      const pushing = service === 'git-receive-pack'
      if (pushing) await ctx.store.repositories.requestSync(opened.repo.id, ctx.clock.now())
      const renew = pushing ? setInterval(() => void ctx.store.repositories.requestSync(opened.repo.id, ctx.clock.now()).catch(() => undefined), PUSH_MARK_MS / 3) : undefined
      const child = spawn('git', [service.slice(4), '--stateless-rpc', ctx.repos.pathOf(opened.repo.id)], {
        env: cleanGitEnv(protocol ? { GIT_PROTOCOL: protocol } : {}),
        stdio: ['pipe', 'pipe', 'pipe'],
      })
      child.stderr.resume()
      const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? 1)))
      if (renew) void exited.finally(() => clearInterval(renew))
      const body: Readable = request.headers['content-encoding'] === 'gzip' ? request.raw.pipe(createGunzip()) : request.raw
      pipeline(body, child.stdin).catch(() => child.kill())
      if (service === 'git-receive-pack') {
        void exited.then(() => syncRefs(ctx, opened.repo, opened.principal)).catch((err: unknown) => request.log.error({ err }, 'publishing ref updates failed'))
      }
      return reply
        .code(200)
        .header('content-type', `application/x-${service}-result`)
        .header('cache-control', 'no-cache')
        .send(child.stdout)
    })
  }
}
