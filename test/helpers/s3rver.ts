/**
 * s3rver (an S3 server written by others, https://github.com/jamhall/s3rver) started in-process on
 * 127.0.0.1, port 0, in a temp dir, silent; plus a record of the requests it answered, so tests can
 * see what went over the wire (e.g. that a big put arrived as parts). s3rver accepts any SigV4
 * signature made with its one built-in key pair (it does not check V4 signatures).
 */
import fs from 'node:fs'
import type http from 'node:http'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'

/** The access key s3rver knows (`S3RVER` / `S3RVER`). */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const

type S3rverOptions = { address: string; port: number; silent: boolean; directory: string; vhostBuckets: boolean; resetOnClose: boolean }
type S3rverInstance = { run(): Promise<{ address: string; port: number }>; close(): Promise<void>; httpServer: http.Server }

/** s3rver is CommonJS without type declarations: loaded through `require`, typed here. */
const S3rver = createRequire(import.meta.url)('s3rver') as new (options: S3rverOptions) => S3rverInstance

export type AnsweredRequest = { method: string; path: string; query: URLSearchParams; status: number; finishedAt: number }

export type RunningS3rver = {
  endpoint: string
  /** Where s3rver keeps buckets (one folder each) and objects. */
  directory: string
  /** Every request answered so far, in the order the responses finished. */
  answered: AnsweredRequest[]
  stop(): Promise<void>
}

export async function startS3rver(): Promise<RunningS3rver> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-s3rver-'))
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, vhostBuckets: false, resetOnClose: false })
  const { port } = await server.run()
  const answered: AnsweredRequest[] = []
  server.httpServer.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    res.on('finish', () => {
      const url = new URL(req.url ?? '/', 'http://s3rver')
      answered.push({ method: req.method ?? '', path: decodeURIComponent(url.pathname), query: url.searchParams, status: res.statusCode, finishedAt: performance.now() })
    })
  })
  return {
    endpoint: `http://127.0.0.1:${port}`,
    directory,
    answered,
    stop: async () => {
      server.httpServer.closeAllConnections()
      await server.close()
      fs.rmSync(directory, { recursive: true, force: true })
    },
  }
}
