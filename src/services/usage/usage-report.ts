import type { AccessStore } from '../../ports/access-store.js'
import { systemClock, type Clock } from '../../ports/clock.js'
import { ValidationError } from '../../errors.js'
import type { LiveSettings, UsageReportBody } from '../../schemas/settings.js'

export type { UsageReportBody } from '../../schemas/settings.js'

export interface UsageReportOptions {
  store: AccessStore
  /** Gives the prices the cost estimate uses, as they are at the time of the report. */
  settings: { current(): LiveSettings }
  clock?: Clock
}

/** The period and user of a report; ISO-8601 dates or times (see `usageQuerySchema`). */
export interface UsageReportQuery {
  /** Inclusive; default 30 days before `to`. */
  from?: string | undefined
  /** Exclusive; a date alone counts that whole day. Default: now. */
  to?: string | undefined
  userId?: string | undefined
}

const DAY_MS = 86_400_000
const DEFAULT_DAYS = 30
const MAX_DAYS = 366
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/

type Row = UsageReportBody['rows'][number]

/**
 * `GET /api/admin/usage`: tokens, generations and verification runs by UTC day, user and model,
 * with a cost estimate from the prices setting. Costs use today's prices for every day: the
 * report estimates, it does not bill.
 */
export class UsageReport {
  private readonly clock: Clock

  constructor(private readonly options: UsageReportOptions) {
    this.clock = options.clock ?? systemClock
  }

  /** @throws ValidationError for an unreadable date, an empty period or one over 366 days. */
  async report(query: UsageReportQuery): Promise<UsageReportBody> {
    const to = query.to === undefined ? this.clock.now() : parseTime('to', query.to, true)
    const from =
      query.from === undefined ? to - DEFAULT_DAYS * DAY_MS : parseTime('from', query.from, false)
    if (from >= to) {
      throw new ValidationError(`query.from must come before query.to`, [
        { field: 'query.from', rule: 'before_to', message: 'must come before to' },
      ])
    }
    if (to - from > MAX_DAYS * DAY_MS) {
      throw new ValidationError(`A usage report covers at most ${MAX_DAYS} days`, [
        { field: 'query.to', rule: 'max_period', message: `at most ${MAX_DAYS} days after from` },
      ])
    }
    const fromText = new Date(from).toISOString()
    const toText = new Date(to).toISOString()
    const [usage, users] = await Promise.all([
      this.options.store.usageReport({ from: fromText, to: toText, userId: query.userId }),
      this.options.store.listUsers(),
    ])
    const names = new Map(users.map((user) => [user.id, user.name]))
    const prices = this.options.settings.current().prices
    const unpriced = new Set<string>()
    const rows = usage.map((entry): Row => {
      const price = entry.model === null ? undefined : prices[entry.model]
      const tokens = entry.promptTokens + entry.completionTokens
      if (entry.model !== null && price === undefined && tokens > 0) unpriced.add(entry.model)
      return {
        day: entry.day,
        user_id: entry.userId,
        user: entry.userId === null ? null : (names.get(entry.userId) ?? null),
        model: entry.model,
        generations: entry.generations,
        prompt_tokens: entry.promptTokens,
        completion_tokens: entry.completionTokens,
        total_tokens: tokens,
        verify_runs: entry.verifyRuns,
        estimated_cost_usd: price
          ? roundUsd(
              (entry.promptTokens * price.input_per_million_tokens +
                entry.completionTokens * price.output_per_million_tokens) /
                1e6,
            )
          : null,
      }
    })
    return {
      from: fromText,
      to: toText,
      rows,
      totals: totalsOf(rows),
      unpriced_models: [...unpriced].sort(),
    }
  }
}

function totalsOf(rows: Row[]): UsageReportBody['totals'] {
  const totals = {
    generations: 0,
    prompt_tokens: 0,
    completion_tokens: 0,
    total_tokens: 0,
    verify_runs: 0,
  }
  let cost: number | null = null
  for (const row of rows) {
    totals.generations += row.generations
    totals.prompt_tokens += row.prompt_tokens
    totals.completion_tokens += row.completion_tokens
    totals.total_tokens += row.total_tokens
    totals.verify_runs += row.verify_runs
    if (row.estimated_cost_usd !== null) cost = (cost ?? 0) + row.estimated_cost_usd
  }
  return { ...totals, estimated_cost_usd: cost === null ? null : roundUsd(cost) }
}

/** To a millionth of a dollar, so that sums of floating-point prices print cleanly. */
function roundUsd(amount: number): number {
  return Math.round(amount * 1e6) / 1e6
}

/** Milliseconds of an ISO-8601 date or time; a date alone as `to` means the end of that day. */
function parseTime(name: 'from' | 'to', text: string, endOfDay: boolean): number {
  const time = Date.parse(DATE_ONLY.test(text) ? `${text}T00:00:00Z` : text)
  if (Number.isNaN(time)) {
    throw new ValidationError(`query.${name}: '${text}' is not an ISO-8601 date or time`, [
      { field: `query.${name}`, rule: 'iso_8601', message: 'must be an ISO-8601 date or time' },
    ])
  }
  return endOfDay && DATE_ONLY.test(text) ? time + DAY_MS : time
}
