/**
 * XML for the S3 transport: escaping and small builders for responses, a validating parser for the
 * few request bodies S3 takes (anything malformed is S3's MalformedXML).
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser'
import { malformedXml } from '../../artifacts/model/errors.ts'
import { uriEncode } from '../sigv4/canonical.ts'

export const S3_NAMESPACE = 'http://s3.amazonaws.com/doc/2006-03-01/'
const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'

/** Escapes text for element content; characters XML would mangle or refuse become character references. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"'\r\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, (c) => {
    switch (c) {
      case '&':
        return '&amp;'
      case '<':
        return '&lt;'
      case '>':
        return '&gt;'
      case '"':
        return '&quot;'
      case "'":
        return '&apos;'
      default:
        return `&#x${c.charCodeAt(0).toString(16).toUpperCase()};`
    }
  })
}

/** `<name>escaped value</name>`, or '' when the value is undefined. */
export function el(name: string, value: string | number | boolean | undefined): string {
  return value === undefined ? '' : `<${name}>${escapeXml(String(value))}</${name}>`
}

/** A whole document with the S3 namespace on its root element. */
export function xmlDocument(root: string, inner: string): string {
  return `${DECLARATION}<${root} xmlns="${S3_NAMESPACE}">${inner}</${root}>`
}

/** Without a namespace: S3's `<Error>` documents have none. */
export function plainXmlDocument(root: string, inner: string): string {
  return `${DECLARATION}<${root}>${inner}</${root}>`
}

/** `encoding-type=url`: keys are URL-encoded in listings (`/` kept), so any key survives XML. */
export function listingEncoder(encodingType: string | undefined): (text: string) => string {
  return encodingType === 'url' ? (text) => uriEncode(text).replaceAll('%2F', '/') : (text) => text
}

const parser = new XMLParser({
  ignoreAttributes: true,
  ignoreDeclaration: true,
  removeNSPrefix: true,
  parseTagValue: false,
  trimValues: false,
  processEntities: true,
  htmlEntities: true,
  isArray: (name) => name === 'Object' || name === 'Part',
})

/** Parses a request body; `root` must be its root element. Throws MalformedXML. */
export function parseXmlBody(body: Buffer, root: string): Record<string, unknown> {
  const text = body.toString('utf8')
  if (text.trim() === '' || XMLValidator.validate(text) !== true) throw malformedXml()
  const parsed = parser.parse(text) as Record<string, unknown>
  const value = parsed[root]
  if (value === '' ) return {}
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw malformedXml()
  return value as Record<string, unknown>
}

/** A child element's text: `undefined` when absent, MalformedXML when it is not plain text. */
export function textOf(parent: Record<string, unknown>, name: string): string | undefined {
  const value = parent[name]
  if (value === undefined) return undefined
  if (typeof value !== 'string') throw malformedXml()
  return value
}

/** A repeated child element (always parsed as an array by the parser's `isArray`). */
export function listOf(parent: Record<string, unknown>, name: string): Record<string, unknown>[] {
  const value = parent[name]
  if (value === undefined) return []
  if (!Array.isArray(value)) throw malformedXml()
  return value.map((item) => {
    if (item === null || typeof item !== 'object') throw malformedXml()
    return item as Record<string, unknown>
  })
}
