/**
 * Validates a parsed AWS JSON 1.1 request body against an operation's input shape, the way the AWS
 * front end (Coral) does:
 *
 * - A value of the wrong JSON type is a `SerializationException` (deserialisation fails before any
 *   constraint is looked at), with Coral's wording, e.g. `NUMBER_VALUE can not be converted to a String`.
 * - Constraint violations are collected, all of them, into one `ValidationException`:
 *   `2 validation errors detected: Value 'my repo' at 'repositoryName' failed to satisfy constraint: …; …`.
 * - Members the model does not know are ignored, and `null` counts as absent.
 *
 * Paths: structure members by name with the first letter lower-cased (`maxResults`), list elements as
 * `<list>.<1-based index>.member`, map values as `<map>.<key>.member`, e.g.
 * `pipeline.stages.1.member.actions.2.member.name`. A constraint on the scalar elements of a list (or
 * on map keys/values) is reported once at the list (map) itself, listing all of the element shape's
 * constraints: `Member must satisfy constraint: [...]`, `Map keys must satisfy constraint: [...]`.
 * Values render as Java prints them (`'[a, b]'`, `'{k=v}'`, `'5'`); sensitive values are never shown.
 */
import { SerializationException, ValidationException } from '../../shared/errors.ts'
import { findOperation, findShape, wireName, type ServiceModel, type Shape } from './service-model.ts'

export type ViolationKind = 'required' | 'length' | 'range' | 'enum' | 'pattern'

export type Violation = {
  /** Where, in AWS's notation, e.g. `pipeline.stages.1.member.name`. */
  path: string
  constraint: ViolationKind
  /** The whole sentence: `Value '…' at '<path>' failed to satisfy constraint: Member must …`. */
  message: string
}

/** Throws `SerializationException` or `ValidationException` if `body` is not a valid input of `opName`. */
export function validateInput(model: ServiceModel, opName: string, body: unknown): void {
  const violations = validationViolations(model, opName, body)
  if (violations.length > 0) throw new ValidationException(formatViolations(violations))
}

/**
 * Every constraint `body` violates, in model order. Still throws `SerializationException` for a value
 * of the wrong JSON type, since there is nothing meaningful to validate after that.
 */
export function validationViolations(model: ServiceModel, opName: string, body: unknown): Violation[] {
  const operation = findOperation(model, opName)
  if (!operation) throw new Error(`${model.metadata.serviceId} has no operation ${opName}`)
  const violations: Violation[] = []
  if (operation.input === undefined) return violations
  const input = body === undefined || body === null ? {} : body
  if (typeof input !== 'object' || Array.isArray(input)) {
    throw new SerializationException(Array.isArray(input) ? START_OF_LIST : 'Unexpected value type in payload')
  }
  checkValue({ model, violations }, operation.input, input, '', false, false)
  return violations
}

/** AWS's message for a list of violations: `N validation error(s) detected: <message>; <message>`. */
/**
 * The input as handlers see it: a member sent as JSON `null` is absent, as AWS services treat it
 * (validation already treats it so; a list element that is null is a violation before this).
 */
export function withoutNullMembers<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => withoutNullMembers(v)) as T
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null).map(([k, v]) => [k, withoutNullMembers(v)])) as T
  }
  return value
}

export function formatViolations(violations: readonly Violation[]): string {
  const n = violations.length
  return `${n} validation error${n === 1 ? '' : 's'} detected: ${violations.map((v) => v.message).join('; ')}`
}

// ---- walking the shapes -------------------------------------------------------------------------

type Walk = { model: ServiceModel; violations: Violation[] }
type Failure = { constraint: ViolationKind; text: string }

const START_OF_MAP = 'Start of structure or map found where not expected'
const START_OF_LIST = 'Start of list found where not expected'

/** Checks a present (non-null) value; `inCollection` tells whether it is a list element or map value. */
function checkValue(walk: Walk, shapeName: string, value: unknown, path: string, hidden: boolean, inCollection: boolean): void {
  const shape = findShape(walk.model, shapeName)
  const secret = hidden || shape.sensitive === true
  assertJsonType(shape, value, inCollection)
  switch (shape.type) {
    case 'structure':
      return checkStructure(walk, shape, value as Record<string, unknown>, path, secret)
    case 'list':
      return checkList(walk, shape, value as unknown[], path, secret)
    case 'map':
      return checkMap(walk, shape, value as Record<string, unknown>, path, secret)
    default:
      for (const failure of scalarFailures(shape, value)) {
        report(walk, path, failure, secret ? HIDDEN : render(walk.model, shapeName, value))
      }
  }
}

