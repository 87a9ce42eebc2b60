import { randomUUID } from 'node:crypto'
import type { LanguageRegistry } from '../../analysis/language-registry.js'
import {
  AppError,
  ERRORS,
  NotFoundError,
  toErrorBody,
  ValidationError,
  type ErrorCode,
} from '../../errors.js'
import type { Metrics } from '../../metrics.js'
import type { Cache } from '../../ports/cache.js'
import type { Clock } from '../../ports/clock.js'
import type { GenerationBus, GenerationOwner } from '../../ports/generation-bus.js'
import {
  IdempotencyKeyTaken,
  type GenerationPage,
  type GenerationQuery,
  type GenerationRecord,
  type GenerationStore,
} from '../../ports/generation-store.js'
import type { LlmProvider, TokenUsage } from '../../ports/llm-provider.js'
import type { Logger } from '../../ports/logger.js'
import type { AnalysisService } from '../analysis.js'
import { GenerationEventHub, type PublishedEvent } from './event-hub.js'
import { InstanceHeartbeat } from './instance-heartbeat.js'
import { Limiter } from './limiter.js'
import { DEFAULT_REPAIR_ATTEMPTS, GenerationPipeline } from './pipeline.js'
import { PromptBuilder } from './prompts.js'
import { requestKey } from './request-key.js'
import type { GenerationInput, GenerationResult } from './types.js'

export interface GenerationSettings {
  /** Models `options.model` may name; the provider's default is always among them. */
  allowedModels: readonly string[]
  maxOutputTokens: number
  /** Generations running at once in this process. */
  concurrency: number
  /** Generations of one batch running at once. */
  batchConcurrency: number
  cacheTtlSeconds: number
  /** Interval of this process's heart-beat in the history (`INSTANCE_HEARTBEAT_MS`). */
  instanceHeartbeatMs: number
  /** How long a retry with an Idempotency-Key waits for a generation another process runs. */
  idempotencyWaitMs: number
}

export interface GenerateOptions {
  signal?: AbortSignal | undefined
  /** The client's `Idempotency-Key`: a repeated request with it gets the first result. */
  idempotencyKey?: string | undefined
  /** Receives progress events, ending with `completed` or `error`; model calls stream when set. */
  emit?: ((event: PublishedEvent) => void) | undefined
  /** The HTTP request's id, quoted in error events. */
  requestId?: string | undefined
}

/** A run that identical requests share; it is aborted only when all of them have gone. */
interface SharedRun {
  run: Promise<GenerationResult>
  controller: AbortController
  waiters: number
  /** The generation's id, once its record exists. */
  id?: string
}

export interface Generated {
  result: GenerationResult
  /** True when an `Idempotency-Key` replay answered with an earlier generation. */
  replayed: boolean
}

export interface BatchItem {
  index: number
  status: GenerationResult['status'] | 'error'
  result?: GenerationResult
  error?: { code: ErrorCode; detail: string; status_code: number }
}

export interface GenerationServiceDependencies {
  llm: LlmProvider | null
  languages: LanguageRegistry
  analysis: AnalysisService
  store: GenerationStore
  cache: Cache
  metrics: Metrics
  logger: Logger
  clock: Clock
  settings: GenerationSettings
  prompts?: PromptBuilder
  /** How the API processes of a deployment reach each other's generations; null when alone. */
  bus?: GenerationBus<PublishedEvent> | null
}

const CACHE_PREFIX = 'generation:'
/** Ids this service issues (`randomUUID`); anything else cannot be in the history. */
const ISSUED_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
/** How many times an idempotent request may find its key on an interrupted record and run again. */
const IDEMPOTENT_ROUNDS = 3
/** How often a retry with an Idempotency-Key looks for the first request's outcome. */
const REPLAY_POLL_MS = 500

/** How long a cancel request waits for the generation to record that it stopped. */
const CANCEL_PATIENCE_MS = 5000

/** The record's `error` keeps the code, so that an idempotent replay can answer the same error. */
function storedError(error: AppError): string {
  return `${error.code}: ${error.message}`
}

