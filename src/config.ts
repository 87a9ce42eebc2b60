import { existsSync, readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { resolve } from 'node:path'
import { parseEnv } from 'node:util'
import { z } from 'zod'
import {
  LLM_PROVIDER_IDS,
  LLM_PROVIDERS,
  llmProviderSpec,
  PROVIDER_VARIABLES,
  LOCAL_MODEL_PULL_COMMAND,
  type LlmProviderId,
  type LlmProviderSpec,
} from './llm-providers.js'
import { defaultModelFile } from './models/catalogue.js'
import { modelName, parseModelSource } from './models/source.js'

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

/** Technologies that can isolate test runs; `off` is the absence of one, never an unsandboxed run. */
export const SANDBOX_BACKENDS = ['bwrap', 'off'] as const
export type SandboxBackend = (typeof SANDBOX_BACKENDS)[number]

/** The validated, frozen settings of one process. Built only by {@link loadConfig}. */
export interface Config {
  readonly server: {
    readonly host: string
    readonly port: number
    readonly apiPrefix: string
    readonly corsOrigins: readonly string[]
    readonly trustProxy: boolean | string
    /** Largest request body accepted, in bytes. */
    readonly bodyLimit: number
    /** Time a client has to send a whole request, in milliseconds. */
    readonly requestTimeoutMs: number
    /** How long in-flight requests may run after SIGTERM before their sockets are closed. */
    readonly shutdownTimeoutMs: number
  }
  readonly log: { readonly level: (typeof LOG_LEVELS)[number]; readonly pretty: boolean }
  readonly database: { readonly kind: 'sqlite' | 'postgres'; readonly url: string }
  readonly redis: { readonly url: string | null; readonly keyPrefix: string }
  readonly llm: {
    readonly provider: LlmProviderId | null
    readonly model: string | null
    readonly baseUrl: string | null
    readonly apiKey: string | null
    readonly timeoutMs: number
    readonly maxRetries: number
    /** Limit of one model call, retries and their waits included. */
    readonly deadlineMs: number
    /** First retry backoff; each further retry doubles it (with jitter). */
    readonly retryBaseMs: number
    /** Longest reply asked of the model per call, in tokens. */
    readonly maxOutputTokens: number
    /** Largest reply read from the upstream per call, in bytes; a larger one fails the call. */
    readonly maxReplyBytes: number
    /** Models a request may pick with `options.model`; the default model is always allowed. */
    readonly allowedModels: readonly string[]
    /** Minimum time between two health probes of the provider. */
    readonly healthIntervalMs: number
    /** The model run inside this process (`LLM_PROVIDER=local`) and where model files live. */
    readonly local: {
      /**
       * The model to run: `LOCAL_MODEL` as given (a file path, an http(s) URL of a `.gguf` file
       * or `hf:<user>/<repo>/<file>.gguf`), else the model file found in `modelsDir`; null when
       * the local provider is not in use.
       */
      readonly source: string | null
      /** Where pulled models are stored (`LOCAL_MODELS_DIR`), absolute. */
      readonly modelsDir: string
      /** The Hugging Face host `hf:` sources are downloaded from (`HF_ENDPOINT`). */
      readonly hfEndpoint: string
      /** Load the model at start rather than on the first generation. */
      readonly preload: boolean
      /** Seconds without a call after which the model is unloaded; 0 keeps it loaded. */
      readonly idleUnloadS: number
      /** Tokens of context per generation slot; null = the model's own, at most 8192. */
      readonly contextSize: number | null
      /** CPU threads of inference; null = the CPU's math cores, as node-llama-cpp counts them. */
      readonly threads: number | null
      /** `auto` uses a GPU build when one is installed and works, `off` stays on the CPU. */
      readonly gpu: 'auto' | 'off'
    }
  }
  readonly generation: {
    /** Generations running at once in this process; more wait in line. */
    readonly concurrency: number
    /** Generations of one batch running at once. */
    readonly batchConcurrency: number
    /** Interval of SSE heartbeat comments and WebSocket pings on open streams. */
    readonly heartbeatMs: number
    /**
     * Interval at which this API process records that it is alive; after three missed beats, a
     * peer sharing the database marks the process's unfinished generations `interrupted`.
     */
    readonly instanceHeartbeatMs: number
    /**
     * How long a retry with an `Idempotency-Key` waits for the first request's generation when
     * another API process runs it; then it answers 409 `APP_ERR_IDEMPOTENCY_IN_PROGRESS`.
     */
    readonly idempotencyWaitMs: number
  }
  readonly rateLimit: { readonly max: number; readonly windowMs: number }
  readonly cache: { readonly maxEntries: number; readonly ttlSeconds: number }
  readonly limits: { readonly maxPromptLength: number }
  readonly analysis: {
    /** Worker processes that run every analysis. */
    readonly workers: number
    /** Running time of one analysis. */
    readonly timeoutMs: number
    /** Time of one batch, waiting included. */
    readonly batchTimeoutMs: number
    /** Memory of one worker process, in bytes. */
    readonly workerMemoryBytes: number
    readonly maxFileBytes: number
    /** Largest body of `POST /analyze` and `POST /analyze/batch`, in bytes. */
    readonly bodyLimit: number
  }
  readonly verification: {
    /** What isolates the test runs; `off` turns verification off (there is no unsandboxed mode). */
    readonly sandbox: SandboxBackend
    /** Whether a generation verifies its tests when the request does not say (`options.verify`). */
    readonly verifyDefault: boolean
    /** Wall time of one run, compile steps included. */
    readonly timeoutMs: number
    /** Memory of one run, in MiB. */
    readonly memoryMb: number
    /** stdout and stderr kept of one run, in bytes; a run printing far more is stopped. */
    readonly outputBytes: number
    /** Runs at once in this process; more wait for a slot. */
    readonly concurrency: number
  }
  readonly jobs: {
    /** Jobs a worker inside this process runs at once; 0 makes a pure API process. */
    readonly workerConcurrency: number
    /**
     * Port on which `verigen worker` answers `/metrics` and `/api/health` (on `HOST`), or null
     * for none. The API's own port is `PORT`.
     */
    readonly workerPort: number | null
    /** Runs of one job at most: retryable failures and dead workers both use one up. */
    readonly attempts: number
    /** A running job whose worker has not renewed its claim for this long goes back to the queue. */
    readonly stallMs: number
    /** Jobs waiting at most; beyond, `POST /api/jobs` answers 503 APP_ERR_QUEUE_FULL. */
    readonly queueMax: number
    /** Finished jobs (not their generations) are deleted after this long. */
    readonly retentionHours: number
  }
  readonly webhooks: {
    /** Key of the `X-Verigen-Signature` HMAC; null when callbacks are off. */
    readonly secret: string | null
    /**
     * Host names a `callback_url` may name (`*.example.com` matches subdomains); empty turns
     * callbacks off.
     */
    readonly allowedHosts: readonly string[]
  }
  readonly auth: {
    /** `on`: every route but the public ones needs a credential; `off`: one anonymous user. */
    readonly mode: 'off' | 'on'
    /** Whether `AUTH` was set; `off` chosen explicitly on a public address is logged as a warning. */
    readonly explicit: boolean
    /** HS256 key of the access tokens this server signs; null when AUTH is off and none is set. */
    readonly jwtSecret: string | null
    readonly accessTtlMs: number
    readonly refreshTtlMs: number
    /** An external OIDC issuer whose tokens are accepted as well, or null. */
    readonly jwks: {
      readonly url: string
      readonly issuer: string
      readonly audience: string
    } | null
    /** Clock skew allowed when checking `exp`, `nbf` and `iat`. */
    readonly clockToleranceMs: number
    /** Bearer token `/metrics` asks for, or null for none. */
    readonly metricsToken: string | null
    readonly login: {
      /** Failed logins of one user name within `windowMs` before further attempts are refused. */
      readonly maxFailures: number
      /** Failed logins from one address within `windowMs` before further attempts are refused. */
      readonly maxFailuresPerIp: number
      readonly windowMs: number
    }
  }
  /** Starting values of the default budgets (runtime settings override them); 0 is no limit. */
  readonly budgets: {
    readonly requestsPerMinute: number
    readonly concurrentGenerations: number
    readonly tokensPerDay: number
    readonly verifyRunsPerDay: number
  }
  /** How often each process reads the runtime settings back from the database. */
  readonly settings: { readonly refreshMs: number }
  /** Values that must never reach a log line, a stored row or a response: keys and passwords. */
  readonly secrets: readonly string[]
}

/** Raised when the environment does not describe a runnable service; one line per problem. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  ${problem}`).join('\n')}`)
    this.name = 'ConfigError'
  }
}

function invalid(ctx: z.RefinementCtx, message: string): typeof z.NEVER {
  ctx.addIssue({ code: 'custom', message })
  return z.NEVER
}

function integer(min: number, max = Number.MAX_SAFE_INTEGER) {
  return z.string().transform((raw, ctx) => {
    const text = raw.trim()
    const value = Number(text)
    if (!/^\d+$/.test(text) || value < min || value > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `from ${min} to ${max}`
      return invalid(ctx, `must be an integer ${range}, got '${raw}'`)
    }
    return value
  })
}

function boolean() {
  return z.string().transform((raw, ctx) => {
    const text = raw.trim().toLowerCase()
    if (['1', 'true', 'yes', 'on'].includes(text)) return true
    if (['0', 'false', 'no', 'off'].includes(text)) return false
    return invalid(ctx, `must be true or false, got '${raw}'`)
  })
}

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  kb: 1024,
  kib: 1024,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
}

/** Bytes, written as `1048576`, `512kb` or `1MiB` (binary multiples), at least 1kb. */
function byteSize(max = Number.MAX_SAFE_INTEGER) {
  return z.string().transform((raw, ctx) => {
    const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(raw.trim())
    const unit = SIZE_UNITS[match?.[2]?.toLowerCase() ?? 'x']
    if (!match || unit === undefined) {
      return invalid(ctx, `must be a size such as 1048576, 512kb or 1MiB, got '${raw}'`)
    }
    const bytes = Math.floor(Number(match[1]) * unit)
    if (bytes < 1024) return invalid(ctx, `must be at least 1kb, got '${raw}'`)
    if (bytes > max) return invalid(ctx, `must be at most ${max} bytes, got '${raw}'`)
    return bytes
  })
}

const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  '': 1000,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
}

