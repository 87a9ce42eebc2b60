import fp from 'fastify-plugin'
import type { Redis } from 'ioredis'
import { RedisGenerationBus } from '../adapters/bus/redis.js'
import { MemoryCache } from '../adapters/cache/memory.js'
import { RedisCache } from '../adapters/cache/redis.js'
import { hostname } from 'node:os'
import { localProcesses } from '../adapters/host/local-processes.js'
import { createLlmProvider } from '../adapters/llm/provider-factories.js'
import { DatabaseJobQueue } from '../adapters/queue/database.js'
import { connectRedis, pingRedis } from '../adapters/redis/connection.js'
import { BwrapSandbox } from '../adapters/sandbox/bwrap.js'
import { OffSandbox } from '../adapters/sandbox/off.js'
import { PostgresGenerationStore } from '../adapters/store/postgres.js'
import { SqliteGenerationStore } from '../adapters/store/sqlite.js'
import { HttpWebhookSender } from '../adapters/webhook/http.js'
import { loadLanguageRegistry, type LanguageRegistry } from '../analysis/language-registry.js'
import { AnalysisPool } from '../analysis/worker-pool.js'
import type { Config } from '../config.js'
import { createMetrics, localModelRecorder, metricsRecorder, type Metrics } from '../metrics.js'
import { version } from '../paths.js'
import type { Cache } from '../ports/cache.js'
import type { ComponentStatus } from '../ports/component-status.js'
import { systemClock, type Clock } from '../ports/clock.js'
import type { GenerationStore } from '../ports/generation-store.js'
import type { JobQueue } from '../ports/job-queue.js'
import type { LlmProvider } from '../ports/llm-provider.js'
import type { Sandbox } from '../ports/sandbox.js'
import { AnalysisService } from '../services/analysis.js'
import type { PublishedEvent } from '../services/generation/event-hub.js'
import { GenerationService } from '../services/generation/generation-service.js'
import { componentCheck, databaseCheck, HealthService, llmCheck } from '../services/health.js'
import { CallbackDelivery, checkCallbackUrl } from '../services/jobs/callbacks.js'
import { JobEventSignals } from '../services/jobs/job-events.js'
import { JobService } from '../services/jobs/job-service.js'
import { JobWorker } from '../services/jobs/job-worker.js'
import { runQueued } from '../services/jobs/queued-run.js'
import { Admission } from '../services/usage/admission.js'
import { buildAccess, type AccessServices } from './access-services.js'
import { Verifier } from '../services/verification/verifier.js'

/** Everything the routes use, built once per app from the configuration. */
export interface Services {
  readonly config: Config
  readonly clock: Clock
  readonly languages: LanguageRegistry
  readonly store: GenerationStore
  readonly cache: Cache
  readonly llm: LlmProvider | null
  /** The shared Redis connection when `REDIS_URL` is set (cache, rate limiter and event bus use it). */
  readonly redis: Redis | null
  readonly metrics: Metrics
  readonly health: HealthService
  readonly analysis: AnalysisService
  readonly generation: GenerationService
  /** Generations queued for workers (`/api/jobs`). */
  readonly jobs: JobService
  /** The worker inside this process, or null in a pure API process (`WORKER_CONCURRENCY=0`). */
  readonly worker: JobWorker | null
  /** Runs tests and compiler checks in the sandbox (`POST /api/verify`, the generation's verify stage). */
  readonly verifier: Verifier
  readonly access: AccessServices
}

/** Replacements for the adapters the configuration would choose; tests use them. */
export type AppDependencies = Partial<
  Pick<Services, 'clock' | 'languages' | 'store' | 'cache' | 'llm' | 'metrics'> & {
    sandbox: Sandbox
  }
>

/** The sandbox `SANDBOX` names; also `verigen doctor`'s, which checks bubblewrap whatever is set. */
export function createSandbox(backend: Config['verification']['sandbox']): Sandbox {
  return backend === 'bwrap' ? new BwrapSandbox() : new OffSandbox()
}

declare module 'fastify' {
  interface FastifyInstance {
    services: Services
  }
}

export function openStore(config: Config['database']): Promise<GenerationStore> {
  return config.kind === 'postgres'
    ? PostgresGenerationStore.open(config.url)
    : SqliteGenerationStore.open(config.url)
}

