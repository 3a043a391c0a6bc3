/**
 * The agent's calls to the server: AWS JSON 1.1 POSTs to CodeDeploy (`codedeploy`) and to the agent
 * command channel (`codedeploy-commands`), and signed S3 GETs, all SigV4-signed with the agent's key.
 */
import { signedFetch } from '../protocol/sigv4/sign-request.ts'
import type { SigningCredentials } from '../protocol/sigv4/sign-request.ts'
import { uriEncode } from '../protocol/sigv4/canonical.ts'
import { ServiceError } from '../protocol/service-error.ts'

export const AGENT_VERSION = 'slipway-agent/0.1.0'
export const CODEDEPLOY_TARGET = 'CodeDeploy_20141006'
export const COMMANDS_TARGET = 'CodeDeployCommandService_v20141006'

export { ServiceError }

export type Endpoint = { url: string; region: string; credentials: SigningCredentials }

/** `com.amazonaws.x#Code:http://…` → `Code` */
function errorCode(type: string): string {
  return type.slice(type.lastIndexOf('#') + 1).split(':')[0] ?? type
}

/**
 * One AWS JSON 1.1 call. Throws `ServiceError` for an error answer; anything else thrown (connection
 * refused, reset, abort) is a transport failure the caller may retry.
 */
export async function callJson<T = Record<string, unknown>>(
  endpoint: Endpoint,
  target: string,
  service: 'codedeploy' | 'codedeploy-commands',
  input: object,
  signal?: AbortSignal,
): Promise<T> {
  const body = JSON.stringify(input)
  const res = await signedFetch(new URL('/', endpoint.url), {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': target,
      'x-amz-codedeploy-agent-version': AGENT_VERSION,
      'user-agent': AGENT_VERSION,
    },
    body,
    service,
    region: endpoint.region,
    credentials: endpoint.credentials,
    ...(signal ? { signal } : {}),
  })
  const text = await res.text()
  let doc: Record<string, unknown> = {}
  try {
    doc = text.trim() === '' ? {} : (JSON.parse(text) as Record<string, unknown>)
  } catch {
    if (res.ok) throw new ServiceError('SerializationException', `unreadable answer to ${target}`, res.status)
  }
  if (!res.ok) {
    const type = (typeof doc.__type === 'string' && doc.__type) || res.headers.get('x-amzn-errortype') || `HTTP${res.status}`
    const message = (typeof doc.message === 'string' && doc.message) || (typeof doc.Message === 'string' && doc.Message) || text.slice(0, 200)
    throw new ServiceError(errorCode(type), message, res.status)
  }
  return doc as T
}

/** `GET <server>/<bucket>/<key>[?versionId=…]`, path-style, SigV4 service `s3`. */
export function getObject(endpoint: Endpoint, bucket: string, key: string, version: string | undefined, signal?: AbortSignal): Promise<Response> {
  const url = new URL(endpoint.url)
  const base = url.pathname.replace(/\/+$/, '')
  url.pathname = `${base}/${uriEncode(bucket)}/${key.split('/').map(uriEncode).join('/')}`
  url.search = version ? `versionId=${uriEncode(version)}` : ''
  return signedFetch(url, {
    method: 'GET',
    headers: { 'user-agent': AGENT_VERSION },
    service: 's3',
    region: endpoint.region,
    credentials: endpoint.credentials,
    ...(signal ? { signal } : {}),
  })
}
