/** A domain event, shaped so it can be rendered as an EventBridge event later. */
export type DomainEvent = {
  /** e.g. `git.ReferenceUpdated`, `pipeline.ExecutionStateChange`. */
  type: string
  /** AWS-style source, e.g. `aws.codecommit`. */
  source: string
  /** ARN of the resource the event is about. */
  resource: string
  detail: Record<string, unknown>
  at: Date
}

export type StoredEvent = DomainEvent & { seq: number }

/** Store port: the transactional outbox. `append` runs inside the transaction of the change. */
export interface EventOutbox {
  append(event: DomainEvent): Promise<number>
  unpublished(limit: number): Promise<StoredEvent[]>
  markPublished(seq: number, at: Date): Promise<void>
}
