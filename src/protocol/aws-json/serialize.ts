/**
 * Turns a handler's result into the JSON AWS would send for an output shape: only modeled members
 * (under their wire names), no null/undefined members, timestamps as epoch seconds (fractions kept,
 * e.g. `1548717462.122`), blobs as base64.
 */
import { findShape, wireName, type ServiceModel, type Shape } from './service-model.ts'

/** The JSON-ready body for `value` of `shapeName`; `{}` for an operation without output. */
export function serializeOutput(model: ServiceModel, shapeName: string | undefined, value: unknown): Record<string, unknown> {
  if (shapeName === undefined || value === null || typeof value !== 'object') return {}
  const serialized = serializeValue(model, findShape(model, shapeName), value)
  return isRecord(serialized) ? serialized : {}
}

function serializeValue(model: ServiceModel, shape: Shape, value: unknown): unknown {
  switch (shape.type) {
    case 'structure':
      return isRecord(value) ? serializeStructure(model, shape, value) : undefined
    case 'list':
      if (!Array.isArray(value)) return undefined
      return value.map((item) => serializeValue(model, findShape(model, shape.member!.shape), item) ?? null)
    case 'map':
      return isRecord(value) ? serializeMap(model, findShape(model, shape.value!.shape), value) : undefined
    case 'timestamp':
      return epochSeconds(value)
    case 'blob':
      return value instanceof Uint8Array ? Buffer.from(value).toString('base64') : value
    default:
      return value
  }
}

function serializeStructure(model: ServiceModel, shape: Shape, value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [name, ref] of Object.entries(shape.members ?? {})) {
    const wire = wireName(name, ref)
    const member = Object.hasOwn(value, wire) ? value[wire] : undefined
    if (member === undefined || member === null) continue
    const serialized = serializeValue(model, findShape(model, ref.shape), member)
    if (serialized !== undefined) out[wire] = serialized
  }
  return out
}

function serializeMap(model: ServiceModel, valueShape: Shape, value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, item] of Object.entries(value)) {
    if (item === undefined || item === null) continue
    const serialized = serializeValue(model, valueShape, item)
    if (serialized !== undefined) out[key] = serialized
  }
  return out
}

/** A Date, a number (already epoch seconds) or an ISO-8601 string → epoch seconds. */
function epochSeconds(value: unknown): number | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.getTime() / 1000
  if (typeof value === 'number') return value
  if (typeof value === 'string') {
    const ms = Date.parse(value)
    return Number.isNaN(ms) ? undefined : ms / 1000
  }
  return undefined
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date)
}