/**
 * A duration in milliseconds, written in seconds (`60`) or with a unit (`500ms`, `30s`, `1m`,
 * `1h`, `30d`).
 */
function duration(min = 1, max = Number.MAX_SAFE_INTEGER) {
  return z.string().transform((raw, ctx) => {
    const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|)$/i.exec(raw.trim())
    const unit = DURATION_UNITS[match?.[2]?.toLowerCase() ?? 'x']
    if (!match || unit === undefined || Number(match[1]) <= 0) {
      return invalid(
        ctx,
        `must be a duration such as 60 (seconds), 30s, 1m, 1h, 30d or 500ms, got '${raw}'`,
      )
    }
    const milliseconds = Math.round(Number(match[1]) * unit)
    if (milliseconds < min || milliseconds > max) {
      return invalid(ctx, `must be from ${min} ms to ${max} ms, got '${raw}'`)
    }
    return milliseconds
  })
}

function oneOf<const T extends readonly string[]>(values: T) {
  return z.string().transform((raw, ctx) => {
    const text = raw.trim().toLowerCase()
    if ((values as readonly string[]).includes(text)) return text as T[number]
    return invalid(ctx, `must be one of ${values.join(', ')}, got '${raw}'`)
  })
}

function sandboxBackend() {
  return z.string().transform((raw, ctx) => {
    const text = raw.trim().toLowerCase()
    if ((SANDBOX_BACKENDS as readonly string[]).includes(text)) return text as SandboxBackend
    return invalid(
      ctx,
      `must be ${SANDBOX_BACKENDS.join(' or ')} (off turns verification off; there is no unsandboxed mode), got '${raw}'`,
    )
  })
}

