import { randomUUID } from 'node:crypto'
import type { LanguageRegistry } from '../../analysis/language-registry.js'
import { AppError, ERRORS, NotFoundError, ValidationError, type ErrorCode } from '../../errors.js'
import type { Metrics } from '../../metrics.js'
import type { Cache } from '../../ports/cache.js'
import type { Clock } from '../../ports/clock.js'
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
import { Limiter } from './limiter.js'
import { DEFAULT_REPAIR_ATTEMPTS, GenerationPipeline } from './pipeline.js'
import { PromptBuilder } from './prompts.js'
import { requestKey } from './request-key.js'
import type { GenerationEvent, GenerationInput, GenerationResult } from './types.js'

export interface GenerationSettings {
  /** Models `options.model` may name; the provider's default is always among them. */
  allowedModels: readonly string[]
  maxOutputTokens: number
  /** Generations running at once in this process. */
  concurrency: number
  /** Generations of one batch running at once. */
  batchConcurrency: number
  cacheTtlSeconds: number
}

export interface GenerateOptions {
  signal?: AbortSignal | undefined
  /** The client's `Idempotency-Key`: a repeated request with it gets the first result. */
  idempotencyKey?: string | undefined
  /** Receives progress events; model calls stream when it is set. */
  emit?: ((event: GenerationEvent) => void) | undefined
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
}

