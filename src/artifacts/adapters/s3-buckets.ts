/**
 * The S3 adapter's buckets: Slipway bucket `b` is the service's `<prefix>b`, and only the service's
 * buckets with the prefix (and a valid Slipway name after it) exist for Slipway. A name no bucket can
 * have is refused (InvalidBucketName) on create and is NoSuchBucket everywhere else, as in the folder
 * store, without asking the service.
 */
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  GetBucketVersioningCommand,
  HeadBucketCommand,
  ListBucketsCommand,
  PutBucketVersioningCommand,
  type BucketLocationConstraint,
  type S3Client,
} from '@aws-sdk/client-s3'
import { bucketAlreadyOwnedByYou, invalidBucketName, noSuchBucket } from '../model/errors.ts'
import { bucketNameProblem } from '../model/names.ts'
import { statusOf, type S3ErrorMapper } from './s3-errors.ts'

const BUCKET_PREFIX = /^[a-z0-9][a-z0-9.-]{0,59}$/

export class S3Buckets {
  readonly #client: S3Client
  readonly #errors: S3ErrorMapper
  readonly #prefix: string
  readonly #region: string

  constructor(client: S3Client, errors: S3ErrorMapper, prefix: string, region: string) {
    if (prefix !== '' && !BUCKET_PREFIX.test(prefix)) {
      throw new TypeError(`bucketPrefix ${JSON.stringify(prefix)} must be empty or lower-case letters, digits, dots and hyphens`)
    }
    this.#client = client
    this.#errors = errors
    this.#prefix = prefix
    this.#region = region
  }

  /** The service's name for a Slipway bucket, `undefined` for a name no bucket can have. */
  #name(bucket: string): string | undefined {
    const name = `${this.#prefix}${bucket}`
    return bucketNameProblem(bucket) || bucketNameProblem(name) ? undefined : name
  }

  /** The service's name for a Slipway bucket; NoSuchBucket for a name no bucket can have. */
  external(bucket: string): string {
    const name = this.#name(bucket)
    if (name === undefined) throw noSuchBucket(bucket)
    return name
  }

  async create(bucket: string): Promise<void> {
    const Bucket = this.#name(bucket)
    if (Bucket === undefined) throw invalidBucketName(bucket)
    // S3 in us-east-1 answers 200 to creating a bucket one already owns: ask first.
    if (await this.exists(bucket)) throw bucketAlreadyOwnedByYou(bucket)
    const location = this.#region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: this.#region as BucketLocationConstraint } }
    try {
      await this.#client.send(new CreateBucketCommand({ Bucket, ...location }))
    } catch (error) {
      // BucketAlreadyExists is "someone else's": some services say it of one's own bucket too.
      const taken = error instanceof Error && (error.name === 'BucketAlreadyExists' || error.name === 'BucketAlreadyOwnedByYou')
      if (taken && (await this.exists(bucket))) throw bucketAlreadyOwnedByYou(bucket)
      throw this.#errors.map(error, { bucket })
    }
  }

  async delete(bucket: string): Promise<void> {
    const Bucket = this.external(bucket)
    await this.#errors.guard({ bucket }, () => this.#client.send(new DeleteBucketCommand({ Bucket })))
  }

  async exists(bucket: string): Promise<boolean> {
    const Bucket = this.#name(bucket)
    if (Bucket === undefined) return false
    try {
      await this.#client.send(new HeadBucketCommand({ Bucket }))
      return true
    } catch (error) {
      if (statusOf(error) === 404) return false
      throw this.#errors.map(error, { bucket })
    }
  }

  async list(): Promise<{ name: string; creationDate: Date }[]> {
    const found: { name: string; creationDate: Date }[] = []
    let token: string | undefined
    do {
      const input = { ...(this.#prefix ? { Prefix: this.#prefix } : {}), ...(token ? { ContinuationToken: token } : {}) }
      const page = await this.#errors.guard({}, () => this.#client.send(new ListBucketsCommand(input)))
      for (const b of page.Buckets ?? []) {
        const name = b.Name?.startsWith(this.#prefix) ? b.Name.slice(this.#prefix.length) : undefined
        if (name !== undefined && !bucketNameProblem(name)) found.push({ name, creationDate: b.CreationDate ?? new Date(0) })
      }
      token = page.ContinuationToken
    } while (token)
    return found.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  }

  async versioning(bucket: string): Promise<'Enabled' | 'Suspended' | undefined> {
    const Bucket = this.external(bucket)
    const { Status } = await this.#errors.guard({ bucket }, () => this.#client.send(new GetBucketVersioningCommand({ Bucket })))
    return Status === 'Enabled' || Status === 'Suspended' ? Status : undefined
  }

  async setVersioning(bucket: string, status: 'Enabled' | 'Suspended'): Promise<void> {
    const Bucket = this.external(bucket)
    await this.#errors.guard({ bucket }, () => this.#client.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: status } })))
  }
}