function url(protocols: readonly string[], example: string) {
  return z.string().transform((raw, ctx) => {
    const text = raw.trim()
    let parsed: URL
    try {
      parsed = new URL(text)
    } catch {
      return invalid(ctx, `must be a URL such as ${example}, got '${redactUrl(text)}'`)
    }
    if (!protocols.includes(parsed.protocol)) {
      return invalid(
        ctx,
        `must use ${protocols.map((protocol) => `${protocol}//`).join(' or ')}, got '${redactUrl(text)}'`,
      )
    }
    return text.replace(/\/+$/, '')
  })
}

/** Hides the password of a URL so that an error message never prints a credential. */
export function redactUrl(text: string): string {
  return text.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@')
}

/**
 * `sqlite://<path>` (relative to the working directory, or `sqlite://:memory:`) or `postgres://…`
 * (also `postgresql://`). Schemes are case-insensitive (RFC 3986, 3.1), so the scheme comes back
 * in lower case: `SQLite://x.db` is `sqlite://x.db`, never a PostgreSQL URL.
 */
function databaseUrl() {
  const postgres = url(['postgres:', 'postgresql:'], 'postgres://user@127.0.0.1:5432/verigen')
  return z.string().transform((raw, ctx) => {
    const text = raw.trim().replace(/^[a-z][a-z0-9+.-]*:/i, (scheme) => scheme.toLowerCase())
    if (text.startsWith('sqlite:')) {
      const path = text.replace(/^sqlite:(\/\/)?/i, '')
      if (path === '') return invalid(ctx, `must name a file, such as sqlite://./data/verigen.db`)
      return text
    }
    const parsed = postgres.safeParse(text)
    if (parsed.success) return parsed.data
    return invalid(
      ctx,
      `must be sqlite://<file> or postgres://user@host:5432/db, got '${redactUrl(text)}'`,
    )
  })
}

