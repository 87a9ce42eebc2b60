import type { LanguageRegistry } from '../../analysis/language-registry.js'
import { AppError, toAppError, toErrorBody } from '../../errors.js'
import type { Clock } from '../../ports/clock.js'
import type {
  GenerationRecord,
  GenerationStatus,
  GenerationStore,
} from '../../ports/generation-store.js'
import type { LlmProvider } from '../../ports/llm-provider.js'
import type { Logger } from '../../ports/logger.js'
import type { MetricsRecorder } from '../../ports/metrics-recorder.js'
import type { PublishedEvent } from './event-hub.js'
import type { GenerationJob, RunOptions } from './generation-job.js'
import type { Limiter } from './limiter.js'
import { newGenerationRecord } from './new-record.js'
import type { GenerationPipeline, ModelStage } from './pipeline.js'
import type { ResultCache } from './result-cache.js'
import type { RunningGenerations } from './running-generations.js'
import { cancellation } from './stop.js'
import { resultError, storedError } from './stored-error.js'
import type { GenerationResult } from './types.js'
import { UsageCounter, type ModelCall } from './usage-counter.js'

export interface RunnerDependencies {
  llm: LlmProvider
  pipeline: GenerationPipeline
  languages: LanguageRegistry
  store: GenerationStore
  results: ResultCache
  running: RunningGenerations
  limiter: Limiter
  metrics: MetricsRecorder
  logger: Logger
  clock: Clock
  /** The API process running generations here: recorded on each, for crash recovery. */
  instanceId: string
  maxOutputTokens: number
}

const since = (start: number) => Math.round(performance.now() - start)
const tenths = (ms: number) => Math.round(ms * 10) / 10

/**
 * Runs one generation inside the process-wide concurrency limit and keeps the history of it
 * from start to end: the record, its events, its one usage count, metrics and one log line.
 */
export class GenerationRunner {
  constructor(private readonly deps: RunnerDependencies) {}

  async run(job: GenerationJob, options: RunOptions = {}): Promise<GenerationResult> {
    // Our own controller: the caller's signal, a cancel request, or both can stop the run.
    const controller = new AbortController()
    const external = options.signal
    const onExternalAbort = () => controller.abort(external?.reason)
    if (external?.aborted) onExternalAbort()
    external?.addEventListener('abort', onExternalAbort, { once: true })
    const queuedAt = performance.now()
    try {
      return await this.deps.limiter.run(
        () => this.execute(job, options, controller, tenths(performance.now() - queuedAt)),
        controller.signal,
      )
    } catch (error) {
      // Stopped while waiting for a slot: nothing ran, nothing was stored.
      if (controller.signal.aborted && !(error instanceof AppError)) {
        throw cancellation(controller.signal.reason)
      }
      throw error
    } finally {
      external?.removeEventListener('abort', onExternalAbort)
    }
  }

