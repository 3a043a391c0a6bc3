/**
 * Derives what Slipway needs from botocore's official API models into `src/protocol/models/`:
 * `<svc>.json` (operations, shapes and paginators without documentation) and `<svc>.types.ts`
 * (TypeScript types for every shape an operation takes or returns).
 *
 * Usage: `node scripts/derive-aws-models.ts` (botocore from `python3`, or `BOTOCORE_DATA=<data dir>`).
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gunzipSync } from 'node:zlib'

const SERVICES = ['codecommit', 'codebuild', 'codepipeline', 'codedeploy', 'ecr'] as const
const OUT_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'protocol', 'models')

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }
type RawMember = { shape: string; jsonName?: string; locationName?: string; idempotencyToken?: boolean }
type RawShape = {
  type: string
  members?: Record<string, RawMember>
  required?: string[]
  enum?: string[]
  member?: RawMember
  key?: RawMember
  value?: RawMember
  [other: string]: unknown
}
type RawOperation = { input?: { shape: string }; output?: { shape: string }; errors?: { shape: string }[] }
type RawModel = {
  metadata: Record<string, unknown>
  operations: Record<string, RawOperation>
  shapes: Record<string, RawShape>
}

const SHAPE_KEYS = ['type', 'members', 'required', 'min', 'max', 'pattern', 'enum', 'member', 'key', 'value',
  'exception', 'error', 'fault', 'sensitive', 'timestampFormat']
const MEMBER_KEYS = ['shape', 'jsonName', 'locationName', 'idempotencyToken']
const METADATA_KEYS = ['targetPrefix', 'endpointPrefix', 'signingName', 'apiVersion', 'serviceId', 'jsonVersion']
const PAGINATOR_KEYS = ['input_token', 'output_token', 'limit_key', 'result_key']

function botocoreLocation(): { dataDir: string; version: string } {
  const fromEnv = process.env['BOTOCORE_DATA']
  if (fromEnv) return { dataDir: fromEnv, version: 'data at ' + fromEnv }
  const script = 'import botocore,os;print(os.path.dirname(botocore.__file__));print(botocore.__version__)'
  const [dir = '', version = 'unknown'] = execFileSync('python3', ['-c', script], { encoding: 'utf8' }).trim().split('\n')
  return { dataDir: join(dir, 'data'), version }
}

function readJson(pathWithoutGz: string): unknown {
  if (existsSync(pathWithoutGz)) return JSON.parse(readFileSync(pathWithoutGz, 'utf8'))
  if (existsSync(pathWithoutGz + '.gz')) return JSON.parse(gunzipSync(readFileSync(pathWithoutGz + '.gz')).toString('utf8'))
  return undefined
}

function pick(source: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const key of keys) if (source[key] !== undefined) out[key] = source[key]
  return out
}

function pickMember(member: RawMember): Record<string, unknown> {
  return pick(member, MEMBER_KEYS)
}

function compactShape(shape: RawShape): Record<string, unknown> {
  const out = pick(shape, SHAPE_KEYS)
  if (shape.members) {
    out['members'] = Object.fromEntries(Object.entries(shape.members).map(([name, m]) => [name, pickMember(m)]))
  }
  for (const ref of ['member', 'key', 'value'] as const) {
    const member = shape[ref]
    if (member) out[ref] = pickMember(member)
  }
  return out
}

/** Object keys sorted recursively; array order (enum values, required members, errors) is the model's. */
function sortKeys(value: unknown): Json {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return Object.fromEntries(entries.map(([k, v]) => [k, sortKeys(v)]))
  }
  return value as Json
}

function compactModel(raw: RawModel, paginators: Record<string, Record<string, unknown>>, header: string): Json {
  const operations = Object.fromEntries(Object.entries(raw.operations).map(([name, op]) => [name, {
    ...(op.input ? { input: op.input.shape } : {}),
    ...(op.output ? { output: op.output.shape } : {}),
    errors: (op.errors ?? []).map((e) => e.shape),
  }]))
  return sortKeys({
    '//': header,
    metadata: pick(raw.metadata, METADATA_KEYS),
    operations,
    paginators: Object.fromEntries(Object.entries(paginators).map(([op, p]) => [op, pick(p, PAGINATOR_KEYS)])),
    shapes: Object.fromEntries(Object.entries(raw.shapes).map(([name, shape]) => [name, compactShape(shape)])),
  })
}

// ---- TypeScript types -------------------------------------------------------------------------

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/

