import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { MetricsRecorder } from './ports/metrics-recorder.js'

const SECONDS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120]

/**
 * The Prometheus registry of one app instance and the metrics every layer records into.
 * One registry per app (not prom-client's global one) keeps several apps in one test process apart.
 */
export interface Metrics {
  readonly registry: Registry
  readonly httpRequests: Counter<'method' | 'route' | 'status_code'>
  readonly httpRequestDuration: Histogram<'method' | 'route' | 'status_code'>
  readonly generations: Counter<'language' | 'status'>
  readonly generationDuration: Histogram<'language' | 'status'>
  /** Whether the code parsed on the first answer, after repairs, or never. */
  readonly generationParse: Counter<'language' | 'outcome'>
  readonly generationRepairs: Counter<'language'>
  readonly generationCache: Counter<'result'>
  readonly llmCalls: Counter<'provider' | 'stage' | 'outcome'>
  readonly llmTokens: Counter<'provider' | 'kind'>
  readonly llmDuration: Histogram<'provider' | 'stage'>
  readonly verifyRuns: Counter<'language' | 'outcome'>
  readonly verifyDuration: Histogram<'language'>
  readonly fixRounds: Counter<'language'>
  readonly weakTests: Counter<'language'>
  readonly jobs: Counter<'outcome'>
  readonly jobWait: Histogram
  readonly jobDuration: Histogram<'outcome'>
  readonly jobsWaiting: Gauge
  readonly jobsStalled: Counter
  readonly authRefusals: Counter<'reason'>
  readonly quotaRefusals: Counter<'budget'>
  /** 1 while the local model is in memory (`LLM_PROVIDER=local`), else 0. */
  readonly localModelLoaded: Gauge
  readonly localModelLoadDuration: Histogram
  readonly localModelUnloads: Counter<'reason'>
  readonly localModelFirstToken: Histogram
  readonly localModelDecodeRate: Histogram
}

