/** Lifecycle of a stored generation. */
export const GENERATION_STATUSES = [
  'running',
  'completed',
  'partial',
  'failed',
  'cancelled',
] as const
export type GenerationStatus = (typeof GENERATION_STATUSES)[number]

/** Token and call counts of one generation. */
export interface GenerationUsage {
  promptTokens: number
  completionTokens: number
  totalTokens: number
  llmCalls: number
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
  /** Why the generation failed or was cancelled. */
  error: string | null
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
  /** Round-trip time of a trivial query, in milliseconds. @throws DependencyError when down. */
  ping(): Promise<number>
  close(): Promise<void>
}