function corsOrigins() {
  return z.string().transform((raw, ctx) => {
    const origins = raw
      .split(',')
      .map((origin) => origin.trim())
      .filter(Boolean)
    for (const origin of origins) {
      if (origin === '*') continue
      try {
        const parsed = new URL(origin)
        if (parsed.origin !== origin.replace(/\/$/, '')) throw new Error('not an origin')
      } catch {
        return invalid(
          ctx,
          `must be a comma-separated list of origins such as https://app.example.com, or *, got '${origin}'`,
        )
      }
    }
    return origins.map((origin) => origin.replace(/\/$/, ''))
  })
}

function apiPrefix() {
  return z.string().transform((raw, ctx) => {
    const text = raw.trim().replace(/\/+$/, '')
    if (!/^\/[A-Za-z0-9._~\-/]*$/.test(text) || text === '') {
      return invalid(ctx, `must be a path starting with '/', such as /api, got '${raw}'`)
    }
    return text
  })
}

/** A comma-separated list; blanks are dropped. */
function list() {
  return z.string().transform((raw) =>
    raw
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean),
  )
}

/** A comma-separated list of host names, each optionally `*.`-prefixed; stored in lower case. */
function hostList() {
  return z.string().transform((raw, ctx) => {
    const hosts = raw
      .split(',')
      .map((host) => host.trim().toLowerCase())
      .filter(Boolean)
    for (const host of hosts) {
      if (!/^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(host)) {
        return invalid(
          ctx,
          `must be a comma-separated list of host names such as hooks.example.com or *.example.com, got '${host}'`,
        )
      }
    }
    return hosts
  })
}

function trustProxy() {
  return z.string().transform((raw): boolean | string => {
    const text = raw.trim().toLowerCase()
    if (['1', 'true', 'yes', 'on'].includes(text)) return true
    if (['0', 'false', 'no', 'off', ''].includes(text)) return false
    return raw.trim()
  })
}

