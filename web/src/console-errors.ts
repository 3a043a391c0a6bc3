/**
 * Console API calls for pages that show the server's error as the AWS error code and message
 * (`InvalidStructureException: …`); `api()` in api.ts keeps only the message.
 */
export class CodedError extends Error {
  code: string
  status: number
  constructor(status: number, code: string, message: string) {
    super(message)
    this.code = code
    this.status = status
  }
}

export async function apiCoded<T>(path: string, init?: { method?: string; body?: unknown }): Promise<T> {
  const res = await fetch(`/console/api${path}`, {
    method: init?.method ?? 'GET',
    headers: init?.body !== undefined ? { 'content-type': 'application/json' } : {},
    body: init?.body !== undefined ? JSON.stringify(init.body) : undefined,
    credentials: 'same-origin',
  })
  const data = (await res.json().catch(() => ({}))) as { error?: string; message?: string }
  if (res.status === 401) location.hash = '#/signin'
  if (!res.ok) throw new CodedError(res.status, data.error ?? `HTTP ${res.status}`, data.message ?? `The server answered ${res.status}`)
  return data as T
}

/** "Code: message" for a CodedError, the message for anything else. */
export const describeError = (e: unknown) => (e instanceof CodedError ? `${e.code}: ${e.message}` : (e as Error).message)