/** The TS type of a reference to `name`: named for structures and enums, inline for everything else. */
function typeRef(shapes: Record<string, RawShape>, name: string, wanted: Set<string>): string {
  const shape = shapes[name]
  if (!shape) throw new Error(`unknown shape ${name}`)
  if (shape.type === 'structure' || shape.enum) {
    wanted.add(name)
    return name
  }
  switch (shape.type) {
    case 'string': case 'blob': return 'string'
    case 'boolean': return 'boolean'
    case 'timestamp': return 'Timestamp'
    case 'integer': case 'long': case 'double': case 'float': return 'number'
    case 'list': return `${wrap(typeRef(shapes, shape.member!.shape, wanted))}[]`
    case 'map': return `Record<string, ${typeRef(shapes, shape.value!.shape, wanted)}>`
    default: throw new Error(`shape ${name}: unsupported type ${shape.type}`)
  }
}

function wrap(type: string): string {
  return /^[\w$]+(\[\])*$/.test(type) ? type : `(${type})`
}

function declaration(shapes: Record<string, RawShape>, name: string, wanted: Set<string>): string {
  const shape = shapes[name]!
  if (shape.enum) return `export type ${name} = ${shape.enum.map((v) => JSON.stringify(v)).join(' | ')}`
  const required = new Set(shape.required ?? [])
  const lines = Object.entries(shape.members ?? {}).map(([member, ref]) => {
    const wire = ref.jsonName ?? member
    const key = IDENTIFIER.test(wire) ? wire : JSON.stringify(wire)
    return `  ${key}${required.has(member) ? '' : '?'}: ${typeRef(shapes, ref.shape, wanted)}`
  })
  return lines.length === 0 ? `export type ${name} = Record<string, never>` : `export type ${name} = {\n${lines.join('\n')}\n}`
}

function typesModule(raw: RawModel, header: string): string {
  const wanted = new Set<string>()
  const ops = Object.keys(raw.operations).sort().map((name) => {
    const op = raw.operations[name]!
    const input = op.input ? typeRef(raw.shapes, op.input.shape, wanted) : 'Record<string, never>'
    const output = op.output ? typeRef(raw.shapes, op.output.shape, wanted) : 'Record<string, never>'
    return `  ${name}: { input: ${input}; output: ${output} }`
  })
  const done = new Set<string>()
  const declarations: string[] = []
  while (done.size < wanted.size) {
    for (const name of [...wanted].sort()) {
      if (done.has(name)) continue
      done.add(name)
      declarations.push(declaration(raw.shapes, name, wanted))
    }
  }
  declarations.sort((a, b) => (typeName(a) < typeName(b) ? -1 : 1))
  return [
    `// ${header}`,
    '',
    '/** Timestamps are epoch seconds on the wire; handlers may return `Date`s. */',
    'export type Timestamp = number | Date',
    '',
    ...declarations.flatMap((d) => [d, '']),
    'export type Operations = {',
    ...ops,
    '}',
    '',
  ].join('\n')
}

function typeName(declaration: string): string {
  return declaration.split(' ')[2] ?? ''
}

// ---- main -------------------------------------------------------------------------------------

function newestVersionDir(serviceDir: string): string {
  const versions = readdirSync(serviceDir).filter((v) => /^\d{4}-\d{2}-\d{2}$/.test(v)).sort()
  const newest = versions.at(-1)
  if (!newest) throw new Error(`no API versions under ${serviceDir}`)
  return join(serviceDir, newest)
}

function main(): void {
  const { dataDir, version } = botocoreLocation()
  const header = `generated by scripts/derive-aws-models.ts from botocore ${version}; do not edit`
  mkdirSync(OUT_DIR, { recursive: true })
  for (const service of SERVICES) {
    const dir = newestVersionDir(join(dataDir, service))
    const raw = readJson(join(dir, 'service-2.json')) as RawModel | undefined
    if (!raw) throw new Error(`no service-2.json in ${dir}`)
    const pages = readJson(join(dir, 'paginators-1.json')) as { pagination?: Record<string, Record<string, unknown>> } | undefined
    const model = compactModel(raw, pages?.pagination ?? {}, header)
    writeFileSync(join(OUT_DIR, `${service}.json`), JSON.stringify(model, null, 1) + '\n')
    writeFileSync(join(OUT_DIR, `${service}.types.ts`), typesModule(raw, header))
    console.log(`${service}: ${Object.keys(raw.operations).length} operations from ${dir}`)
  }
}

main()