const CACHE_PREFIX = 'generation:'

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
  /** Identical cacheable requests in flight, by request key. */
  private readonly inflight = new Map<string, Promise<GenerationResult>>()
  /** Requests in flight by idempotency key. */
  private readonly inflightKeys = new Map<string, { key: string; run: Promise<Generated> }>()

  constructor(private readonly deps: GenerationServiceDependencies) {
    const prompts = deps.prompts ?? new PromptBuilder()
    this.pipeline = deps.llm ? new GenerationPipeline(deps.llm, deps.analysis, prompts) : null
    this.limiter = new Limiter(deps.settings.concurrency, deps.settings.concurrency * 16)
  }

  get stats(): { running: number; queued: number; limit: number } {
    return { running: this.limiter.running, queued: this.limiter.queued, limit: this.limiter.limit }
  }

  async generate(input: GenerationInput, options: GenerateOptions = {}): Promise<Generated> {
    const { llm } = this.deps
    const language = this.deps.languages.resolve(input.programming_language)
    if (!llm || !this.pipeline) {
      throw new AppError(
        'APP_ERR_PROVIDER_NOT_CONFIGURED',
        'No model provider is configured; set OPENAI_API_KEY, ANTHROPIC_API_KEY, or LLM_BASE_URL with LLM_MODEL (see the README, Configuration)',
      )
    }
    const model = this.modelFor(input)
    const key = requestKey(
      {
        ...input,
        options: {
          ...input.options,
          max_repair_attempts: input.options.max_repair_attempts ?? DEFAULT_REPAIR_ATTEMPTS,
        },
      },
      language.id,
      model,
    )
    if (options.idempotencyKey)
      return this.idempotent(options.idempotencyKey, key, input, model, options)

    const useCache = input.options.cache !== false && !options.emit
    if (useCache) {
      const cached = await this.deps.cache.get<GenerationResult>(CACHE_PREFIX + key)
      if (cached) {
        this.deps.metrics.generationCache.inc({ result: 'hit' })
        return { result: { ...cached, cached: true }, replayed: false }
      }
      this.deps.metrics.generationCache.inc({ result: 'miss' })
      const running = this.inflight.get(key)
      if (running) {
        this.deps.metrics.generationCache.inc({ result: 'coalesced' })
        return { result: await running, replayed: false }
      }
    } else {
      this.deps.metrics.generationCache.inc({ result: 'bypass' })
    }
    const run = this.execute(input, language.id, model, key, null, options)
    if (!useCache) return { result: await run, replayed: false }
    this.inflight.set(key, run)
    try {
      return { result: await run, replayed: false }
    } finally {
      this.inflight.delete(key)
    }
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
    const record = await this.deps.store.get(id)
    if (!record) throw new NotFoundError('Generation', id)
    return record
  }

  list(query: GenerationQuery): Promise<GenerationPage> {
    return this.deps.store.list(query)
  }

  async delete(id: string): Promise<void> {
    if (!(await this.deps.store.delete(id))) throw new NotFoundError('Generation', id)
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
    const existing = await this.deps.store.findByIdempotencyKey(idempotencyKey)
    if (existing) return this.replayRecord(existing, key, idempotencyKey)
    const run = this.execute(input, input.programming_language, model, key, idempotencyKey, options)
      .then((result) => ({ result, replayed: false }))
      .catch(async (error: unknown) => {
        // Another process claimed the key first: answer with its generation.
        if (!(error instanceof IdempotencyKeyTaken)) throw error
        const winner = await this.deps.store.findByIdempotencyKey(idempotencyKey)
        if (!winner) throw error
        return this.replayRecord(winner, key, idempotencyKey)
      })
    this.inflightKeys.set(idempotencyKey, { key, run })
    try {
      return await run
    } finally {
      this.inflightKeys.delete(idempotencyKey)
    }
  }

  private async replayRecord(
    record: GenerationRecord,
    key: string,
    idempotencyKey: string,
  ): Promise<Generated> {
    if (record.requestHash !== key) throw mismatch(idempotencyKey)
    // A generation still running in another process: wait for its outcome.
    for (let waited = 0; record.status === 'running' && waited < 600; waited++) {
      await new Promise((resolve) => setTimeout(resolve, 500))
      record = (await this.deps.store.get(record.id)) ?? record
    }
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
    options: GenerateOptions,
  ): Promise<GenerationResult> {
    const { store, clock, metrics, logger, llm } = this.deps
    const language = this.deps.languages.resolve(languageName)
    const signal = options.signal ?? new AbortController().signal
    const queuedAt = performance.now()
    return this.limiter.run(async () => {
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
      }
      await store.insert(record)
      options.emit?.({ type: 'started', data: { id, model } })
      const started = performance.now()
      let outcome: GenerationResult['status'] | 'cancelled' | 'error' = 'error'
      let attempts = 0
      try {
        const body = await (this.pipeline as GenerationPipeline).run({
          id,
          input,
          language,
          model,
          maxOutputTokens: this.deps.settings.maxOutputTokens,
          signal,
          emit: options.emit,
          onCall: (stage, call, durationMs) => {
            metrics.llmDuration.observe({ provider, stage }, durationMs / 1000)
            if ('error' in call) {
              if (!signal.aborted) metrics.llmCalls.inc({ provider, stage, outcome: 'error' })
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
        await store.update(id, {
          status: result.status,
          model: result.model,
          result,
          attempts: result.validation.attempts,
          usage,
          durationMs: Math.round(performance.now() - started),
          error: result.errors.map((error) => `${error.stage}: ${error.detail}`).join('; ') || null,
        })
        this.recordParse(result)
        if (result.status === 'completed' && input.options.cache !== false) {
          await this.deps.cache.set(CACHE_PREFIX + key, result, this.deps.settings.cacheTtlSeconds)
        }
        options.emit?.({ type: 'completed', data: result })
        return result
      } catch (error) {
        const cancelled = signal.aborted
        outcome = cancelled ? 'cancelled' : 'error'
        const appError =
          error instanceof AppError
            ? error
            : new AppError('APP_ERR_INTERNAL', 'The generation failed unexpectedly')
        if (!cancelled && !(error instanceof AppError))
          logger.error({ err: error, generation_id: id }, 'generation failed')
        await store
          .update(id, {
            status: cancelled ? 'cancelled' : 'failed',
            usage,
            durationMs: Math.round(performance.now() - started),
            error: cancelled ? 'cancelled before it finished' : storedError(appError),
          })
          .catch((storeError: unknown) =>
            logger.error(
              { err: storeError, generation_id: id },
              'could not record the failed generation',
            ),
          )
        throw cancelled ? error : appError
      } finally {
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
    }, signal)
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

function mismatch(idempotencyKey: string): AppError {
  return new AppError(
    'APP_ERR_IDEMPOTENCY_MISMATCH',
    `Idempotency-Key '${idempotencyKey}' was already used for a different request; use a new key for each distinct request`,
  )
}