function checkStructure(walk: Walk, shape: Shape, value: Record<string, unknown>, path: string, secret: boolean): void {
  const required = new Set(shape.required ?? [])
  for (const [name, ref] of Object.entries(shape.members ?? {})) {
    const wire = wireName(name, ref)
    const member = Object.hasOwn(value, wire) ? value[wire] : undefined
    const memberPath = join(path, lowerFirst(wire))
    if (member === undefined || member === null) {
      if (required.has(name)) report(walk, memberPath, NOT_NULL, null)
      continue
    }
    checkValue(walk, ref.shape, member, memberPath, secret, false)
  }
}

function checkList(walk: Walk, shape: Shape, list: unknown[], path: string, secret: boolean): void {
  const shown = (): Shown => (secret ? HIDDEN : render(walk.model, shape, list))
  for (const failure of lengthFailures(shape, list.length)) report(walk, path, failure, shown())
  const element = findShape(walk.model, shape.member!.shape)
  let elementFailure: Failure | undefined
  list.forEach((item, index) => {
    const itemPath = `${path}.${index + 1}.member`
    if (item === null || item === undefined) return report(walk, itemPath, NOT_NULL, null)
    if (isAggregate(element)) return checkValue(walk, shape.member!.shape, item, itemPath, secret, true)
    assertJsonType(element, item, true)
    elementFailure ??= scalarFailures(element, item)[0]
  })
  if (elementFailure) {
    report(walk, path, { constraint: elementFailure.constraint, text: `Member must satisfy constraint: [${describe(element)}]` }, shown())
  }
}

function checkMap(walk: Walk, shape: Shape, map: Record<string, unknown>, path: string, secret: boolean): void {
  const shown = (): Shown => (secret ? HIDDEN : render(walk.model, shape, map))
  const entries = Object.entries(map)
  for (const failure of lengthFailures(shape, entries.length)) report(walk, path, failure, shown())
  const keyShape = findShape(walk.model, shape.key!.shape)
  const valueShape = findShape(walk.model, shape.value!.shape)
  let keyFailure: Failure | undefined
  let valueFailure: Failure | undefined
  for (const [key, item] of entries) {
    keyFailure ??= scalarFailures(keyShape, key)[0]
    const itemPath = `${path}.${key}.member`
    if (item === null || item === undefined) {
      report(walk, itemPath, NOT_NULL, null)
    } else if (isAggregate(valueShape)) {
      checkValue(walk, shape.value!.shape, item, itemPath, secret, true)
    } else {
      assertJsonType(valueShape, item, true)
      valueFailure ??= scalarFailures(valueShape, item)[0]
    }
  }
  if (keyFailure) {
    report(walk, path, { constraint: keyFailure.constraint, text: `Map keys must satisfy constraint: [${describe(keyShape)}]` }, shown())
  }
  if (valueFailure) {
    report(walk, path, { constraint: valueFailure.constraint, text: `Map value must satisfy constraint: [${describe(valueShape)}]` }, shown())
  }
}

const NOT_NULL: Failure = { constraint: 'required', text: 'Member must not be null' }
const HIDDEN: unique symbol = Symbol('hidden')
type Shown = string | null | typeof HIDDEN

/** `shown` is the rendered value, `null` for a missing one, or HIDDEN for a sensitive one. */
function report(walk: Walk, path: string, failure: Failure, shown: Shown): void {
  const value = shown === null ? 'Value null' : shown === HIDDEN ? 'Value' : `Value '${shown}'`
  walk.violations.push({
    path,
    constraint: failure.constraint,
    message: `${value} at '${path}' failed to satisfy constraint: ${failure.text}`,
  })
}

function isAggregate(shape: Shape): boolean {
  return shape.type === 'structure' || shape.type === 'list' || shape.type === 'map'
}