const environmentSchema = z.object({
  PORT: integer(0, 65535).default(8000),
  HOST: z.string().trim().min(1).default('127.0.0.1'),
  API_PREFIX: apiPrefix().default('/api'),
  LOG_LEVEL: oneOf(LOG_LEVELS).default('info'),
  LOG_PRETTY: boolean().default(false),
  CORS_ORIGINS: corsOrigins().default([]),
  TRUST_PROXY: trustProxy().default(false),
  BODY_LIMIT: byteSize().default(1024 * 1024),
  REQUEST_TIMEOUT_MS: integer(1000).default(30_000),
  SHUTDOWN_TIMEOUT_MS: integer(0).default(10_000),
  DATABASE_URL: databaseUrl().default('sqlite://./data/verigen.db'),
  REDIS_URL: url(['redis:', 'rediss:'], 'redis://127.0.0.1:6379').optional(),
  REDIS_KEY_PREFIX: z.string().trim().min(1).max(64).default('verigen:'),
  LLM_PROVIDER: oneOf(LLM_PROVIDER_IDS).optional(),
  LLM_MODEL: z.string().trim().min(1).optional(),
  LLM_BASE_URL: url(['http:', 'https:'], 'http://127.0.0.1:11434/v1').optional(),
  LLM_API_KEY: z.string().trim().min(1).optional(),
  LLM_TIMEOUT_MS: integer(1000).default(60_000),
  LLM_MAX_RETRIES: integer(0, 10).default(2),
  LLM_DEADLINE_MS: integer(1000).optional(),
  LLM_RETRY_BASE_MS: integer(1, 60_000).default(500),
  LLM_MAX_OUTPUT_TOKENS: integer(16, 1_000_000).default(4096),
  LLM_MAX_REPLY_BYTES: byteSize().optional(),
  LLM_ALLOWED_MODELS: list().default([]),
  LLM_HEALTH_INTERVAL_MS: integer(1000).default(60_000),
  LOCAL_MODELS_DIR: z.string().trim().min(1).default('./data/models'),
  LOCAL_PRELOAD: boolean().default(false),
  LOCAL_IDLE_UNLOAD_S: integer(0, 31_536_000).default(900),
  LOCAL_CONTEXT_SIZE: integer(256, 1_048_576).optional(),
  LOCAL_THREADS: integer(1, 1024).optional(),
  LOCAL_GPU: oneOf(['auto', 'off']).default('auto'),
  HF_ENDPOINT: url(['http:', 'https:'], 'https://huggingface.co').default('https://huggingface.co'),
  RATE_LIMIT_REQUESTS: integer(0, 1_000_000).default(100),
  RATE_LIMIT_WINDOW: duration(1000, 86_400_000).default(60_000),
  MAX_PROMPT_LENGTH: integer(10, 1_000_000).default(2000),
  GENERATION_CONCURRENCY: integer(1, 10_000).optional(),
  BATCH_CONCURRENCY: integer(1, 20).default(3),
  STREAM_HEARTBEAT_MS: integer(100, 600_000).default(15_000),
  INSTANCE_HEARTBEAT_MS: integer(50, 3_600_000).default(10_000),
  IDEMPOTENCY_WAIT_MS: integer(0, 3_600_000).default(300_000),
  CACHE_MAX_ENTRIES: integer(0).default(1000),
  CACHE_TTL_SECONDS: integer(1).default(3600),
  ANALYSIS_WORKERS: integer(1, 64).default(Math.max(1, Math.min(8, availableParallelism() - 1))),
  ANALYSIS_TIMEOUT_MS: integer(100).default(10_000),
  ANALYSIS_BATCH_TIMEOUT_MS: integer(100).default(30_000),
  ANALYSIS_WORKER_MEMORY: byteSize().default(512 * 1024 * 1024),
  ANALYSIS_MAX_FILE_BYTES: byteSize().default(1024 * 1024),
  ANALYSIS_BODY_LIMIT: byteSize().optional(),
  SANDBOX: sandboxBackend().default('bwrap'),
  VERIFY_DEFAULT: boolean().default(true),
  // A JVM or a Cargo build needs seconds; ten minutes would hold a slot past any client's patience.
  VERIFY_TIMEOUT_MS: integer(1000, 600_000).default(20_000),
  // Below 64 MiB not even a Python interpreter with pytest starts.
  VERIFY_MEMORY_MB: integer(64, 65_536).default(512),
  // The output travels in the response and the history: 16 MiB is the most worth keeping.
  VERIFY_OUTPUT_BYTES: byteSize(16 * 1024 ** 2).default(65_536),
  VERIFY_CONCURRENCY: integer(1, 1024).default(availableParallelism()),
  WORKER_CONCURRENCY: integer(0, 1024).default(4),
  WORKER_PORT: integer(0, 65535).optional(),
  JOB_ATTEMPTS: integer(1, 100).default(3),
  JOB_STALL_MS: integer(1000, 3_600_000).default(30_000),
  JOB_QUEUE_MAX: integer(1, 10_000_000).default(10_000),
  JOB_RETENTION_HOURS: integer(1, 87_600).default(168),
  WEBHOOK_SECRET: z.string().trim().min(16, 'must be at least 16 characters').optional(),
  WEBHOOK_ALLOWED_HOSTS: hostList().default([]),
  AUTH: oneOf(['off', 'on'] as const).optional(),
  JWT_SECRET: z.string().trim().min(32, 'must be at least 32 characters').optional(),
  JWT_ACCESS_TTL: duration().default(15 * 60_000),
  JWT_REFRESH_TTL: duration().default(30 * 86_400_000),
  JWT_JWKS_URL: url(
    ['https:', 'http:'],
    'https://issuer.example.com/.well-known/jwks.json',
  ).optional(),
  JWT_ISSUER: z.string().trim().min(1).optional(),
  JWT_AUDIENCE: z.string().trim().min(1).optional(),
  JWT_CLOCK_TOLERANCE: duration().default(30_000),
  METRICS_TOKEN: z.string().trim().min(16, 'must be at least 16 characters').optional(),
  LOGIN_MAX_FAILURES: integer(1, 1000).default(5),
  LOGIN_MAX_FAILURES_PER_IP: integer(1, 100_000).default(20),
  LOGIN_WINDOW: duration().default(15 * 60_000),
  BUDGET_REQUESTS_PER_MINUTE: integer(0, 1e12).default(0),
  BUDGET_CONCURRENT_GENERATIONS: integer(0, 1e12).default(0),
  BUDGET_TOKENS_PER_DAY: integer(0, 1e12).default(0),
  BUDGET_VERIFY_RUNS_PER_DAY: integer(0, 1e12).default(0),
  SETTINGS_REFRESH_MS: integer(100, 600_000).default(2000),
})

/** Addresses only this machine can reach: the one place where AUTH may default to off. */
export function isLoopbackHost(host: string): boolean {
  const text = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1')
  return text === 'localhost' || text === '::1' || /^127(\.\d{1,3}){3}$/.test(text)
}

