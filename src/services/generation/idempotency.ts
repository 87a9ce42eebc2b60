import { AppError } from '../../errors.js'
import { IdempotencyKeyTaken, type GenerationRecord } from '../../ports/generation-store.js'
import type { GenerationHistory } from './generation-history.js'
import type { Generated, GenerationJob, RunOptions } from './generation-job.js'
import type { RunningGenerations } from './running-generations.js'
import { abortableDelay } from './stop.js'
import { replayedError } from './stored-error.js'
import type { GenerationResult } from './types.js'

/** How many times an idempotent request may find its key on an interrupted record and run again. */
const IDEMPOTENT_ROUNDS = 3
/** How often a retry with an Idempotency-Key looks for the first request's outcome. */
const REPLAY_POLL_MS = 500

type Run = (job: GenerationJob, options: RunOptions) => Promise<GenerationResult>

/**
 * Requests with an `Idempotency-Key`: the first runs the generation, a retry gets its outcome,
 * from this process or from another one sharing the history.
 */
export class IdempotentRequests {
  /** Requests in flight here, by idempotency key. */
  private readonly inflight = new Map<string, { requestHash: string; run: Promise<Generated> }>()

  constructor(
    private readonly history: GenerationHistory,
    private readonly running: RunningGenerations,
    private readonly run: Run,
    /** How long a retry waits for a generation another process runs (`IDEMPOTENCY_WAIT_MS`). */
    private readonly waitMs: number,
  ) {}

  async generate(job: GenerationJob & { idempotencyKey: string }, options: RunOptions) {
    const running = this.inflight.get(job.idempotencyKey)
    if (running) {
      if (running.requestHash !== job.requestHash) throw mismatch(job.idempotencyKey)
      return { result: (await running.run).result, replayed: true }
    }
    // Registered before the first await, so that a concurrent retry here joins this run.
    const run = this.claim(job, options)
    this.inflight.set(job.idempotencyKey, { requestHash: job.requestHash, run })
    try {
      return await run
    } finally {
      this.inflight.delete(job.idempotencyKey)
    }
  }

  /**
   * The first request with this key runs the generation, unless the history already has it. A
   * key held by an `interrupted` record (its process died) is released, and the request runs
   * again under a new record that then holds the key.
   */
  private async claim(
    job: GenerationJob & { idempotencyKey: string },
    options: RunOptions,
  ): Promise<Generated> {
    const { store } = this.history
    for (let round = 1; ; round++) {
      const existing = await store.findByIdempotencyKey(job.idempotencyKey)
      if (existing) {
        const replayed = await this.replay(existing, job, options.signal)
        if (replayed) return replayed
        if (round >= IDEMPOTENT_ROUNDS) throw replayedError(existing)
        // Whether this request or a concurrent retry released it, the key is free now.
        await store.releaseIdempotencyKey(existing.id, job.idempotencyKey)
        continue
      }
      try {
        return { result: await this.run(job, options), replayed: false }
      } catch (error) {
        // Another process claimed the key first: answer with its generation (next round).
        if (!(error instanceof IdempotencyKeyTaken) || round >= IDEMPOTENT_ROUNDS) throw error
      }
    }
  }

  /** The earlier generation's outcome, or null when it was interrupted and may run again. */
  private async replay(
    record: GenerationRecord,
    job: GenerationJob & { idempotencyKey: string },
    signal: AbortSignal | undefined,
  ): Promise<Generated | null> {
    if (record.requestHash !== job.requestHash) throw mismatch(job.idempotencyKey)
    record = await this.running.orphanChecked(record)
    // A generation still running in another (live) process: wait for its outcome, while the
    // client waits. A process that dies meanwhile misses its beats, and a peer's sweep marks the
    // record interrupted.
    const deadline = Date.now() + this.waitMs
    // A job waiting for a worker (a process without one queues its generations) is on its way.
    const unfinished = () => record.status === 'running' || record.status === 'queued'
    while (unfinished() && Date.now() < deadline) {
      await abortableDelay(REPLAY_POLL_MS, signal)
      record = (await this.history.store.get(record.id)) ?? record
    }
    if (unfinished()) {
      throw new AppError(
        'APP_ERR_IDEMPOTENCY_IN_PROGRESS',
        `The first request with Idempotency-Key '${job.idempotencyKey}' is still running (generation '${record.id}') after ${this.waitMs} ms (IDEMPOTENCY_WAIT_MS); retry later`,
        { retryable: true, headers: { 'retry-after': '5' } },
      )
    }
    if (record.status === 'interrupted') return null
    if (record.result) return { result: record.result as GenerationResult, replayed: true }
    throw replayedError(record)
  }
}

function mismatch(idempotencyKey: string): AppError {
  return new AppError(
    'APP_ERR_IDEMPOTENCY_MISMATCH',
    `Idempotency-Key '${idempotencyKey}' was already used for a different request; use a new key for each distinct request`,
  )
}
