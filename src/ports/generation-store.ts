import type { JobStore } from './job-store.js'

/** Lifecycle of a stored generation. */
export const GENERATION_STATUSES = [
  'queued',
  'running',
  'completed',
  'partial',
  'failed',
  'cancelled',
  'interrupted',
] as const
export type GenerationStatus = (typeof GENERATION_STATUSES)[number]

/** Token and call counts of one generation. */
export interface GenerationUsage {
  promptTokens: number
  completionTokens: number
  totalTokens: number
  llmCalls: number
}

/**
 * Why a generation did not complete: the error's catalogue code (null when the generation is
 * `partial`: parts failed, none of them an error of the whole) and its detail.
 */
export interface StoredError {
  code: string | null
  detail: string
}

/** One generation as kept in the history: the request, the outcome and what it cost. */
export interface GenerationRecord {
  id: string
  /** ISO-8601 UTC, millisecond precision; with `id`, the history's sort key. */
  createdAt: string
  updatedAt: string
  status: GenerationStatus
  programmingLanguage: string
  provider: string | null
  model: string | null
  /** The request as received (JSON). */
  request: unknown
  /** The response as returned (JSON), once there is one. */
  result: unknown
  /** Every model attempt with its parse errors (JSON array). */
  attempts: unknown[]
  usage: GenerationUsage
  durationMs: number | null
  /** Why the generation failed, was cancelled or interrupted, or is partial. */
  error: StoredError | null
  /**
   * The client's `Idempotency-Key` header, or `null` when it sent none. Unique when set: a retried
   * request with the same key finds this record (`findByIdempotencyKey`) instead of paying twice.
   * Set at insert time only.
   */
  idempotencyKey: string | null
  /**
   * SHA-256 (lowercase hex) of the normalised request, or `null` when not computed. Tells a retry
   * from a key reused for a different request, and finds identical requests. Set at insert time only.
   */
  requestHash: string | null
  /**
   * The API process (its instance id) that runs or ran the generation, or `null` for records
   * written before processes had ids. While `running`, the record is that process's to finish;
   * once the process stops heart-beating, another marks the record `interrupted`.
   */
  instanceId: string | null
}

/** Fields a running generation may change as it progresses. */
export type GenerationUpdate = Partial<
  Pick<
    GenerationRecord,
    'status' | 'provider' | 'model' | 'result' | 'attempts' | 'usage' | 'durationMs' | 'error'
  >
>

/**
 * Thrown by `GenerationStore.insert` when another record already holds the record's
 * (non-null) `idempotencyKey`. A unique index enforces it, so of several processes racing
 * to insert the same key exactly one wins; the others get this error and can read the winner
 * with `findByIdempotencyKey`.
 */
export class IdempotencyKeyTaken extends Error {
  override readonly name = 'IdempotencyKeyTaken'

  constructor(
    readonly key: string,
    options?: { cause?: unknown },
  ) {
    super(`Idempotency key '${key}' is already taken by another generation`, options)
  }
}

/** An API process as its heart-beats describe it. */
export interface InstanceEntry {
  id: string
  /** The host name it runs on, and its process id there. */
  host: string
  pid: number
  /** ISO-8601 time of its last heart-beat. */
  lastSeen: string
}

/** What `interruptOrphans` needs to tell the records of a live process from an orphan's. */
export interface OrphanSweep {
  /** The sweeping process's own instance id; its records are never touched. */
  self: string
  /** ISO-8601 time: an instance whose last heart-beat is older is considered gone. */
  staleBefore: string
  /** ISO-8601 time written as the records' `updatedAt`. */
  now: string
  /** The `error` written on each interrupted record. */
  error: StoredError
}

export interface GenerationQuery {
  /** Page size, 1–100. */
  limit: number
  /** Opaque cursor from the previous page's `nextCursor`. */
  cursor?: string | undefined
  programmingLanguage?: string | undefined
  status?: GenerationStatus | undefined
}

export interface GenerationPage {
  items: GenerationRecord[]
  /** Cursor of the next (older) page, or `null` on the last page. */
  nextCursor: string | null
}

/**
 * The generation history. SQLite by default, PostgreSQL when `DATABASE_URL` says so;
 * `test/contracts/generation-store.contract.ts` is the specification both adapters pass.
 */
export interface GenerationStore {
  /** `sqlite` or `postgres`. */
  readonly backend: string
  /**
   * Stores a new record.
   * @throws IdempotencyKeyTaken when another record already holds the same non-null
   *   `idempotencyKey` (enforced by a unique index, so it holds across processes sharing one
   *   database); the existing record is left untouched.
   */
  insert(record: GenerationRecord): Promise<void>
  /** Applies `changes` and bumps `updatedAt`; answers false when the id is unknown. */
  update(id: string, changes: GenerationUpdate): Promise<boolean>
  get(id: string): Promise<GenerationRecord | null>
  /** The record inserted with this `Idempotency-Key`, or `null` when there is none. */
  findByIdempotencyKey(key: string): Promise<GenerationRecord | null>
  /** Newest first, then by id descending; filters combine with AND. */
  list(query: GenerationQuery): Promise<GenerationPage>
  /** Answers false when the id is unknown. */
  delete(id: string): Promise<boolean>
  /**
   * Records that the API process `instance` is alive at `now` (ISO-8601), creating its entry on
   * the first beat. Several processes sharing one database see each other's beats.
   */
  heartbeat(instance: Omit<InstanceEntry, 'lastSeen'>, now: string): Promise<void>
  /** Every process with a heart-beat entry. */
  listInstances(): Promise<InstanceEntry[]>
  /** Removes the entry of a process that stops cleanly, so that no peer waits for it. */
  forgetInstance(instanceId: string): Promise<void>
  /**
   * Marks `interrupted` every `running` record whose process is gone: its instance has not
   * heart-beaten since `staleBefore`, or it has no instance id. Records of `self` and of live
   * processes stay untouched. Also drops the entries of stale instances. Answers the ids marked.
   */
  interruptOrphans(sweep: OrphanSweep): Promise<string[]>
  /**
   * Takes the `Idempotency-Key` off an `interrupted` record, so that a retry with that key can
   * run again under a new record. Answers false when the record is not interrupted or no longer
   * holds the key (another retry released it first).
   */
  releaseIdempotencyKey(id: string, key: string): Promise<boolean>
  /**
   * The jobs kept in the same database (their records are generations of this store). Job
   * records are never `interruptOrphans`' to mark: a job whose worker died runs again.
   */
  readonly jobs: JobStore
  /** Round-trip time of a trivial query, in milliseconds. @throws DependencyError when down. */
  ping(): Promise<number>
  close(): Promise<void>
}