function resolveAuth(env: Environment, problems: string[]): Config['auth'] {
  const mode = env.AUTH ?? (isLoopbackHost(env.HOST) ? 'off' : null)
  if (mode === null) {
    problems.push(
      `AUTH: required when HOST is '${env.HOST}', an address other machines can reach; set AUTH=on (with JWT_SECRET) to require credentials, or AUTH=off to serve everyone without one`,
    )
  }
  if (mode === 'on' && !env.JWT_SECRET) {
    problems.push(
      'JWT_SECRET: required when AUTH=on (it signs the access tokens); at least 32 characters, e.g. the output of `openssl rand -hex 32`',
    )
  }
  const external = [env.JWT_JWKS_URL, env.JWT_ISSUER, env.JWT_AUDIENCE]
  if (external.some(Boolean) && !external.every(Boolean)) {
    problems.push(
      'JWT_JWKS_URL: JWT_JWKS_URL, JWT_ISSUER and JWT_AUDIENCE are set together (a token is accepted only from that issuer, for that audience)',
    )
  }
  return {
    mode: mode ?? 'on',
    explicit: env.AUTH !== undefined,
    jwtSecret: env.JWT_SECRET ?? null,
    accessTtlMs: env.JWT_ACCESS_TTL,
    refreshTtlMs: env.JWT_REFRESH_TTL,
    jwks:
      env.JWT_JWKS_URL && env.JWT_ISSUER && env.JWT_AUDIENCE
        ? { url: env.JWT_JWKS_URL, issuer: env.JWT_ISSUER, audience: env.JWT_AUDIENCE }
        : null,
    clockToleranceMs: env.JWT_CLOCK_TOLERANCE,
    metricsToken: env.METRICS_TOKEN ?? null,
    login: {
      maxFailures: env.LOGIN_MAX_FAILURES,
      maxFailuresPerIp: env.LOGIN_MAX_FAILURES_PER_IP,
      windowMs: env.LOGIN_WINDOW,
    },
  }
}

/** The providers' own variables (`OPENAI_API_KEY`, …), named by the table of `llm-providers.ts`. */
const providerEnvironmentSchema = z.object(
  Object.fromEntries(
    PROVIDER_VARIABLES.map((name) => [name, z.string().trim().min(1).optional()] as const),
  ),
)

type Environment = z.output<typeof environmentSchema>
type ProviderEnvironment = Readonly<Record<string, string | undefined>>

/**
 * Chooses the model provider the way the original design did: `LLM_PROVIDER` when set, else the
 * first row of the provider table whose selecting variable is set (an OpenAI key alone means
 * OpenAI), else the local model when a model file lies in `LOCAL_MODELS_DIR` (the first run:
 * `npx verigen models pull`, then `npm start`). The generic `LLM_*` variables win over a
 * provider's own names.
 */
function resolveLlm(
  env: Environment,
  providerEnv: ProviderEnvironment,
  problems: string[],
): Config['llm'] {
  const variables: Readonly<Record<string, unknown>> = { ...env, ...providerEnv }
  const variable = (name: string | null): string | undefined => {
    const value = name === null ? undefined : variables[name]
    return typeof value === 'string' ? value : undefined
  }
  const modelsDir = resolve(env.LOCAL_MODELS_DIR)
  let spec: LlmProviderSpec | null = env.LLM_PROVIDER
    ? llmProviderSpec(env.LLM_PROVIDER)
    : (LLM_PROVIDERS.find((row: LlmProviderSpec) => variable(row.selectedBy)) ?? null)
  let localSource: string | null = null
  if (spec === null || spec.endpoint === 'in-process') {
    localSource = variable('LOCAL_MODEL') ?? defaultModelFile(modelsDir)?.path ?? null
    if (spec === null && localSource !== null) spec = llmProviderSpec('local')
  }
  if (spec?.endpoint === 'in-process') {
    return resolveLocal(env, spec, localSource, modelsDir, problems)
  }
  const provider = (spec?.id ?? null) as LlmProviderId | null
  const apiKey = env.LLM_API_KEY ?? variable(spec?.keyVariable ?? null) ?? null
  const model = env.LLM_MODEL ?? variable(spec?.modelVariable ?? null) ?? spec?.defaultModel ?? null
  const baseUrl = env.LLM_BASE_URL ?? spec?.defaultBaseUrl ?? null

  if (spec?.requiresKey && !apiKey) {
    const alternative = spec.keyVariable ? ` (or set ${spec.keyVariable})` : ''
    problems.push(`LLM_API_KEY: required when LLM_PROVIDER is '${spec.id}'${alternative}`)
  }
  if (spec && !baseUrl) {
    problems.push(
      `LLM_BASE_URL: required when LLM_PROVIDER is '${spec.id}', e.g. http://127.0.0.1:11434/v1`,
    )
  }
  if (spec && !model) {
    problems.push(
      `LLM_MODEL: required when LLM_PROVIDER is '${spec.id}' (the model name your server serves)`,
    )
  }
  return {
    provider,
    model,
    baseUrl,
    apiKey,
    ...callLimits(env, model),
    local: localSettings(env, null, modelsDir),
  }
}

/**
 * The local model: its source is checked here, so that a mistyped `LOCAL_MODEL` stops the start
 * with the other problems. Its name (the file's, without `.gguf`) is the model the API reports.
 */
