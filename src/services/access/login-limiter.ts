import { AppError } from '../../errors.js'
import type { AccessStore } from '../../ports/access-store.js'
import type { Clock } from '../../ports/clock.js'

/** The settings of config.auth.login. */
export interface LoginLimits {
  /** Failed logins naming one user within the window before further attempts are refused. */
  maxFailures: number
  /** Failed logins from one address within the window before further attempts are refused. */
  maxFailuresPerIp: number
  windowMs: number
}

/** The audit action the limiter counts. */
export const LOGIN_FAILED = 'login.failed'

/**
 * Limits password guessing per user name and per client address. The failures are counted in the
 * audit trail, so every process sharing the database sees the same count; attempts still running
 * in this process count too, so a burst of parallel guesses cannot slip in before the first
 * failure is written. The answer is the same whether or not the user exists.
 */
export class LoginLimiter {
  private readonly running = new Map<string, number>()

  constructor(
    private readonly store: AccessStore,
    private readonly clock: Clock,
    private readonly limits: LoginLimits,
  ) {}

  /**
   * Runs `attempt` unless `name` or `ip` used up their failures in the window.
   * @throws AppError APP_ERR_RATE_LIMITED (429, Retry-After) when they did
   */
  async run<T>(name: string, ip: string | null, attempt: () => Promise<T>): Promise<T> {
    const keys = [`name:${name}`, ...(ip === null ? [] : [`ip:${ip}`])]
    const since = new Date(this.clock.now() - this.limits.windowMs).toISOString()
    const [byName, byIp] = await Promise.all([
      this.store.countAudit(LOGIN_FAILED, since, { target: name }),
      ip === null ? 0 : this.store.countAudit(LOGIN_FAILED, since, { ip }),
    ])
    if (
      byName + this.inFlight(keys[0]!) >= this.limits.maxFailures ||
      (ip !== null && byIp + this.inFlight(keys[1]!) >= this.limits.maxFailuresPerIp)
    )
      throw this.refusal()
    for (const key of keys) this.running.set(key, this.inFlight(key) + 1)
    try {
      return await attempt()
    } finally {
      for (const key of keys) {
        const left = this.inFlight(key) - 1
        if (left > 0) this.running.set(key, left)
        else this.running.delete(key)
      }
    }
  }

  private inFlight(key: string): number {
    return this.running.get(key) ?? 0
  }

  private refusal(): AppError {
    const seconds = Math.max(1, Math.ceil(this.limits.windowMs / 1000))
    return new AppError('APP_ERR_RATE_LIMITED', `Too many failed logins; retry in ${seconds} s`, {
      retryable: true,
      headers: { 'retry-after': String(seconds) },
      extra: { retry_after_s: seconds },
    })
  }
}