function replayError(record: GenerationRecord): AppError {
  const match = /^(APP_ERR_[A-Z_]+): ([\s\S]*)$/.exec(record.error ?? '')
  const code = match?.[1] as ErrorCode | undefined
  if (code && code in ERRORS) return new AppError(code, match?.[2])
  return new AppError('APP_ERR_INTERNAL', 'The first request with this Idempotency-Key failed')
}

/**
 * The generation use case around the pipeline: model choice, the cache, coalescing of identical
 * requests in flight, idempotency keys, the process-wide concurrency limit, the history, metrics
 * and the one log line per generation.
 */
export class GenerationService {
  private readonly pipeline: GenerationPipeline | null
  private readonly limiter: Limiter
  /** Events of the generations running here, for streams and subscribers. */
  private readonly events = new GenerationEventHub()
  /** Identical cacheable requests in flight, by request key. */
  private readonly inflight = new Map<string, SharedRun>()
  /** Generations running in this process, by id: how to stop them and when they have stopped. */
  private readonly running = new Map<
    string,
    { controller: AbortController; done: Promise<unknown> }
  >()
  /** Requests in flight by idempotency key. */
  private readonly inflightKeys = new Map<string, { key: string; run: Promise<Generated> }>()
  /** This process in the shared history: its records, its heart-beat, the recovery of orphans. */
  private readonly instance: InstanceHeartbeat

  constructor(private readonly deps: GenerationServiceDependencies) {
    const prompts = deps.prompts ?? new PromptBuilder()
    this.pipeline = deps.llm ? new GenerationPipeline(deps.llm, deps.analysis, prompts) : null
    this.limiter = new Limiter(deps.settings.concurrency, deps.settings.concurrency * 16)
    this.instance = new InstanceHeartbeat(
      deps.store,
      deps.clock,
      deps.logger,
      deps.settings.instanceHeartbeatMs,
    )
  }

  /**
   * Joins the deployment: the first heart-beat, then the generations that stopped processes left
   * `running` become `interrupted`. Call before taking requests.
   */
  start(): Promise<void> {
    return this.instance.start()
  }

  /** Leaves the deployment: no more heart-beats, and this process's entry is removed. */
  stop(): Promise<void> {
    return this.instance.stop()
  }

  get stats(): { running: number; queued: number; limit: number } {
    return { running: this.limiter.running, queued: this.limiter.queued, limit: this.limiter.limit }
  }

  /**
   * Checks what can be checked before a generation starts: the language, a configured provider,
   * an allowed model. Streams call it before sending their first byte.
   */
  prepare(input: GenerationInput): { languageId: string; model: string; key: string } {
    const language = this.deps.languages.resolve(input.programming_language)
    if (!this.deps.llm || !this.pipeline) {
      throw new AppError(
        'APP_ERR_PROVIDER_NOT_CONFIGURED',
        'No model provider is configured; set OPENAI_API_KEY, ANTHROPIC_API_KEY, or LLM_BASE_URL with LLM_MODEL (see the README, Configuration)',
      )
    }
    const model = this.modelFor(input)
    const repairs = input.options.max_repair_attempts ?? DEFAULT_REPAIR_ATTEMPTS
    const normalised = { ...input, options: { ...input.options, max_repair_attempts: repairs } }
    return { languageId: language.id, model, key: requestKey(normalised, language.id, model) }
  }

