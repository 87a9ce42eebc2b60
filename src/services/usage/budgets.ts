import { randomUUID } from 'node:crypto'
import type { AccessStore, UsageSince } from '../../ports/access-store.js'
import type { Clock } from '../../ports/clock.js'
import { QuotaExceededError } from '../../errors.js'
import type { BudgetsStatus, LiveSettings } from '../../schemas/settings.js'
import type { Principal, Viewer } from '../access/principal.js'

export type { BudgetsStatus } from '../../schemas/settings.js'

/** The budgets of one user, by name; 0 is no limit. */
export type BudgetLimits = LiveSettings['budgets']

/** What a request is about to use. */
export interface Demand {
  /** Generations it starts (a batch starts several). */
  generations: number
  /** Sandbox verification runs it starts. */
  verifyRuns: number
}

export interface BudgetsOptions {
  store: AccessStore
  /** The default budgets; read at every request, so a change applies at once. */
  settings: { current(): LiveSettings }
  clock: Clock
}

const MINUTE_MS = 60_000
const DAY_MS = 86_400_000
/** A generation slot frees when one ends, which no clock knows; clients poll this often. */
const CONCURRENCY_RETRY_S = 5

/**
 * The per-user budgets of OWASP API4 (unrestricted resource consumption): a request that would
 * exceed one is refused before it calls a model or starts the sandbox. Use is counted from the
 * history and the verification runs of the shared database, so every process sees the same
 * figures; two requests racing may both pass at the edge, which the budgets tolerate (they bound
 * cost, they do not meter it).
 */
export class Budgets {
  constructor(private readonly options: BudgetsOptions) {}

  /** The settings' default budgets with the user's own limits over them. */
  limits(viewer: Principal): BudgetLimits {
    const defaults = this.options.settings.current().budgets
    const own = viewer.limits
    return {
      requests_per_minute: own.requests_per_minute ?? defaults.requests_per_minute,
      concurrent_generations: own.concurrent_generations ?? defaults.concurrent_generations,
      tokens_per_day: own.tokens_per_day ?? defaults.tokens_per_day,
      verify_runs_per_day: own.verify_runs_per_day ?? defaults.verify_runs_per_day,
    }
  }

  /**
   * Passes when `viewer` may use `demand` now; a null viewer (`AUTH=off`) has no budget.
   *
   * @throws QuotaExceededError naming the first exhausted budget, with the seconds until it frees.
   */
  async admit(viewer: Viewer, demand: Demand): Promise<void> {
    if (viewer === null) return
    const limits = this.limits(viewer)
    const now = this.options.clock.now()
    const generating = demand.generations > 0
    const verifying = demand.verifyRuns > 0
    const perMinute =
      generating && (limits.requests_per_minute > 0 || limits.concurrent_generations > 0)
    const perDay =
      (generating && limits.tokens_per_day > 0) || (verifying && limits.verify_runs_per_day > 0)
    const [minute, day] = await Promise.all([
      perMinute ? this.usage(viewer, now - MINUTE_MS) : null,
      perDay ? this.usage(viewer, dayStart(now)) : null,
    ])

    if (minute && limits.requests_per_minute > 0) {
      const limit = limits.requests_per_minute
      if (minute.generations + demand.generations > limit) {
        const oldest = minute.oldestGeneration ? Date.parse(minute.oldestGeneration) : now
        // One millisecond past the minute: the window counts its start, so it still holds the
        // oldest at exactly 60 s.
        const retryMs = oldest + MINUTE_MS + 1 - now
        throw new QuotaExceededError('requests_per_minute', limit, retryMs / 1000)
      }
    }
    if (minute && limits.concurrent_generations > 0) {
      const limit = limits.concurrent_generations
      if (minute.active + demand.generations > limit) {
        throw new QuotaExceededError('concurrent_generations', limit, CONCURRENCY_RETRY_S)
      }
    }
    if (day && generating && limits.tokens_per_day > 0) {
      const limit = limits.tokens_per_day
      if (day.tokens >= limit) {
        throw new QuotaExceededError('tokens_per_day', limit, untilNextDay(now) / 1000)
      }
    }
    if (day && verifying && limits.verify_runs_per_day > 0) {
      const limit = limits.verify_runs_per_day
      if (day.verifyRuns + demand.verifyRuns > limit) {
        throw new QuotaExceededError('verify_runs_per_day', limit, untilNextDay(now) / 1000)
      }
    }
  }

  /**
   * Counts `count` verification runs of `viewer` (null: anonymous, still shown in the usage
   * report). `source` says whether `POST /api/verify` or a verifying generation started them.
   */
  async recordVerifyRuns(
    viewer: Viewer,
    count: number,
    source: 'api' | 'generation',
  ): Promise<void> {
    const at = new Date(this.options.clock.now()).toISOString()
    for (let index = 0; index < count; index += 1) {
      await this.options.store.recordVerifyRun({
        id: randomUUID(),
        userId: viewer?.id ?? null,
        at,
        source,
      })
    }
  }

  /** Each budget of `viewer` with its use and when it frees; null for `AUTH=off`. */
  async remaining(viewer: Viewer): Promise<BudgetsStatus | null> {
    if (viewer === null) return null
    const limits = this.limits(viewer)
    const now = this.options.clock.now()
    const [minute, day] = await Promise.all([
      this.usage(viewer, now - MINUTE_MS),
      this.usage(viewer, dayStart(now)),
    ])
    const tomorrow = new Date(now + untilNextDay(now)).toISOString()
    const oldest = minute.oldestGeneration
    return {
      requests_per_minute: {
        limit: limits.requests_per_minute,
        used: minute.generations,
        resets_at: oldest ? new Date(Date.parse(oldest) + MINUTE_MS).toISOString() : null,
      },
      concurrent_generations: {
        limit: limits.concurrent_generations,
        used: minute.active,
        resets_at: null,
      },
      tokens_per_day: { limit: limits.tokens_per_day, used: day.tokens, resets_at: tomorrow },
      verify_runs_per_day: {
        limit: limits.verify_runs_per_day,
        used: day.verifyRuns,
        resets_at: tomorrow,
      },
    }
  }

  private usage(viewer: Principal, since: number): Promise<UsageSince> {
    return this.options.store.usageSince(viewer.id, new Date(since).toISOString())
  }
}

/** 00:00 UTC of the day of `now`: the daily budgets count from there. */
function dayStart(now: number): number {
  return now - (now % DAY_MS)
}

/** Milliseconds from `now` to the next 00:00 UTC. */
function untilNextDay(now: number): number {
  return dayStart(now) + DAY_MS - now
}
