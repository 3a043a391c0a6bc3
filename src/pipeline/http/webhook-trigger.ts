/**
 * The URL a CodePipeline webhook hands out: `POST /webhooks/trigger?t=<token>&v=1`. Authenticated by
 * the webhook's own scheme (an HMAC secret, an address range, or none), never by SigV4: this is what
 * GitHub and other senders call. Answers JSON: 200 with the execution it started or why it started
 * none, 401 for a refused caller, 404 for an unknown URL, 400 for a payload that is not JSON.
 */
import type { FastifyInstance } from 'fastify'
import type { PipelineContext } from '../service/context.ts'
import type { PipelineEngine } from '../service/engine.ts'
import { invokeWebhook } from '../service/webhooks.ts'

/** GitHub sends up to 25 MB; a payload that large is refused before it is read. */
const MAX_PAYLOAD_BYTES = 25 * 1024 * 1024

export const WEBHOOK_PATH = '/webhooks/trigger'

async function readBody(stream: NodeJS.ReadableStream, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > limit) return undefined
    chunks.push(chunk)
  }
  return Buffer.concat(chunks)
}

export function registerWebhookTrigger(app: FastifyInstance, ctx: PipelineContext, engine: PipelineEngine, onError: (err: unknown) => void): void {
  app.post(WEBHOOK_PATH, async (request, reply) => {
    const token = (request.query as Record<string, string | undefined>).t ?? ''
    if (Number(request.headers['content-length'] ?? 0) > MAX_PAYLOAD_BYTES) return reply.code(413).header('connection', 'close').send({ message: `The payload is larger than ${MAX_PAYLOAD_BYTES} bytes` })
    const body = await readBody(request.raw, MAX_PAYLOAD_BYTES)
    if (!body) return reply.code(413).header('connection', 'close').send({ message: `The payload is larger than ${MAX_PAYLOAD_BYTES} bytes` })
    try {
      const outcome = await invokeWebhook(ctx, engine, { token, body, headers: request.headers, sourceIp: request.socket.remoteAddress ?? '' })
      switch (outcome.kind) {
        case 'started':
          return reply.code(200).send({ pipelineExecutionId: outcome.pipelineExecutionId })
        case 'ignored':
          return reply.code(200).send({ message: `No execution started: ${outcome.reason}` })
        case 'not-found':
          return reply.code(404).send({ message: 'No webhook has this URL' })
        case 'unauthorized':
          return reply.code(401).send({ message: `Webhook authentication failed: ${outcome.reason}` })
        case 'bad-payload':
          return reply.code(400).send({ message: `Bad webhook payload: ${outcome.reason}` })
      }
    } catch (err) {
      onError(err)
      return reply.code(500).send({ message: 'The webhook could not start the pipeline' })
    }
  })
}