  async generate(input: GenerationInput, options: GenerateOptions = {}): Promise<Generated> {
    const { languageId, model, key } = this.prepare(input)
    if (options.idempotencyKey) {
      return this.idempotent(options.idempotencyKey, key, input, model, options)
    }
    const { metrics } = this.deps
    const useCache = input.options.cache !== false
    if (useCache) {
      const cached = await this.deps.cache.get<GenerationResult>(CACHE_PREFIX + key)
      if (cached) {
        metrics.generationCache.inc({ result: 'hit' })
        const result = { ...cached, cached: true }
        if (options.emit) replayEvents(result, input, options.emit)
        return { result, replayed: false }
      }
      metrics.generationCache.inc({ result: 'miss' })
      const shared = options.emit ? undefined : this.inflight.get(key)
      if (shared) {
        metrics.generationCache.inc({ result: 'coalesced' })
        return { result: await join(shared, options.signal), replayed: false }
      }
    } else {
      metrics.generationCache.inc({ result: 'bypass' })
    }
    // A stream watches its own run: joining another would miss the deltas already sent.
    if (!useCache || options.emit) {
      return {
        result: await this.execute(input, languageId, model, key, null, options),
        replayed: false,
      }
    }
    const controller = new AbortController()
    const shared: SharedRun = {
      run: this.execute(input, languageId, model, key, null, {
        ...options,
        signal: controller.signal,
        // Known once the record exists: a delete of that id stops identical requests joining.
        onRecord: (id) => (shared.id = id),
      }),
      controller,
      waiters: 0,
    }
    this.inflight.set(key, shared)
    shared.run.then(
      () => this.inflight.delete(key),
      () => this.inflight.delete(key),
    )
    return { result: await join(shared, options.signal), replayed: false }
  }

