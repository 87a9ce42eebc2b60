import type { LanguageRegistry } from '../../analysis/language-registry.js'
import { LOCAL_MODEL_PULL_COMMAND, PROVIDER_NOT_CONFIGURED_DETAIL } from '../../llm-providers.js'
import { AppError, NotFoundError } from '../../errors.js'
import type { Cache } from '../../ports/cache.js'
import type { Clock } from '../../ports/clock.js'
import type { GenerationBus, GenerationOwner } from '../../ports/generation-bus.js'
import type { HostProcesses } from '../../ports/host-processes.js'
import type {
  GenerationPage,
  GenerationQuery,
  GenerationRecord,
  GenerationStore,
} from '../../ports/generation-store.js'
import type { LlmProvider } from '../../ports/llm-provider.js'
import type { Logger } from '../../ports/logger.js'
import type { MetricsRecorder } from '../../ports/metrics-recorder.js'
import type { AnalysisService } from '../analysis.js'
import { runBatch } from './batch.js'
import type { PublishedEvent } from './event-hub.js'
import { GenerationHistory } from './generation-history.js'
import type {
  BatchItem,
  GenerateOptions,
  Generated,
  GenerationJob,
  RunOptions,
} from './generation-job.js'
import { GenerationRunner } from './generation-runner.js'
import { IdempotentRequests } from './idempotency.js'
import { jobOfRecord } from './new-record.js'
import { InstanceHeartbeat } from './instance-heartbeat.js'
import { Limiter } from './limiter.js'
import { DEFAULT_REPAIR_ATTEMPTS, GenerationPipeline, type VerificationSetup } from './pipeline.js'
import { DEFAULT_FIX_ROUNDS } from './verify-stage.js'
import { PromptBuilder } from './prompts.js'
import { checkPromptLength, modelFor, type RequestSettings } from './request-checks.js'
import { requestKey } from './request-key.js'
import { replayEvents } from './replay-events.js'
import { ResultCache } from './result-cache.js'
import { RunningGenerations } from './running-generations.js'
import type { GenerationInput, GenerationResult } from './types.js'

export type { BatchItem, GenerateOptions, Generated, GenerationJob } from './generation-job.js'

export interface GenerationSettings {
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

export interface GenerationServiceDependencies {
  llm: LlmProvider | null
  languages: LanguageRegistry
  analysis: AnalysisService
  store: GenerationStore
  cache: Cache
  metrics: MetricsRecorder
  logger: Logger
  clock: Clock
  settings: GenerationSettings
  /** The runtime settings a request is checked against, as they are now. */
  requestSettings: () => RequestSettings
  prompts?: PromptBuilder
  /** This host's processes, to tell at once that a peer on the same host has died. */
  processes: HostProcesses
  /** How the API processes of a deployment reach each other's generations; null when alone. */
  bus?: GenerationBus<PublishedEvent> | null
  /** The sandbox that runs generated tests; without it nothing is verified. */
  verification?: VerificationSetup | null
  /**
   * Set in a process that runs no worker: each generation is queued as a job, and the request
   * waits for it (or relays its events) while a worker elsewhere runs it.
   */
  viaQueue?: ((job: GenerationJob, options: RunOptions) => Promise<GenerationResult>) | null
}

/**
 * The generation use case: checks a request, then answers it from the cache, from an earlier
 * request with the same Idempotency-Key, by joining an identical request in flight, or by
 * running it. Each of those is a module of its own; this class only decides which.
 */
export class GenerationService {
  private readonly history: GenerationHistory
  private readonly instance: InstanceHeartbeat
  private readonly limiter: Limiter
  private readonly results: ResultCache
  private readonly running: RunningGenerations
  /** Null when no model provider is configured. */
  private readonly runner: GenerationRunner | null
  private operatorTold = false
  private readonly idempotent: IdempotentRequests