function resolveLocal(
  env: Environment,
  spec: LlmProviderSpec,
  source: string | null,
  modelsDir: string,
  problems: string[],
): Config['llm'] {
  let model: string | null = null
  if (source === null) {
    problems.push(
      `LOCAL_MODEL: required when LLM_PROVIDER is '${spec.id}' and LOCAL_MODELS_DIR ('${modelsDir}') holds no .gguf file; run '${LOCAL_MODEL_PULL_COMMAND}' or set LOCAL_MODEL to a file path, an http(s) URL or hf:<user>/<repo>/<file>.gguf`,
    )
  } else {
    try {
      model = modelName(parseModelSource(source))
    } catch (error) {
      problems.push(`LOCAL_MODEL: ${(error as Error).message}`)
    }
  }
  return {
    provider: spec.id as LlmProviderId,
    model,
    baseUrl: null,
    apiKey: null,
    ...callLimits(env, model),
    local: localSettings(env, source, modelsDir),
  }
}

function localSettings(
  env: Environment,
  source: string | null,
  modelsDir: string,
): Config['llm']['local'] {
  return {
    source,
    modelsDir,
    hfEndpoint: env.HF_ENDPOINT,
    preload: env.LOCAL_PRELOAD,
    idleUnloadS: env.LOCAL_IDLE_UNLOAD_S,
    contextSize: env.LOCAL_CONTEXT_SIZE ?? null,
    threads: env.LOCAL_THREADS ?? null,
    gpu: env.LOCAL_GPU,
  }
}

/** The limits of model calls, the same for every provider. */
function callLimits(env: Environment, model: string | null) {
  return {
    timeoutMs: env.LLM_TIMEOUT_MS,
    maxRetries: env.LLM_MAX_RETRIES,
    deadlineMs: Math.max(
      env.LLM_DEADLINE_MS ?? 2 * env.LLM_TIMEOUT_MS + 30_000,
      env.LLM_TIMEOUT_MS,
    ),
    retryBaseMs: env.LLM_RETRY_BASE_MS,
    maxOutputTokens: env.LLM_MAX_OUTPUT_TOKENS,
    // A streamed token arrives as one SSE event of 150-250 bytes (JSON framing around a few
    // characters); 256 bytes a token, and never less than 8 MiB, leaves room for any honest reply.
    maxReplyBytes:
      env.LLM_MAX_REPLY_BYTES ?? Math.max(8 * 1024 ** 2, 256 * env.LLM_MAX_OUTPUT_TOKENS),
    allowedModels: [...new Set([...(model ? [model] : []), ...env.LLM_ALLOWED_MODELS])],
    healthIntervalMs: env.LLM_HEALTH_INTERVAL_MS,
  }
}

/** The password of a URL such as `postgres://user:password@host/db`, if it has one. */
function urlPassword(text: string | undefined): string | null {
  if (!text) return null
  try {
    const password = new URL(text).password
    return password ? decodeURIComponent(password) : null
  } catch {
    return null
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner)
    Object.freeze(value)
  }
  return value
}

/** Reads the optional env file; variables already in the environment win over it. */
function readEnvFile(environment: NodeJS.ProcessEnv): Record<string, string> {
  const path = resolve(environment.ENV_FILE ?? '.env')
  if (!existsSync(path)) {
    if (environment.ENV_FILE) throw new ConfigError([`ENV_FILE: no file at '${path}'`])
    return {}
  }
  return parseEnv(readFileSync(path, 'utf8')) as Record<string, string>
}

/**
 * Validates the environment once and returns the frozen configuration.
 * Empty values count as unset, so `LLM_API_KEY=` in a `.env` file means "no key".
 * @throws ConfigError listing every problem, one line each, naming the variable.
 */