export function createMetrics(): Metrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  const counter = <Label extends string>(name: string, help: string, labelNames: Label[]) =>
    new Counter({ name, help, labelNames, registers: [registry] })
  const histogram = <Label extends string>(
    name: string,
    help: string,
    labelNames: Label[],
    buckets: number[],
  ) => new Histogram({ name, help, labelNames, buckets, registers: [registry] })
  return {
    registry,
    httpRequests: counter(
      'http_requests_total',
      'HTTP requests answered, by method, route template and status code.',
      ['method', 'route', 'status_code'],
    ),
    httpRequestDuration: histogram(
      'http_request_duration_seconds',
      'Time from request received to response sent, by method, route template and status code.',
      ['method', 'route', 'status_code'],
      [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    ),
    generations: counter(
      'verigen_generations_total',
      'Generations finished, by language and status (completed, partial, failed, cancelled).',
      ['language', 'status'],
    ),
    generationDuration: histogram(
      'verigen_generation_duration_seconds',
      'Time from a generation getting its slot to its result, by language and status.',
      ['language', 'status'],
      SECONDS,
    ),
    generationParse: counter(
      'verigen_generation_parse_total',
      'Generated code by parse outcome: first_pass (parsed at once), after_repair, never.',
      ['language', 'outcome'],
    ),
    generationRepairs: counter(
      'verigen_generation_repair_attempts_total',
      'Repair requests sent to the model because generated code did not parse.',
      ['language'],
    ),
    generationCache: counter(
      'verigen_generation_cache_total',
      'Generation requests by cache result: hit, miss, coalesced (joined an identical request in flight), bypass.',
      ['result'],
    ),
    llmCalls: counter(
      'verigen_llm_calls_total',
      'Model calls by provider, stage (code, tests, docs) and outcome (ok, error, cancelled).',
      ['provider', 'stage', 'outcome'],
    ),
    llmTokens: counter(
      'verigen_llm_tokens_total',
      'Tokens used, by provider and kind (prompt, completion).',
      ['provider', 'kind'],
    ),
    llmDuration: histogram(
      'verigen_llm_call_duration_seconds',
      'Upstream latency of one model call, retries included, by provider and stage.',
      ['provider', 'stage'],
      SECONDS,
    ),
    verifyRuns: counter(
      'verigen_verify_runs_total',
      'Test runs in the sandbox, by language and outcome (passed, failed, error, skipped).',
      ['language', 'outcome'],
    ),
    verifyDuration: histogram(
      'verigen_verify_duration_seconds',
      'Wall time of one test run in the sandbox, compile steps included, by language.',
      ['language'],
      SECONDS,
    ),
    fixRounds: counter(
      'verigen_generation_fix_rounds_total',
      'Fix rounds: the model asked to correct code or tests after a failed test run, by language.',
      ['language'],
    ),
    weakTests: counter(
      'verigen_tests_weak_total',
      'Generations whose tests still passed against a stub of the code after one request for stronger tests, by language.',
      ['language'],
    ),
    jobs: counter(
      'verigen_jobs_total',
      'Job runs ended, by outcome (completed, failed, cancelled, retried, handed_back).',
      ['outcome'],
    ),
    jobWait: histogram(
      'verigen_job_wait_seconds',
      'Time a job waited in the queue before a worker started it.',
      [],
      SECONDS,
    ),
    jobDuration: histogram(
      'verigen_job_duration_seconds',
      'Time of one run of a job on a worker, by outcome.',
      ['outcome'],
      SECONDS,
    ),
    jobsWaiting: new Gauge({
      name: 'verigen_jobs_waiting',
      help: 'Jobs queued and not yet started, as last counted by this process.',
      registers: [registry],
    }),
    jobsStalled: new Counter({
      name: 'verigen_jobs_stalled_total',
      help: 'Running jobs put back in the queue because their worker stopped renewing its claim.',
      registers: [registry],
    }),
    authRefusals: counter(
      'verigen_auth_refusals_total',
      'Requests refused before their route ran: unauthenticated (401) or forbidden (403).',
      ['reason'],
    ),
    quotaRefusals: counter(
      'verigen_quota_refusals_total',
      'Requests refused because a user budget was used up, by budget.',
      ['budget'],
    ),
    localModelLoaded: new Gauge({
      name: 'verigen_local_model_loaded',
      help: 'Whether the local model (LLM_PROVIDER=local) is in memory: 1 loaded, 0 not.',
      registers: [registry],
    }),
    localModelLoadDuration: histogram(
      'verigen_local_model_load_seconds',
      'Time to load the local model into memory (its weights and one context for every slot).',
      [],
      SECONDS,
    ),
    localModelUnloads: counter(
      'verigen_local_model_unloads_total',
      'Times the local model left memory, by reason (idle: LOCAL_IDLE_UNLOAD_S passed; close).',
      ['reason'],
    ),
    localModelFirstToken: histogram(
      'verigen_local_model_first_token_seconds',
      'Time from a local model call getting its slot to its first generated token (prompt evaluation).',
      [],
      [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
    ),
    localModelDecodeRate: histogram(
      'verigen_local_model_tokens_per_second',
      'Tokens per second the local model generated in one call, after its first token.',
      [],
      [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000],
    ),
  }
}

/** What the local model reports: loads, unloads and the speed of each call. */
export function localModelRecorder(metrics: Metrics) {
  return {
    loaded({ durationMs }: { durationMs: number; bytes: number }): void {
      metrics.localModelLoaded.set(1)
      metrics.localModelLoadDuration.observe(durationMs / 1000)
    },
    unloaded(reason: 'idle' | 'close'): void {
      metrics.localModelLoaded.set(0)
      metrics.localModelUnloads.inc({ reason })
    },
    generated(call: {
      promptTokens: number
      completionTokens: number
      firstTokenMs: number | null
      durationMs: number
    }): void {
      if (call.firstTokenMs === null) return
      metrics.localModelFirstToken.observe(call.firstTokenMs / 1000)
      const decodeMs = call.durationMs - call.firstTokenMs
      if (call.completionTokens > 1 && decodeMs > 0) {
        metrics.localModelDecodeRate.observe((call.completionTokens - 1) / (decodeMs / 1000))
      }
    },
  }
}

/** The generation use case's view of the registry: what happened, not how Prometheus counts it. */
export function metricsRecorder(metrics: Metrics): MetricsRecorder {
  return {
    cacheLookup: (result) => metrics.generationCache.inc({ result }),
    llmCall: ({ provider, stage, outcome, seconds }) => {
      metrics.llmDuration.observe({ provider, stage }, seconds)
      metrics.llmCalls.inc({ provider, stage, outcome })
    },
    llmTokens: (provider, kind, count) => metrics.llmTokens.inc({ provider, kind }, count),
    generationFinished: ({ language, status, seconds }) => {
      metrics.generations.inc({ language, status })
      metrics.generationDuration.observe({ language, status }, seconds)
    },
    generationParsed: (language, outcome, repairs) => {
      metrics.generationParse.inc({ language, outcome })
      metrics.generationRepairs.inc({ language }, repairs)
    },
    verifyRun: (language, outcome, seconds) => {
      metrics.verifyRuns.inc({ language, outcome })
      metrics.verifyDuration.observe({ language }, seconds)
    },
    fixRound: (language) => metrics.fixRounds.inc({ language }),
    quotaExceeded: (budget) => metrics.quotaRefusals.inc({ budget }),
    weakTests: (language) => metrics.weakTests.inc({ language }),
    jobStarted: (waitSeconds) => metrics.jobWait.observe(waitSeconds),
    jobEnded: (outcome, seconds) => {
      metrics.jobs.inc({ outcome })
      metrics.jobDuration.observe({ outcome }, seconds)
    },
    jobsWaiting: (count) => metrics.jobsWaiting.set(count),
    jobsStalled: (count) => metrics.jobsStalled.inc(count),
  }
}