  constructor(private readonly deps: GenerationServiceDependencies) {
    const { store, clock, logger, settings, llm } = deps
    this.history = new GenerationHistory(store)
    this.instance = new InstanceHeartbeat(
      store,
      clock,
      logger,
      settings.instanceHeartbeatMs,
      deps.processes,
    )
    this.limiter = new Limiter(settings.concurrency, settings.concurrency * 16)
    this.results = new ResultCache(deps.cache, deps.metrics, settings.cacheTtlSeconds)
    this.running = new RunningGenerations(this.history, this.instance, deps.bus ?? null)
    const pipeline = llm
      ? new GenerationPipeline(
          llm,
          deps.analysis,
          deps.prompts ?? new PromptBuilder(),
          deps.verification ?? null,
        )
      : null
    this.runner =
      llm && pipeline
        ? new GenerationRunner({
            ...deps,
            llm,
            pipeline,
            results: this.results,
            running: this.running,
            limiter: this.limiter,
            instanceId: this.instance.id,
            maxOutputTokens: settings.maxOutputTokens,
          })
        : null
    this.idempotent = new IdempotentRequests(
      this.history,
      this.running,
      (job, options) => this.run(job, options),
      settings.idempotencyWaitMs,
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
   * Checks what can be checked before a generation starts (the language, a configured provider,
   * an allowed model) and answers the job to run. Streams call it before their first byte.
   */
  prepare(
    input: GenerationInput,
    idempotencyKey?: string,
    owner: string | null = null,
  ): GenerationJob {
    const language = this.deps.languages.resolve(input.programming_language)
    if (!this.runner) throw this.notConfigured()
    const settings = this.deps.requestSettings()
    checkPromptLength(input, settings)
    const model = modelFor(input, settings, (this.deps.llm as LlmProvider).model)
    const { options } = input
    const normalised = {
      ...input,
      options: {
        ...options,
        max_repair_attempts: options.max_repair_attempts ?? DEFAULT_REPAIR_ATTEMPTS,
        verify: options.verify ?? (this.deps.verification ? settings.verifyDefault : false),
        max_fix_rounds: options.max_fix_rounds ?? DEFAULT_FIX_ROUNDS,
      },
    }
    return {
      input,
      languageId: language.id,
      model,
      requestHash: requestKey(normalised, language.id, model, owner),
      idempotencyKey:
        idempotencyKey === undefined
          ? null
          : owner === null
            ? idempotencyKey
            : `${owner}/${idempotencyKey}`,
      owner,
    }
  }

  async generate(input: GenerationInput, options: GenerateOptions = {}): Promise<Generated> {
    const job = this.prepare(input, options.idempotencyKey, options.owner ?? null)
    if (job.idempotencyKey !== null) {
      return this.idempotent.generate({ ...job, idempotencyKey: job.idempotencyKey }, options)
    }
    if (input.options.cache === false) {
      this.deps.metrics.cacheLookup('bypass')
      return { result: await this.run(job, options), replayed: false }
    }
    const cached = await this.results.get(job.requestHash)
    if (cached) {
      if (options.emit) replayEvents(cached, input, options.emit)
      return { result: cached, replayed: false }
    }
    // A stream watches its own run: joining another would miss the deltas already sent.
    const result = options.emit
      ? await this.run(job, options)
      : await this.results.share(
          job.requestHash,
          (shared) => this.run(job, { ...options, ...shared }),
          options.signal,
        )
    return { result, replayed: false }
  }

  /** Runs up to 20 requests, `batchConcurrency` at a time; one failing never fails the others. */
  generateBatch(
    inputs: GenerationInput[],
    options: { signal?: AbortSignal; requestId: string; owner?: string | null },
  ): Promise<BatchItem[]> {
    const owner = options.owner ?? null
    return runBatch(inputs, (input, runOptions) => this.generate(input, { ...runOptions, owner }), {
      ...options,
      concurrency: this.deps.settings.batchConcurrency,
      logger: this.deps.logger,
    })
  }

  /** @see RunningGenerations.cancel */
  cancel(id: string): Promise<GenerationRecord> {
    return this.running.cancel(id)
  }

  /** @see RunningGenerations.watch */
  watch(id: string, listener: (event: PublishedEvent) => void, requestId?: string) {
    return this.running.watch(id, listener, requestId)
  }

  /** The process-local side of the bus: what other processes may ask of this one. */
  get owner(): GenerationOwner<PublishedEvent> {
    return this.running.owner
  }

  get(id: string): Promise<GenerationRecord> {
    return this.history.get(id)
  }

  list(query: GenerationQuery): Promise<GenerationPage> {
    return this.history.list(query)
  }

  /**
   * Deletes a generation from the history and from everything that could still answer with it:
   * the cache and the identical requests that would join it while it runs. The cache goes
   * first: if it cannot be reached, nothing is deleted.
   */
  async delete(id: string): Promise<void> {
    const record = await this.history.get(id)
    await this.results.forget(id, record.requestHash)
    if (!(await this.deps.store.delete(id))) throw new NotFoundError('Generation', id)
  }

  /** Refuses a generation without a provider; the first refusal tells the operator what to run. */
  private notConfigured(): AppError {
    if (!this.operatorTold) {
      this.operatorTold = true
      this.deps.logger.warn(
        { command: LOCAL_MODEL_PULL_COMMAND },
        `generation asked for with no model configured; run '${LOCAL_MODEL_PULL_COMMAND}' and restart`,
      )
    }
    return new AppError('APP_ERR_PROVIDER_NOT_CONFIGURED', PROVIDER_NOT_CONFIGURED_DETAIL)
  }

  /**
   * Runs a job's generation here, for the worker that started it: the outcome goes into the
   * job's record, whose status the worker then sets.
   */
  runJob(record: GenerationRecord, options: Omit<RunOptions, 'record'>): Promise<GenerationResult> {
    if (!this.runner) throw this.notConfigured()
    return this.runner.run(jobOfRecord(record), { ...options, record })
  }

  private run(job: GenerationJob, options: RunOptions) {
    if (this.deps.viaQueue) return this.deps.viaQueue(job, options)
    // prepare() has checked that a provider, hence a runner, exists.
    return (this.runner as GenerationRunner).run(job, options)
  }
}