function join(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`
}

function lowerFirst(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1)
}

// ---- JSON types (SerializationException) ---------------------------------------------------------

const JAVA_TYPE: Record<string, string> = {
  string: 'a String', integer: 'an Integer', long: 'a Long', double: 'a Double', float: 'a Float',
  boolean: 'a Boolean', timestamp: 'a Timestamp',
}
const ISO_8601 = /^\d{4}-\d\d-\d\d([T ]\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d(:?\d\d)?)?)?$/i
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

function assertJsonType(shape: Shape, value: unknown, inCollection: boolean): void {
  const problem = typeProblem(shape, value, inCollection)
  if (problem) throw new SerializationException(problem)
}

function typeProblem(shape: Shape, value: unknown, inCollection: boolean): string | undefined {
  const isArray = Array.isArray(value)
  const isObject = !isArray && typeof value === 'object' && value !== null
  switch (shape.type) {
    case 'structure':
      if (isObject) return undefined
      return isArray ? START_OF_LIST : inCollection ? 'Unexpected value type in payload' : 'Unexpected field type'
    case 'list':
      if (isArray) return undefined
      return isObject ? START_OF_MAP : 'Unexpected field type'
    case 'map':
      if (isObject) return undefined
      return isArray ? START_OF_LIST : 'Unexpected field type'
    case 'blob':
      if (typeof value !== 'string') return isObject ? START_OF_MAP : isArray ? START_OF_LIST : 'only base-64-encoded strings are convertible to bytes'
      if (value.length % 4 !== 0) return `Base64 encoded length is expected a multiple of 4 bytes but found: ${value.length}`
      return BASE64.test(value) ? undefined : 'Invalid Base64 character found'
    default:
      break
  }
  if (isObject) return START_OF_MAP
  if (isArray) return START_OF_LIST
  const target = `can not be converted to ${JAVA_TYPE[shape.type] ?? shape.type}`
  const token = typeof value === 'string' ? 'STRING_VALUE'
    : typeof value === 'boolean' ? (value ? 'TRUE_VALUE' : 'FALSE_VALUE')
    : Number.isInteger(value) ? 'NUMBER_VALUE' : 'DECIMAL_VALUE'
  switch (shape.type) {
    case 'string':
      return typeof value === 'string' ? undefined : `${token} ${target}`
    case 'boolean':
      return typeof value === 'boolean' ? undefined : `${token} ${target}`
    case 'integer':
      return Number.isInteger(value) ? fitsInt32(value as number, target) : `${token} ${target}`
    case 'long':
      return Number.isInteger(value) ? undefined : `${token} ${target}`
    case 'double': case 'float':
      return typeof value === 'number' ? undefined : `${token} ${target}`
    case 'timestamp':
      if (typeof value === 'number') return undefined
      return typeof value === 'string' && ISO_8601.test(value) && !Number.isNaN(Date.parse(value)) ? undefined : `${token} ${target}`
    default:
      return undefined
  }
}

function fitsInt32(value: number, target: string): string | undefined {
  return value >= -(2 ** 31) && value < 2 ** 31 ? undefined : `NUMBER_VALUE ${target}`
}

// ---- constraints --------------------------------------------------------------------------------

/** The constraints a scalar value (string, number, blob, …) of the right JSON type violates. */
function scalarFailures(shape: Shape, value: unknown): Failure[] {
  const failures: Failure[] = []
  if (typeof value === 'string') {
    if (shape.enum && !shape.enum.includes(value)) failures.push({ constraint: 'enum', text: enumText(shape) })
    const length = shape.type === 'blob' ? base64Bytes(value) : codePoints(value)
    failures.push(...lengthFailures(shape, length))
    const regex = shape.pattern === undefined ? null : compileJavaPattern(shape.pattern)
    if (regex && !regex.test(value)) failures.push({ constraint: 'pattern', text: patternText(shape) })
  } else if (typeof value === 'number') {
    if (shape.min !== undefined && value < shape.min) {
      failures.push({ constraint: 'range', text: `Member must have value greater than or equal to ${bound(shape, shape.min)}` })
    }
    if (shape.max !== undefined && value > shape.max) {
      failures.push({ constraint: 'range', text: `Member must have value less than or equal to ${bound(shape, shape.max)}` })
    }
  }
  return failures
}

function lengthFailures(shape: Shape, length: number): Failure[] {
  const failures: Failure[] = []
  if (shape.min !== undefined && length < shape.min) {
    failures.push({ constraint: 'length', text: `Member must have length greater than or equal to ${shape.min}` })
  }
  if (shape.max !== undefined && length > shape.max) {
    failures.push({ constraint: 'length', text: `Member must have length less than or equal to ${shape.max}` })
  }
  return failures
}

/** All constraints of an element shape, as AWS lists them inside `Member must satisfy constraint: [...]`. */
function describe(shape: Shape): string {
  const numeric = shape.type !== 'string' && shape.type !== 'blob'
  const unit = numeric ? 'value' : 'length'
  const parts: string[] = []
  if (shape.max !== undefined) parts.push(`Member must have ${unit} less than or equal to ${bound(shape, shape.max)}`)
  if (shape.min !== undefined) parts.push(`Member must have ${unit} greater than or equal to ${bound(shape, shape.min)}`)
  if (shape.pattern !== undefined && compileJavaPattern(shape.pattern)) parts.push(patternText(shape))
  if (shape.enum) parts.push(enumText(shape))
  return parts.join(', ')
}

function enumText(shape: Shape): string {
  return `Member must satisfy enum value set: [${(shape.enum ?? []).join(', ')}]`
}

function patternText(shape: Shape): string {
  return `Member must satisfy regular expression pattern: ${shape.pattern ?? ''}`
}

/** Java prints double bounds with a fraction (`1.0`). */
function bound(shape: Shape, n: number): string {
  return (shape.type === 'double' || shape.type === 'float') && Number.isInteger(n) ? n.toFixed(1) : String(n)
}

function codePoints(value: string): number {
  let n = 0
  for (const _ of value) n++
  return n
}

function base64Bytes(value: string): number {
  const padding = value.endsWith('==') ? 2 : value.endsWith('=') ? 1 : 0
  return (value.length / 4) * 3 - padding
}

// ---- Java regular expressions ---------------------------------------------------------------------

const patterns = new Map<string, RegExp | null>()

/**
 * A JS RegExp matching what Java's `Pattern.matches` (whole value) accepts, or null when the pattern
 * cannot be translated (the constraint is then skipped rather than failing every request).
 */
export function compileJavaPattern(javaPattern: string): RegExp | null {
  let regex = patterns.get(javaPattern)
  if (regex === undefined) {
    const translated = translateJavaPattern(javaPattern)
    regex = tryRegExp(javaPattern, 'u') ?? tryRegExp(translated, 'u')
      // Without the `u` flag `\p{L}` would silently mean "p{L}", so only patterns without it may fall back.
      ?? (/\\[pP]\{/.test(translated) ? null : tryRegExp(translated, ''))
    patterns.set(javaPattern, regex)
  }
  return regex
}

/** Rewrites the Java-only constructs JS lacks; applied only when the pattern does not compile as is. */
function translateJavaPattern(source: string): string {
  return source
    .replace(/\(\?>/g, '(?:') // atomic group -> plain group (may accept a little more)
    .replace(/(?<!\\)([*+?}])\+/g, '$1') // possessive quantifiers -> greedy
    .replace(/\\A/g, '^')
    .replace(/\\[zZ]/g, '$')
    .replace(/\\p\{(Alpha|IsAlphabetic)\}/g, '\\p{L}')
    .replace(/\\p\{(Digit|IsDigit)\}/g, '\\d')
    .replace(/\\p\{Alnum\}/g, '[\\p{L}\\p{Nd}]')
    .replace(/\\p\{(Space|IsWhite_Space)\}/g, '\\s')
    .replace(/\\h/g, '[ \\t\\xA0\\u1680\\u180e\\u2000-\\u200a\\u202f\\u205f\\u3000]')
}

function tryRegExp(source: string, flags: string): RegExp | null {
  try {
    return new RegExp(`^(?:${source})$`, flags)
  } catch {
    return null
  }
}

// ---- rendering values as Java's toString does -----------------------------------------------------

/** Renders a value of a shape; sensitive parts (at any depth) print as `***`. */
function render(model: ServiceModel, shapeOrName: Shape | string, value: unknown): string {
  const shape = typeof shapeOrName === 'string' ? findShape(model, shapeOrName) : shapeOrName
  if (value === null || value === undefined) return 'null'
  if (shape.sensitive) return '***'
  if (shape.type === 'list' && Array.isArray(value)) {
    return `[${value.map((item) => render(model, shape.member!.shape, item)).join(', ')}]`
  }
  if (shape.type === 'map' && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
    return `{${entries.map(([k, v]) => `${k}=${render(model, shape.value!.shape, v)}`).join(', ')}}`
  }
  if (shape.type === 'structure' && typeof value === 'object') {
    const record = value as Record<string, unknown>
    const parts = Object.entries(shape.members ?? {})
      .filter(([name, ref]) => Object.hasOwn(record, wireName(name, ref)) && record[wireName(name, ref)] != null)
      .map(([name, ref]) => `${name}=${render(model, ref.shape, record[wireName(name, ref)])}`)
    return `{${parts.join(', ')}}`
  }
  return String(value)
}
