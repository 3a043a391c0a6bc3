/**
 * The compact AWS API models that `scripts/derive-aws-models.ts` writes to `src/protocol/models/`,
 * and their loader. A model is read once per process, frozen, and shared.
 */
import { readFileSync } from 'node:fs'

export type ServiceName = 'codecommit' | 'codebuild' | 'codepipeline' | 'codedeploy' | 'codedeploy-commands' | 'ecr'

export type ShapeType =
  | 'structure' | 'list' | 'map' | 'string' | 'blob' | 'boolean' | 'timestamp'
  | 'integer' | 'long' | 'double' | 'float'

/** A reference from a structure member, list member, map key or map value to a shape. */
export type MemberRef = {
  readonly shape: string
  /** Name on the wire when it differs from the member name (none in the four models today). */
  readonly jsonName?: string
  readonly locationName?: string
  readonly idempotencyToken?: boolean
}

export type Shape = {
  readonly type: ShapeType
  readonly members?: Readonly<Record<string, MemberRef>>
  readonly required?: readonly string[]
  /** Length (strings, blobs, lists, maps) or value (numbers) bounds. */
  readonly min?: number
  readonly max?: number
  /** A Java regular expression the whole string must match. */
  readonly pattern?: string
  readonly enum?: readonly string[]
  readonly member?: MemberRef
  readonly key?: MemberRef
  readonly value?: MemberRef
  readonly exception?: boolean
  readonly fault?: boolean
  readonly sensitive?: boolean
  readonly timestampFormat?: string
}

export type OperationModel = {
  readonly input?: string
  readonly output?: string
  /** Shape names of the modeled errors, in the model's order. */
  readonly errors: readonly string[]
}

export type Paginator = {
  readonly input_token?: string | readonly string[]
  readonly output_token?: string | readonly string[]
  readonly limit_key?: string
  readonly result_key?: string | readonly string[]
}

export type ServiceMetadata = {
  readonly targetPrefix: string
  readonly endpointPrefix: string
  /** SigV4's service name when it differs from endpointPrefix (ECR: `ecr`, endpoint `api.ecr`). */
  readonly signingName?: string
  readonly apiVersion: string
  readonly serviceId: string
  readonly jsonVersion: string
}

export type ServiceModel = {
  readonly metadata: ServiceMetadata
  readonly operations: Readonly<Record<string, OperationModel>>
  readonly paginators: Readonly<Record<string, Paginator>>
  readonly shapes: Readonly<Record<string, Shape>>
}

const cache = new Map<ServiceName, ServiceModel>()

/** The model of one service, read from `src/protocol/models/<name>.json` on first use. */
export function loadServiceModel(name: ServiceName): ServiceModel {
  let model = cache.get(name)
  if (!model) {
    const url = new URL(`../models/${name}.json`, import.meta.url)
    model = deepFreeze(JSON.parse(readFileSync(url, 'utf8')) as ServiceModel)
    cache.set(name, model)
  }
  return model
}

/** The operation named `opName`, or undefined (never an inherited property such as `constructor`). */
export function findOperation(model: ServiceModel, opName: string): OperationModel | undefined {
  return Object.hasOwn(model.operations, opName) ? model.operations[opName] : undefined
}

/** The shape named `shapeName`; throws if the model does not define it (a bug in the model or caller). */
export function findShape(model: ServiceModel, shapeName: string): Shape {
  const shape = Object.hasOwn(model.shapes, shapeName) ? model.shapes[shapeName] : undefined
  if (!shape) throw new Error(`${model.metadata.serviceId} model has no shape ${shapeName}`)
  return shape
}

/** Wire name of a structure member. */
export function wireName(memberName: string, ref: MemberRef): string {
  return ref.jsonName ?? memberName
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child)
    Object.freeze(value)
  }
  return value
}

/** The service name requests to this service must be signed for (and IAM's action prefix). */
export const signingNameOf = (model: ServiceModel): string => model.metadata.signingName ?? model.metadata.endpointPrefix
