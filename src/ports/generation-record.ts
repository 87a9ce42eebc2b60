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
  /**
   * The user who asked for it, who alone (with administrators) may see, cancel or delete it; null
   * when it was asked for without authentication (`AUTH=off`). Set at insert time only.
   */
  userId: string | null
}