  private async execute(
    job: GenerationJob,
    options: RunOptions,
    controller: AbortController,
    queueMs: number,
  ): Promise<GenerationResult> {
    const { store, logger, llm, metrics } = this.deps
    const signal = controller.signal
    const language = this.deps.languages.resolve(job.languageId)
    const record =
      options.record ??
      newGenerationRecord(job, {
        status: 'running',
        provider: llm.id,
        instanceId: this.deps.instanceId,
        now: this.deps.clock.now(),
      })
    const usage = new UsageCounter()
    if (!options.record) await store.insert(record)
    options.onRecord?.(record.id)
    // A job's status is its worker's to write: it knows whether this run ends the job.
    const outcome = (status: GenerationStatus) => (options.record ? {} : { status })
    const handle = this.deps.running.begin(record.id, controller)
    const publish = (event: PublishedEvent) => {
      handle.publish(event)
      options.emit?.(event)
    }
    publish({ type: 'started', data: { id: record.id, model: job.model } })
    const started = performance.now()
    let status: GenerationRecord['status'] = 'failed'
    let codeAttempts = 0
    try {
      const body = await this.deps.pipeline.run({
        input: job.input,
        language,
        model: job.model,
        maxOutputTokens: this.deps.maxOutputTokens,
        signal,
        emit: publish,
        streamDeltas: options.emit !== undefined,
        usage,
        onCall: (stage, call, durationMs) => this.observeCall(stage, call, durationMs, signal),
      })
      const result: GenerationResult = {
        id: record.id,
        status: body.status,
        programming_language: body.programming_language,
        code: body.code,
        filename: body.filename,
        tests: body.tests,
        documentation: body.documentation,
        verification: body.verification,
        metrics: body.metrics,
        validation: body.validation,
        usage: body.usage,
        timings_ms: { queue: queueMs, ...body.timings_ms },
        model: body.model,
        provider: body.provider,
        cached: false,
        created_at: record.createdAt,
        errors: body.errors,
      }
      status = result.status
      codeAttempts = result.validation.repair_attempts + 1
      // False when the generation was deleted while it ran: then it is not cached either.
      const kept = await store.update(record.id, {
        ...outcome(result.status),
        model: result.model,
        result,
        attempts: result.validation.attempts,
        usage: usage.stored(),
        durationMs: since(started),
        error: resultError(result),
      })
      this.observeParse(result)
      if (kept && result.status === 'completed' && job.input.options.cache !== false) {
        await this.deps.results.keep(job.requestHash, result)
      }
      publish({ type: 'completed', data: result })
      return result
    } catch (error) {
      const cancelled = signal.aborted
      status = cancelled ? 'cancelled' : 'failed'
      const appError = cancelled ? cancellation(signal.reason) : toAppError(error)
      if (!cancelled && !(error instanceof AppError)) {
        logger.error({ err: error, generation_id: record.id }, 'generation failed')
      }
      await store
        .update(record.id, {
          ...outcome(status),
          usage: usage.stored(),
          durationMs: since(started),
          error: storedError(appError),
        })
        .catch((storeError: unknown) =>
          logger.error(
            { err: storeError, generation_id: record.id },
            'could not record the failed generation',
          ),
        )
      publish({ type: 'error', data: toErrorBody(appError, options.requestId ?? record.id) })
      throw appError
    } finally {
      handle.end()
      const seconds = (performance.now() - started) / 1000
      metrics.generationFinished({ language: language.id, status, seconds })
      const counted = usage.stored()
      logger.info(
        {
          generation_id: record.id,
          language: language.id,
          status,
          provider: llm.id,
          model: job.model,
          code_attempts: codeAttempts,
          llm_calls: counted.llmCalls,
          prompt_tokens: counted.promptTokens,
          completion_tokens: counted.completionTokens,
          duration_ms: since(started),
        },
        'generation finished',
      )
    }
  }

  /** Every call counts once in the metrics, as in the duration histogram: a cancelled one too. */
  private observeCall(
    stage: ModelStage,
    call: ModelCall,
    durationMs: number,
    signal: AbortSignal,
  ): void {
    const provider = this.deps.llm.id
    const { metrics } = this.deps
    const seconds = durationMs / 1000
    if ('error' in call) {
      const outcome = signal.aborted ? 'cancelled' : 'error'
      metrics.llmCall({ provider, stage, outcome, seconds })
      if (call.streamedTokens > 0) metrics.llmTokens(provider, 'completion', call.streamedTokens)
      return
    }
    metrics.llmCall({ provider, stage, outcome: 'ok', seconds })
    metrics.llmTokens(provider, 'prompt', call.usage.promptTokens)
    metrics.llmTokens(provider, 'completion', call.usage.completionTokens)
  }

  private observeParse(result: GenerationResult): void {
    const { attempts, repair_attempts: repairs } = result.validation
    const outcome = attempts[0]?.syntax_valid
      ? 'first_pass'
      : result.validation.syntax_valid
        ? 'after_repair'
        : 'never'
    this.deps.metrics.generationParsed(result.programming_language, outcome, repairs)
  }
}
