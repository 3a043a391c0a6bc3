import { createHmac, timingSafeEqual } from 'node:crypto'

export const SIGNATURE_HEADER = 'X-Slipway-Signature'
export const EVENT_HEADER = 'X-Slipway-Event'
export const DELIVERY_HEADER = 'X-Slipway-Delivery'
export const ATTEMPT_HEADER = 'X-Slipway-Attempt'

/** `sha256=<hex HMAC-SHA256 of the raw body, keyed with the target's secret>` (GitHub's scheme). */
export function signBody(body: string | Uint8Array, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`
}

/** What a receiver does: recompute over the raw bytes and compare in constant time. */
export function verifySignature(body: string | Uint8Array, secret: string, header: string | undefined): boolean {
  if (!header) return false
  const expected = Buffer.from(signBody(body, secret))
  const given = Buffer.from(header)
  return given.length === expected.length && timingSafeEqual(given, expected)
}