  /**
   * Stops a generation running in this process and waits (briefly) until its history says so.
   * @throws NotFoundError for an unknown id; AppError `APP_ERR_GENERATION_FINISHED` when it is
   *   over, or runs in another process.
   */
  async cancel(id: string): Promise<GenerationRecord> {
    const running = this.running.get(id)
    if (running) {
      this.cancelHere(id)
      let timer: NodeJS.Timeout | undefined
      const patience = new Promise((resolve) => (timer = setTimeout(resolve, CANCEL_PATIENCE_MS)))
      await Promise.race([running.done, patience])
      clearTimeout(timer)
      return this.get(id)
    }
    let record = await this.orphanChecked(await this.get(id))
    const { bus } = this.deps
    if (record.status === 'running' && bus) {
      // Another API process runs it: ask it, then read the outcome from the shared history.
      await bus.requestCancel(id)
      const deadline = Date.now() + CANCEL_PATIENCE_MS
      while (record.status === 'running' && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50))
        record = await this.get(id)
      }
      if (record.status === 'cancelled') return record
    }
    throw new AppError(
      'APP_ERR_GENERATION_FINISHED',
      record.status === 'interrupted'
        ? `Generation '${id}' already finished (interrupted: the API process running it stopped)`
        : record.status !== 'running'
          ? `Generation '${id}' already finished (${record.status})`
          : bus
            ? `Generation '${id}' is recorded as running, but no API process answered the cancel request`
            : `Generation '${id}' runs in another API process; it cannot be cancelled from this one (set REDIS_URL to connect the processes)`,
    )
  }

  /** The process-local side of the bus: what other processes may ask of this one. */
  get owner(): GenerationOwner<PublishedEvent> {
    return {
      snapshot: (id) => this.events.snapshot(id),
      cancelHere: (id) => this.cancelHere(id),
    }
  }

  private cancelHere(id: string): boolean {
    const running = this.running.get(id)
    running?.controller.abort(
      new AppError('APP_ERR_GENERATION_CANCELLED', `Generation '${id}' was cancelled on request`),
    )
    return running !== undefined
  }

  /**
   * Passes a generation's events to `listener`: those so far, then new ones until `completed` or
   * `error`. A generation that finished before is told from the history in one final event.
   * @throws NotFoundError for an unknown id.
   */
  async watch(
    id: string,
    listener: (event: PublishedEvent) => void,
    requestId = id,
  ): Promise<() => void> {
    const unsubscribe = this.events.subscribe(id, listener)
    if (unsubscribe) return unsubscribe
    let record = await this.get(id)
    if (record.status === 'running' && this.deps.bus) {
      const stop = await this.deps.bus.watch(id, listener)
      if (stop) return stop
      // No process answered: it finished meanwhile (the history says so), or its process is gone.
      record = await this.get(id)
    }
    record = await this.orphanChecked(record)
    if (record.result) {
      listener({ type: 'completed', data: record.result as GenerationResult })
    } else if (record.status === 'running') {
      const error = new AppError(
        'APP_ERR_GENERATION_FINISHED',
        this.deps.bus
          ? `Generation '${id}' is recorded as running, but no API process answered for it`
          : `Generation '${id}' runs in another API process; subscribe there (or set REDIS_URL to connect the processes)`,
      )
      listener({ type: 'error', data: toErrorBody(error, requestId) })
    } else {
      const error =
        record.status === 'cancelled'
          ? new AppError('APP_ERR_GENERATION_CANCELLED', `Generation '${id}' was cancelled`)
          : replayError(record)
      listener({ type: 'error', data: toErrorBody(error, requestId) })
    }
    return () => {}
  }

  /** Runs up to 20 requests, `batchConcurrency` at a time; one failing never fails the others. */
  async generateBatch(inputs: GenerationInput[], signal?: AbortSignal): Promise<BatchItem[]> {
    const batch = new Limiter(this.deps.settings.batchConcurrency)
    return Promise.all(
      inputs.map((input, index) =>
        batch.run(async (): Promise<BatchItem> => {
          try {
            const { result } = await this.generate(input, { signal })
            return { index, status: result.status, result }
          } catch (error) {
            if (signal?.aborted) throw error
            const appError =
              error instanceof AppError
                ? error
                : new AppError('APP_ERR_INTERNAL', 'This generation failed unexpectedly')
            if (!(error instanceof AppError)) {
              this.deps.logger.error({ err: error, index }, 'batch item failed')
            }
            return {
              index,
              status: 'error',
              error: {
                code: appError.code,
                detail: appError.message,
                status_code: appError.status,
              },
            }
          }
        }),
      ),
    )
  }

  async get(id: string): Promise<GenerationRecord> {
    // An id this service cannot have issued (a NUL, say) is not looked up at all.
    const record = ISSUED_ID.test(id) ? await this.deps.store.get(id) : null
    if (!record) throw new NotFoundError('Generation', printable(id))
    return record
  }

  list(query: GenerationQuery): Promise<GenerationPage> {
    return this.deps.store.list(query)
  }

  /**
   * Deletes a generation from the history and from everything that could still answer with it:
   * the cache (its entry is keyed by the record's request hash) and the identical requests that
   * would join it while it runs. The cache goes first: if it cannot be reached, nothing is deleted.
   */
  async delete(id: string): Promise<void> {
    const record = await this.get(id)
    for (const [key, shared] of this.inflight) {
      if (shared.id === id) this.inflight.delete(key)
    }
    if (record.requestHash) {
      const cacheKey = CACHE_PREFIX + record.requestHash
      const cached = await this.deps.cache.get<GenerationResult>(cacheKey)
      if (cached?.id === id) await this.deps.cache.delete(cacheKey)
    }
    if (!(await this.deps.store.delete(id))) throw new NotFoundError('Generation', id)
  }

  /**
   * A record still `running` although no process here runs it: if its process has stopped, the
   * sweep marks it `interrupted` now rather than at the next heart-beat.
   */
  private async orphanChecked(record: GenerationRecord): Promise<GenerationRecord> {
    if (record.status !== 'running' || this.running.has(record.id)) return record
    if (!(await this.instance.sweep()).includes(record.id)) return record
    return this.get(record.id)
  }

  private modelFor(input: GenerationInput): string {
    const { llm, settings } = this.deps
    const model = input.options.model ?? (llm as LlmProvider).model
    if (!settings.allowedModels.includes(model)) {
      throw new ValidationError(
        `Model '${model}' is not allowed; allowed: ${settings.allowedModels.join(', ')} (LLM_ALLOWED_MODELS)`,
        [
          {
            field: 'body.options.model',
            rule: 'allowed_models',
            message: `must be one of ${settings.allowedModels.join(', ')}`,
          },
        ],
      )
    }
    return model
  }

  private async idempotent(
    idempotencyKey: string,
    key: string,
    input: GenerationInput,
    model: string,
    options: GenerateOptions,
  ): Promise<Generated> {
    const running = this.inflightKeys.get(idempotencyKey)
    if (running) {
      if (running.key !== key) throw mismatch(idempotencyKey)
      return { result: (await running.run).result, replayed: true }
    }
    // Registered before the first await, so that a concurrent retry here joins this run.
    const run = this.claim(idempotencyKey, key, input, model, options)
    this.inflightKeys.set(idempotencyKey, { key, run })
    try {
      return await run
    } finally {
      this.inflightKeys.delete(idempotencyKey)
    }
  }

  /**
   * The first request with this key runs the generation, unless the history already has it. A
   * key held by an `interrupted` record (its process died) is released, and the request runs
   * again under a new record that then holds the key.
   */
  private async claim(
    idempotencyKey: string,
    key: string,
    input: GenerationInput,
    model: string,
    options: GenerateOptions,
  ): Promise<Generated> {
    const { store } = this.deps
    for (let round = 1; ; round++) {
      const existing = await store.findByIdempotencyKey(idempotencyKey)
      if (existing) {
        const replayed = await this.replayRecord(existing, key, idempotencyKey, options.signal)
        if (replayed) return replayed
        if (round >= IDEMPOTENT_ROUNDS) throw replayError(existing)
        // Whether this request or a concurrent retry released it, the key is free now.
        await store.releaseIdempotencyKey(existing.id, idempotencyKey)
        continue
      }
      try {
        const result = await this.execute(
          input,
          input.programming_language,
          model,
          key,
          idempotencyKey,
          options,
        )
        return { result, replayed: false }
      } catch (error) {
        // Another process claimed the key first: answer with its generation (next round).
        if (!(error instanceof IdempotencyKeyTaken) || round >= IDEMPOTENT_ROUNDS) throw error
      }
    }
  }

  /** The earlier generation's outcome, or null when it was interrupted and may run again. */
  private async replayRecord(
    record: GenerationRecord,
    key: string,
    idempotencyKey: string,
    signal: AbortSignal | undefined,
  ): Promise<Generated | null> {
    if (record.requestHash !== key) throw mismatch(idempotencyKey)
    record = await this.orphanChecked(record)
    // A generation still running in another (live) process: wait for its outcome, while the
    // client waits. A process that dies meanwhile misses its beats, and a peer's sweep marks the
    // record interrupted.
    const deadline = Date.now() + this.deps.settings.idempotencyWaitMs
    while (record.status === 'running' && Date.now() < deadline) {
      await abortableDelay(REPLAY_POLL_MS, signal)
      record = (await this.deps.store.get(record.id)) ?? record
    }
    if (record.status === 'running') {
      throw new AppError(
        'APP_ERR_IDEMPOTENCY_IN_PROGRESS',
        `The first request with Idempotency-Key '${idempotencyKey}' is still running (generation '${record.id}') after ${this.deps.settings.idempotencyWaitMs} ms (IDEMPOTENCY_WAIT_MS); retry later`,
        { retryable: true, headers: { 'retry-after': '5' } },
      )
    }
    if (record.status === 'interrupted') return null
    if (record.result) return { result: record.result as GenerationResult, replayed: true }
    throw replayError(record)
  }

  /** One generation, persisted from start to end, inside the process-wide concurrency limit. */
  private async execute(
    input: GenerationInput,
    languageName: string,
    model: string,
    key: string,
    idempotencyKey: string | null,
    options: GenerateOptions & { onRecord?: (id: string) => void },
  ): Promise<GenerationResult> {
    const { store, clock, metrics, logger, llm } = this.deps
    const language = this.deps.languages.resolve(languageName)
    // Our own controller: the caller's signal, a cancel request, or both can stop the run.
    const controller = new AbortController()
    const signal = controller.signal
    const external = options.signal
    const onExternalAbort = () => controller.abort(external?.reason)
    if (external?.aborted) onExternalAbort()
    external?.addEventListener('abort', onExternalAbort, { once: true })
    const queuedAt = performance.now()
    let settled: () => void = () => {}
    const done = new Promise<void>((resolve) => (settled = resolve))
    const task = async () => {
      const queueMs = Math.round((performance.now() - queuedAt) * 10) / 10
      const id = randomUUID()
      const createdAt = new Date(clock.now()).toISOString()
      const provider = (llm as LlmProvider).id
      const usage: TokenUsage & { llmCalls: number } = {
        promptTokens: 0,
        completionTokens: 0,
        totalTokens: 0,
        llmCalls: 0,
      }
      const record: GenerationRecord = {
        id,
        createdAt,
        updatedAt: createdAt,
        status: 'running',
        programmingLanguage: language.id,
        provider,
        model,
        request: input,
        result: null,
        attempts: [],
        usage,
        durationMs: null,
        error: null,
        idempotencyKey,
        requestHash: key,
        instanceId: this.instance.id,
      }
      await store.insert(record)
      options.onRecord?.(id)
      this.running.set(id, { controller, done })
      this.events.open(id)
      const publish = (event: PublishedEvent) => {
        this.events.publish(id, event)
        this.deps.bus?.relay(id, event, event.type === 'completed' || event.type === 'error')
        options.emit?.(event)
      }
      publish({ type: 'started', data: { id, model } })
      const started = performance.now()
      let outcome: GenerationResult['status'] | 'cancelled' | 'error' = 'error'
      let attempts = 0
      try {
        const body = await (this.pipeline as GenerationPipeline).run({
          input,
          language,
          model,
          maxOutputTokens: this.deps.settings.maxOutputTokens,
          signal,
          emit: publish,
          streamDeltas: options.emit !== undefined,
          onCall: (stage, call, durationMs) => {
            metrics.llmDuration.observe({ provider, stage }, durationMs / 1000)
            if ('error' in call) {
              // Every call counts once, as the duration histogram does: a cancelled one too.
              metrics.llmCalls.inc({
                provider,
                stage,
                outcome: signal.aborted ? 'cancelled' : 'error',
              })
              if (call.streamedTokens > 0) {
                // Cut short after part of the reply: those tokens were produced, and paid for.
                usage.completionTokens += call.streamedTokens
                usage.totalTokens += call.streamedTokens
                usage.llmCalls += 1
                metrics.llmTokens.inc({ provider, kind: 'completion' }, call.streamedTokens)
              }
              return
            }
            const callUsage = call.usage
            usage.promptTokens += callUsage.promptTokens
            usage.completionTokens += callUsage.completionTokens
            usage.totalTokens += callUsage.totalTokens
            usage.llmCalls += 1
            metrics.llmCalls.inc({ provider, stage, outcome: 'ok' })
            metrics.llmTokens.inc({ provider, kind: 'prompt' }, callUsage.promptTokens)
            metrics.llmTokens.inc({ provider, kind: 'completion' }, callUsage.completionTokens)
          },
        })
        const result: GenerationResult = {
          id,
          status: body.status,
          programming_language: body.programming_language,
          code: body.code,
          filename: body.filename,
          tests: body.tests,
          documentation: body.documentation,
          metrics: body.metrics,
          validation: body.validation,
          usage: body.usage,
          timings_ms: { queue: queueMs, ...body.timings_ms },
          model: body.model,
          provider: body.provider,
          cached: false,
          created_at: createdAt,
          errors: body.errors,
        }
        outcome = result.status
        attempts = result.validation.attempts.length
        // False when the generation was deleted while it ran: then it is not cached either.
        const kept = await store.update(id, {
          status: result.status,
          model: result.model,
          result,
          attempts: result.validation.attempts,
          usage,
          durationMs: Math.round(performance.now() - started),
          error: result.errors.map((error) => `${error.stage}: ${error.detail}`).join('; ') || null,
        })
        this.recordParse(result)
        if (kept && result.status === 'completed' && input.options.cache !== false) {
          await this.deps.cache.set(CACHE_PREFIX + key, result, this.deps.settings.cacheTtlSeconds)
        }
        publish({ type: 'completed', data: result })
        return result
      } catch (error) {
        const cancelled = signal.aborted
        outcome = cancelled ? 'cancelled' : 'error'
        const appError = cancelled
          ? cancellation(signal.reason)
          : error instanceof AppError
            ? error
            : new AppError('APP_ERR_INTERNAL', 'The generation failed unexpectedly')
        if (!cancelled && !(error instanceof AppError))
          logger.error({ err: error, generation_id: id }, 'generation failed')
        await store
          .update(id, {
            status: cancelled ? 'cancelled' : 'failed',
            usage,
            durationMs: Math.round(performance.now() - started),
            error: storedError(appError),
          })
          .catch((storeError: unknown) =>
            logger.error(
              { err: storeError, generation_id: id },
              'could not record the failed generation',
            ),
          )
        publish({ type: 'error', data: toErrorBody(appError, options.requestId ?? id) })
        throw appError
      } finally {
        this.running.delete(id)
        this.events.close(id)
        settled()
        const status = outcome === 'error' ? 'failed' : outcome
        metrics.generations.inc({ language: language.id, status })
        metrics.generationDuration.observe(
          { language: language.id, status },
          (performance.now() - started) / 1000,
        )
        logger.info(
          {
            generation_id: id,
            language: language.id,
            status,
            provider,
            model,
            code_attempts: attempts,
            llm_calls: usage.llmCalls,
            prompt_tokens: usage.promptTokens,
            completion_tokens: usage.completionTokens,
            duration_ms: Math.round(performance.now() - started),
          },
          'generation finished',
        )
      }
    }
    try {
      return await this.limiter.run(task, signal)
    } catch (error) {
      // Stopped while waiting for a slot: nothing ran, nothing was stored.
      if (signal.aborted && !(error instanceof AppError)) throw cancellation(signal.reason)
      throw error
    } finally {
      external?.removeEventListener('abort', onExternalAbort)
    }
  }

  private recordParse(result: GenerationResult): void {
    const attempts = result.validation.attempts
    const outcome = attempts[0]?.syntax_valid
      ? 'first_pass'
      : result.validation.syntax_valid
        ? 'after_repair'
        : 'never'
    this.deps.metrics.generationParse.inc({ language: result.programming_language, outcome })
    this.deps.metrics.generationRepairs.inc(
      { language: result.programming_language },
      Math.max(0, attempts.length - 1),
    )
  }
}