/** The composition root: the only place that chooses adapters. */
export const containerPlugin = fp<{ config: Config; dependencies: AppDependencies }>(
  async (app, { config, dependencies }) => {
    const clock = dependencies.clock ?? systemClock
    const languages = dependencies.languages ?? loadLanguageRegistry()
    const store = dependencies.store ?? (await openStore(config.database))
    const redis = config.redis.url
      ? await connectRedis(config.redis.url, app.log).catch(async (error: unknown) => {
          await store.close()
          throw error
        })
      : null
    const cache =
      dependencies.cache ??
      (redis
        ? new RedisCache(redis, {
            ttlSeconds: config.cache.ttlSeconds,
            keyPrefix: config.redis.keyPrefix,
          })
        : new MemoryCache(config.cache, clock))
    const metrics = dependencies.metrics ?? createMetrics()
    const recorder = metricsRecorder(metrics)
    const llm =
      dependencies.llm !== undefined
        ? dependencies.llm
        : createLlmProvider(config.llm, app.log, {
            slots: config.generation.concurrency,
            observer: localModelRecorder(metrics),
          })
    const accessParts = buildAccess(config, store, clock, app.log)
    const { settings } = accessParts
    await settings.start()
    const rateLimiterStatus = {
      async status(): Promise<ComponentStatus> {
        const { requests, window_ms } = settings.current().rate_limit
        if (requests === 0) {
          return {
            status: 'not_configured',
            detail: 'the rate_limit setting (RATE_LIMIT_REQUESTS) is 0',
          }
        }
        const limits = { limit: requests, window_ms }
        if (!redis) return { status: 'ok', backend: 'memory', ...limits }
        return { status: 'ok', backend: 'redis', latency_ms: await pingRedis(redis), ...limits }
      },
    }
    const pool = new AnalysisPool({
      size: config.analysis.workers,
      timeoutMs: config.analysis.timeoutMs,
      memoryBytes: config.analysis.workerMemoryBytes,
    })
    const analysis = new AnalysisService(languages, pool, config.analysis)
    const { sandbox: backend, timeoutMs, memoryMb, outputBytes, concurrency } = config.verification
    const sandbox = dependencies.sandbox ?? createSandbox(backend)
    const verifier = new Verifier(
      sandbox,
      languages,
      { enabled: backend !== 'off', limits: { timeoutMs, memoryMb, outputBytes }, concurrency },
      recorder,
      app.log,
    )
    // Not awaited: finding the runners takes seconds, and the server answers meanwhile (a run
    // waits for it; health and /api/languages say what is known so far).
    void verifier.start()
    const bus = redis
      ? new RedisGenerationBus<PublishedEvent>(redis, {
          keyPrefix: config.redis.keyPrefix,
          logger: app.log,
        })
      : null
    const { jobs: jobSettings } = config
    const queue: JobQueue = redis
      ? // Loaded only with Redis: BullMQ and its dependencies cost a single-machine setup memory.
        new (await import('../adapters/queue/bullmq.js')).BullmqJobQueue({
          url: config.redis.url as string,
          keyPrefix: config.redis.keyPrefix,
          stallMs: jobSettings.stallMs,
          logger: app.log,
        })
      : new DatabaseJobQueue({
          store: store.jobs,
          clock,
          stallMs: jobSettings.stallMs,
          logger: app.log,
          probe: () => store.ping(),
        })
    const signals = new JobEventSignals()
    // Set below: the generation service of a pure API process queues through it.
    let jobs: JobService | null = null
    const generation = new GenerationService({
      llm,
      languages,
      analysis,
      store,
      cache,
      metrics: recorder,
      logger: app.log,
      clock,
      processes: localProcesses,
      requestSettings: () => {
        const current = settings.current()
        return {
          defaultModel: current.default_model,
          allowedModels: current.allowed_models,
          maxPromptLength: current.max_prompt_length,
          verifyDefault: current.verify_default,
        }
      },
      settings: {
        maxOutputTokens: config.llm.maxOutputTokens,
        concurrency: config.generation.concurrency,
        batchConcurrency: config.generation.batchConcurrency,
        cacheTtlSeconds: config.cache.ttlSeconds,
        instanceHeartbeatMs: config.generation.instanceHeartbeatMs,
        idempotencyWaitMs: config.generation.idempotencyWaitMs,
      },
      bus,
      verification: {
        verifier,
        verifyDefault: () => settings.current().verify_default,
        metrics: recorder,
      },
      viaQueue:
        jobSettings.workerConcurrency === 0
          ? (job, options) => runQueued(jobs as JobService, job, options)
          : null,
    })
    const callbacks = config.webhooks.secret
      ? new CallbackDelivery(
          new HttpWebhookSender(config.webhooks.allowedHosts),
          { secret: config.webhooks.secret, allowedHosts: config.webhooks.allowedHosts },
          app.log,
          clock,
        )
      : null
    const worker =
      jobSettings.workerConcurrency > 0
        ? new JobWorker({
            jobs: store.jobs,
            queue,
            generation,
            signals,
            deliver: callbacks
              ? (url, event, body) => void callbacks.deliver(url, event, body)
              : null,
            clock,
            logger: app.log,
            metrics: recorder,
            settings: {
              concurrency: jobSettings.workerConcurrency,
              attempts: jobSettings.attempts,
              stallMs: jobSettings.stallMs,
              shutdownTimeoutMs: config.server.shutdownTimeoutMs,
            },
            host: { name: hostname(), pid: process.pid },
          })
        : null
    jobs = new JobService({
      store,
      queue,
      generation,
      checkCallbackUrl: (url) => checkCallbackUrl(url, config.webhooks.allowedHosts),
      signals,
      clock,
      logger: app.log,
      metrics: recorder,
      settings: jobSettings,
      provider: llm?.id ?? null,
      cancelHere: worker ? (id) => worker.cancel(id) : undefined,
    })
    const jobService = jobs
    // Before the first request: what a crashed predecessor left running becomes interrupted.
    await generation.start()
    await bus?.serve(generation.owner)
    jobService.start()
    worker?.start()
    if (config.llm.local.preload && llm?.warm) {
      // In the background: the server answers (health, analysis) while the weights load.
      llm.warm().catch((error: unknown) => {
        app.log.error({ err: error, provider: llm.id }, 'the local model could not be preloaded')
      })
    }
    const healthTimeoutMs = 3000
    const health = new HealthService(
      [
        llmCheck(llm, {
          intervalMs: config.llm.healthIntervalMs,
          timeoutMs: Math.min(config.llm.timeoutMs, healthTimeoutMs - 500),
          clock,
          logger: app.log,
        }),
        databaseCheck(store),
        componentCheck('cache', cache),
        componentCheck('rate_limiter', rateLimiterStatus),
        componentCheck('analysis', {
          status: async () => ({ status: 'ok', backend: 'worker-processes', ...pool.stats }),
        }),
        componentCheck('generation', {
          status: async () => ({ status: 'ok', ...generation.stats }),
        }),
        componentCheck('queue', { status: () => jobService.health() }),
        componentCheck(
          'sandbox',
          { status: async () => verifier.health() },
          { backend: sandbox.backend, languages_available: [] },
        ),
      ],
      {
        version,
        auth: config.auth.mode,
        startedAt: clock.now(),
        clock,
        timeoutMs: healthTimeoutMs,
      },
    )
    app.decorate('services', {
      config,
      clock,
      languages,
      store,
      cache,
      llm,
      redis,
      metrics,
      health,
      analysis,
      generation,
      jobs: jobService,
      worker,
      verifier,
      access: {
        ...accessParts,
        admission: new Admission(
          accessParts.budgets,
          () => settings.current().verify_default,
          backend !== 'off',
          recorder,
        ),
      },
    } satisfies Services)

    // The worker takes no new job from the moment shutdown begins; its runs finish meanwhile.
    let workerStopped: Promise<void> = Promise.resolve()
    app.addHook('preClose', async () => {
      workerStopped = worker?.stop() ?? Promise.resolve()
    })
    app.addHook('onClose', async () => {
      await workerStopped
      jobService.stop()
      await settings.stop()
      callbacks?.close()
      await queue.close()
      await generation.stop()
      await Promise.allSettled([
        store.close(),
        cache.close(),
        pool.close(),
        bus?.close(),
        llm?.close?.(),
      ])
      await redis?.quit().catch(() => redis.disconnect())
    })
  },
  { name: 'container' },
)
