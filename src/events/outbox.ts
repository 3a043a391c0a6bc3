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

/** Where an event stands in the outbox: the writing transaction (0 on SQLite), then its sequence number. */
export type EventPosition = { tx: number; seq: number }

export type StoredEvent = DomainEvent & { seq: number; position: EventPosition }

/**
 * Store port: the transactional outbox, read by position. `append` runs inside the transaction of the
 * change. `after` returns only events that can no longer be preceded by another (every transaction
 * that could write an earlier position has finished), in position order, so a reader that moves its
 * position past what it read never skips an event.
 */
export interface EventOutbox {
  append(event: DomainEvent): Promise<number>
  /** Events after `position` (of `types` only, when given), in position order. */
  after(position: EventPosition, limit: number, types?: readonly string[]): Promise<StoredEvent[]>
  /** The position of the newest readable event (`{0, 0}` when there is none). */
  end(): Promise<EventPosition>

  /** Registers a durable consumer at `start` unless it exists. */
  addConsumer(name: string, start: EventPosition): Promise<void>
  /** Whether a consumer has readable events of `types` after its stored position (one read). */
  consumerBehind(name: string, types: readonly string[]): Promise<boolean>
  /**
   * Takes (or renews) the consumer's lease for `owner` unless another owner holds an unexpired one;
   * returns the consumer's position, or undefined when someone else is draining it.
   */
  claimConsumer(name: string, owner: string, now: Date, leaseUntil: Date): Promise<EventPosition | undefined>
  /** Moves the consumer to `position` (guarded by `owner`); `leaseUntil: undefined` releases it. */
  advanceConsumer(name: string, owner: string, position: EventPosition, leaseUntil: Date | undefined): Promise<boolean>
}