/** The error a cancelled generation ends with: the cancel request's own, or "client gone". */
function cancellation(reason: unknown): AppError {
  if (reason instanceof AppError && reason.code === 'APP_ERR_GENERATION_CANCELLED') return reason
  return new AppError(
    'APP_ERR_GENERATION_CANCELLED',
    'The generation was cancelled because its client went away',
  )
}

/** Waits for a shared run; when every waiter has gone, the run is stopped. */
async function join(shared: SharedRun, signal: AbortSignal | undefined): Promise<GenerationResult> {
  shared.waiters++
  if (!signal) return shared.run
  return new Promise<GenerationResult>((resolve, reject) => {
    const onAbort = () => {
      shared.waiters--
      if (shared.waiters === 0) shared.controller.abort(signal.reason)
      reject(cancellation(signal.reason))
    }
    if (signal.aborted) return onAbort()
    signal.addEventListener('abort', onAbort, { once: true })
    shared.run.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}

/** The events of a generation answered from the cache, for a client that streams. */
function replayEvents(
  result: GenerationResult,
  input: GenerationInput,
  emit: (event: PublishedEvent) => void,
): void {
  emit({ type: 'started', data: { id: result.id, model: result.model } })
  emit({ type: 'code.done', data: { code: result.code, validation: result.validation } })
  if (input.include_tests) emit({ type: 'tests.done', data: result.tests })
  if (input.include_docs) emit({ type: 'docs.done', data: result.documentation })
  emit({ type: 'metrics', data: result.metrics })
  emit({ type: 'completed', data: result })
}

function mismatch(idempotencyKey: string): AppError {
  return new AppError(
    'APP_ERR_IDEMPOTENCY_MISMATCH',
    `Idempotency-Key '${idempotencyKey}' was already used for a different request; use a new key for each distinct request`,
  )
}

/** An id for a message, with control characters shown as escapes. */
function printable(id: string): string {
  return id.replace(
    /\p{Cc}/gu,
    (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`,
  )
}

/** Waits `ms`, or less when `signal` aborts (the client went away): then it throws. */
function abortableDelay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(cancellation(signal.reason))
    const onAbort = () => {
      clearTimeout(timer)
      reject(cancellation(signal?.reason))
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
