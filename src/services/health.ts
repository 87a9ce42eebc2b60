import { AppError } from '../errors.js'
import { PROVIDER_NOT_CONFIGURED_DETAIL } from '../llm-providers.js'
import type { Clock } from '../ports/clock.js'
import type { ComponentStatus } from '../ports/component-status.js'
import type { GenerationStore } from '../ports/generation-store.js'
import type { LlmProvider } from '../ports/llm-provider.js'
import type { Logger } from '../ports/logger.js'

/** One component of the health report. */
export interface HealthCheck {
  /** Key under `services` in the report. */
  name: string
  /**
   * A critical component that is down makes the service `unhealthy` (503); any other component
   * down, or any component `degraded`, makes it `degraded`.
   */
  critical: boolean
  /** Fields the report carries even when the check fails, such as the provider's name. */
  identity?: Record<string, unknown>
  check(signal: AbortSignal): Promise<ComponentStatus>
}

export interface HealthReport {
  status: 'healthy' | 'degraded' | 'unhealthy'
  version: string
  /** Whether the API asks for credentials, so that a client knows to show a login first. */
  auth: 'on' | 'off'
  uptime_s: number
  timestamp: string
  services: Record<string, ComponentStatus>
}

/** Answers `GET /api/health` by running every check at once, each under its own deadline. */
export class HealthService {
  constructor(
    private readonly checks: readonly HealthCheck[],
    private readonly options: {
      version: string
      auth: 'on' | 'off'
      startedAt: number
      clock: Clock
      timeoutMs: number
    },
  ) {}

  async report(): Promise<HealthReport> {
    const results = await Promise.all(
      this.checks.map(async (check) => [check, await this.run(check)] as const),
    )
    const down = results.filter(([, result]) => result.status === 'down')
    const degraded = results.some(([, result]) => result.status === 'degraded')
    const status = down.some(([check]) => check.critical)
      ? 'unhealthy'
      : down.length > 0 || degraded
        ? 'degraded'
        : 'healthy'
    return {
      status,
      version: this.options.version,
      auth: this.options.auth,
      uptime_s: Math.round((this.options.clock.now() - this.options.startedAt) / 100) / 10,
      timestamp: new Date(this.options.clock.now()).toISOString(),
      services: Object.fromEntries(results.map(([check, result]) => [check.name, result])),
    }
  }

  private async run(check: HealthCheck): Promise<ComponentStatus> {
    const signal = AbortSignal.timeout(this.options.timeoutMs)
    try {
      return await Promise.race([
        check.check(signal),
        new Promise<never>((_, reject) =>
          signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true }),
        ),
      ])
    } catch (error) {
      return { ...check.identity, status: 'down', detail: describe(error) }
    }
  }
}

function describe(error: unknown): string {
  if (error instanceof AppError) return error.message
  if (error instanceof Error && error.name === 'TimeoutError')
    return 'no answer within the deadline'
  return error instanceof Error ? error.message : String(error)
}

export function databaseCheck(store: GenerationStore): HealthCheck {
  return {
    name: 'database',
    critical: true,
    async check() {
      const latency = await store.ping()
      return { status: 'ok', backend: store.backend, latency_ms: Math.round(latency * 100) / 100 }
    },
  }
}

/**
 * The model provider's check. A probe is free of charge (`LlmProvider.ping` lists the models)
 * but still a request that counts against the provider's rate limits, so the answer is kept for
 * `intervalMs` and concurrent health requests share one probe.
 */
export function llmCheck(
  provider: LlmProvider | null,
  options: { intervalMs: number; timeoutMs: number; clock: Clock; logger: Logger },
): HealthCheck {
  if (!provider) {
    const status: ComponentStatus = {
      status: 'not_configured',
      provider: null,
      model: null,
      detail: PROVIDER_NOT_CONFIGURED_DETAIL,
    }
    return { name: 'llm', critical: false, check: async () => status }
  }
  const identity = { provider: provider.id, model: provider.model }
  let last: { at: number; status: ComponentStatus } | null = null
  let inFlight: Promise<ComponentStatus> | null = null

  const probe = async (): Promise<ComponentStatus> => {
    const started = options.clock.now()
    const base = { ...identity, checked_at: new Date(started).toISOString() }
    try {
      // Shared by concurrent health requests, so it has its own deadline, shorter than theirs.
      await provider.ping(AbortSignal.timeout(options.timeoutMs))
      return { status: 'ok', ...base, latency_ms: options.clock.now() - started }
    } catch (error) {
      const detail = describe(error)
      options.logger.warn(
        { provider: provider.id, model: provider.model, detail },
        'llm probe failed',
      )
      return { status: 'down', ...base, detail }
    }
  }

  const probed = async (): Promise<ComponentStatus> => {
    if (last && options.clock.now() - last.at < options.intervalMs) return last.status
    inFlight ??= probe().then((status) => {
      last = { at: options.clock.now(), status }
      inFlight = null
      return status
    })
    return inFlight
  }

  return {
    name: 'llm',
    critical: false,
    identity,
    // A local model's load state changes between probes, so its details are read each time.
    check: async () => ({ ...(await probed()), ...provider.details?.() }),
  }
}

/**
 * A non-critical component that reports its own status (cache, rate limiter, analysis,
 * generation, sandbox); `identity` is kept in the report when the check fails.
 */
export function componentCheck(
  name: string,
  component: { status(): Promise<ComponentStatus> },
  identity?: Record<string, unknown>,
): HealthCheck {
  return {
    name,
    critical: false,
    ...(identity ? { identity } : {}),
    check: () => component.status(),
  }
}
