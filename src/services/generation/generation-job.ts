import type { ErrorBody } from '../../errors.js'
import type { GenerationRecord } from '../../ports/generation-store.js'
import type { PublishedEvent } from './event-hub.js'
import type { GenerationInput, GenerationResult } from './types.js'

/**
 * One generation to run: the request and what was decided about it before it ran. Plain data,
 * so that it can be handed to whatever runs it, in this process or, queued, in another.
 */
export interface GenerationJob {
  input: GenerationInput
  /** The language's registry id (the request may name it by an alias). */
  languageId: string
  model: string
  /** SHA-256 of the normalised request: the cache key, and what tells a retry from a reused key. */
  requestHash: string
  /** The client's `Idempotency-Key`, or null when it sent none. */
  idempotencyKey: string | null
  /** The user who asked (the record's `userId`), or null when `AUTH=off`. */
  owner: string | null
}

/** How a caller follows and stops a generation. */
export interface RunOptions {
  signal?: AbortSignal | undefined
  /** Receives progress events, ending with `completed` or `error`; model calls stream when set. */
  emit?: ((event: PublishedEvent) => void) | undefined
  /** The HTTP request's id, quoted in error events. */
  requestId?: string | undefined
  /** Told the generation's id once its record exists. */
  onRecord?: ((id: string) => void) | undefined
  /**
   * A job's record, already `running` under the worker that runs it: the run writes its outcome
   * there instead of inserting a record, and leaves the status to the job, which decides
   * whether the run ends the job or is retried.
   */
  record?: GenerationRecord | undefined
}

export interface GenerateOptions extends Omit<RunOptions, 'onRecord'> {
  /** The client's `Idempotency-Key`: a repeated request with it gets the first result. */
  idempotencyKey?: string | undefined
  /** The user asking (their id), who will own the generation; null with `AUTH=off`. */
  owner?: string | null | undefined
}

export interface Generated {
  result: GenerationResult
  /** True when an `Idempotency-Key` replay answered with an earlier generation. */
  replayed: boolean
}

/** One request of a batch: its result, or the error it ended with (the API's error body). */
export interface BatchItem {
  index: number
  status: GenerationResult['status'] | 'error'
  result?: GenerationResult
  error?: ErrorBody
}