export function loadConfig(environment: NodeJS.ProcessEnv = process.env): Config {
  const merged: Record<string, string> = {}
  for (const [name, value] of Object.entries({ ...readEnvFile(environment), ...environment })) {
    if (value !== undefined && value.trim() !== '') merged[name] = value
  }
  const parsed = environmentSchema.safeParse(merged)
  const parsedProviders = providerEnvironmentSchema.safeParse(merged)
  if (!parsed.success || !parsedProviders.success) {
    throw new ConfigError(
      [...(parsed.error?.issues ?? []), ...(parsedProviders.error?.issues ?? [])].map(
        (issue) => `${issue.path.join('.')}: ${issue.message}`,
      ),
    )
  }
  const env = parsed.data
  const providerEnv: ProviderEnvironment = parsedProviders.data
  const problems: string[] = []
  const llm = resolveLlm(env, providerEnv, problems)
  const auth = resolveAuth(env, problems)
  if (env.WEBHOOK_ALLOWED_HOSTS.length > 0 && !env.WEBHOOK_SECRET) {
    problems.push(
      'WEBHOOK_SECRET: required when WEBHOOK_ALLOWED_HOSTS is set (callbacks are signed with it); at least 16 characters',
    )
  }
  if (problems.length > 0) throw new ConfigError(problems)
  const providerKeys = LLM_PROVIDERS.map((row: LlmProviderSpec) => row.keyVariable)
    .filter((name): name is string => name !== null)
    .map((name) => providerEnv[name])
  const secrets = [
    env.LLM_API_KEY,
    ...providerKeys,
    urlPassword(env.DATABASE_URL),
    urlPassword(env.REDIS_URL),
    urlPassword(env.HF_ENDPOINT),
    env.WEBHOOK_SECRET,
    env.JWT_SECRET,
    env.METRICS_TOKEN,
  ].filter((secret): secret is string => Boolean(secret))

  return deepFreeze({
    server: {
      host: env.HOST,
      port: env.PORT,
      apiPrefix: env.API_PREFIX,
      corsOrigins: env.CORS_ORIGINS,
      trustProxy: env.TRUST_PROXY,
      bodyLimit: env.BODY_LIMIT,
      requestTimeoutMs: env.REQUEST_TIMEOUT_MS,
      shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    },
    log: { level: env.LOG_LEVEL, pretty: env.LOG_PRETTY },
    database: {
      // The scheme is in lower case already (databaseUrl).
      kind: env.DATABASE_URL.startsWith('sqlite:') ? 'sqlite' : 'postgres',
      url: env.DATABASE_URL,
    },
    redis: { url: env.REDIS_URL ?? null, keyPrefix: env.REDIS_KEY_PREFIX },
    llm,
    rateLimit: { max: env.RATE_LIMIT_REQUESTS, windowMs: env.RATE_LIMIT_WINDOW },
    cache: { maxEntries: env.CACHE_MAX_ENTRIES, ttlSeconds: env.CACHE_TTL_SECONDS },
    limits: { maxPromptLength: env.MAX_PROMPT_LENGTH },
    generation: {
      // A local model on a CPU serves a few sequences at once, not the dozens an API can.
      concurrency: env.GENERATION_CONCURRENCY ?? (llm.provider === 'local' ? 2 : 64),
      batchConcurrency: env.BATCH_CONCURRENCY,
      heartbeatMs: env.STREAM_HEARTBEAT_MS,
      instanceHeartbeatMs: env.INSTANCE_HEARTBEAT_MS,
      idempotencyWaitMs: env.IDEMPOTENCY_WAIT_MS,
    },
    analysis: {
      workers: env.ANALYSIS_WORKERS,
      timeoutMs: env.ANALYSIS_TIMEOUT_MS,
      batchTimeoutMs: env.ANALYSIS_BATCH_TIMEOUT_MS,
      workerMemoryBytes: env.ANALYSIS_WORKER_MEMORY,
      maxFileBytes: env.ANALYSIS_MAX_FILE_BYTES,
      // JSON escaping can double a file's size. Parsing a body holds the event loop for about
      // 15 ms per MiB, so a batch gets no more room than one file.
      bodyLimit: env.ANALYSIS_BODY_LIMIT ?? 2 * env.ANALYSIS_MAX_FILE_BYTES + 64 * 1024,
    },
    verification: {
      sandbox: env.SANDBOX,
      verifyDefault: env.VERIFY_DEFAULT,
      timeoutMs: env.VERIFY_TIMEOUT_MS,
      memoryMb: env.VERIFY_MEMORY_MB,
      outputBytes: env.VERIFY_OUTPUT_BYTES,
      concurrency: env.VERIFY_CONCURRENCY,
    },
    jobs: {
      workerConcurrency: env.WORKER_CONCURRENCY,
      workerPort: env.WORKER_PORT ?? null,
      attempts: env.JOB_ATTEMPTS,
      stallMs: env.JOB_STALL_MS,
      queueMax: env.JOB_QUEUE_MAX,
      retentionHours: env.JOB_RETENTION_HOURS,
    },
    webhooks: { secret: env.WEBHOOK_SECRET ?? null, allowedHosts: env.WEBHOOK_ALLOWED_HOSTS },
    auth,
    budgets: {
      requestsPerMinute: env.BUDGET_REQUESTS_PER_MINUTE,
      concurrentGenerations: env.BUDGET_CONCURRENT_GENERATIONS,
      tokensPerDay: env.BUDGET_TOKENS_PER_DAY,
      verifyRunsPerDay: env.BUDGET_VERIFY_RUNS_PER_DAY,
    },
    settings: { refreshMs: env.SETTINGS_REFRESH_MS },
    secrets,
  })
}
