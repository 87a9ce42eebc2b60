/** How a request for a generation was answered with respect to the cache. */
export type CacheResult = 'hit' | 'miss' | 'coalesced' | 'bypass'

/** How one model call ended. */
export type CallOutcome = 'ok' | 'error' | 'cancelled'

/** Whether generated code parsed on the model's first answer, after repairs, or never. */
export type ParseOutcome = 'first_pass' | 'after_repair' | 'never'

/** How one run of a job on a worker ended. */
export type JobRunOutcome = 'completed' | 'failed' | 'cancelled' | 'retried' | 'handed_back'

/**
 * What the generation use case reports to monitoring. Services record through this interface;
 * the Prometheus implementation (`src/metrics.ts`) decides names, labels and buckets.
 */
export interface MetricsRecorder {
  /** One generation request looked up in the cache (or not: `bypass`). */
  cacheLookup(result: CacheResult): void
  /** One model call of a stage (`code`, `tests`, `docs`), retries included in its duration. */
  llmCall(call: { provider: string; stage: string; outcome: CallOutcome; seconds: number }): void
  /** Tokens a provider counted (or that streamed before a call was cut short). */
  llmTokens(provider: string, kind: 'prompt' | 'completion', count: number): void
  /** A generation that ended, in any status, with the time since it got its slot. */
  generationFinished(generation: { language: string; status: string; seconds: number }): void
  /** How the code of a finished generation fared at the parse gate, and the repairs it took. */
  generationParsed(language: string, outcome: ParseOutcome, repairs: number): void
  /**
   * One run of tests in the sandbox, with its outcome (the verification status: `passed`,
   * `failed`, `error`, `skipped`) and its wall time.
   */
  verifyRun(language: string, outcome: string, seconds: number): void
  /** One fix round: the model was asked to correct code or tests after a failed run. */
  fixRound(language: string): void
  /** A request refused because the user's `budget` was used up; no model or sandbox ran. */
  quotaExceeded(budget: string): void
  /** Tests that still passed against a stub of the code after the model was asked for stronger ones. */
  weakTests(language: string): void
  /** A worker started a run of a job that had waited `waitSeconds` in the queue. */
  jobStarted(waitSeconds: number): void
  /** A run of a job ended: `completed`, `failed`, `cancelled`, `retried` or `handed_back`. */
  jobEnded(outcome: JobRunOutcome, seconds: number): void
  /** Jobs queued now. */
  jobsWaiting(count: number): void
  /** Running jobs put back in the queue because their worker stopped answering. */
  jobsStalled(count: number): void
}
