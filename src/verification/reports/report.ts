import type { CASE_OUTCOMES, TestCase, TestCounts } from '../../schemas/verification.js'
import { trimMessage } from '../trim.js'

/** Most cases kept from one report (all are counted); no generated test file has more. */
export const MAX_CASES = 500

/** What a report parser makes of a runner's report. */
export interface ParsedReport {
  /** The cases in the order the runner reported them, at most `MAX_CASES`. */
  cases: TestCase[]
  /** Every case, kept or not, by outcome. */
  counts: TestCounts
  /** False when the report ends before the runner finished (cut short, or the runner died). */
  complete: boolean
}

/** What a parser may need to name what the runner does not, e.g. a test file that failed to load. */
export interface ReportContext {
  testFile: string
}

/** Collects a report's cases, keeping the first `MAX_CASES` and counting them all. */
export class CaseList {
  readonly cases: TestCase[] = []
  readonly counts: TestCounts = { total: 0, passed: 0, failed: 0, errors: 0, skipped: 0 }

  add(
    name: string,
    outcome: (typeof CASE_OUTCOMES)[number],
    message: string | null = null,
    durationMs: number | null = null,
  ): void {
    this.counts.total++
    if (outcome === 'passed') this.counts.passed++
    else if (outcome === 'failed') this.counts.failed++
    else if (outcome === 'error') this.counts.errors++
    else this.counts.skipped++
    if (this.cases.length >= MAX_CASES) return
    this.cases.push({
      name: name.slice(0, 500),
      outcome,
      message: outcome === 'passed' ? null : trimMessage(message),
      duration_ms:
        durationMs !== null && Number.isFinite(durationMs) && durationMs >= 0
          ? Math.round(durationMs * 1000) / 1000
          : null,
    })
  }

  report(complete: boolean): ParsedReport {
    return { cases: this.cases, counts: this.counts, complete }
  }
}

/** Seconds as a report writes them (`"0.012"`) to milliseconds, or null. */
export function secondsToMs(value: unknown): number | null {
  const seconds = typeof value === 'number' ? value : Number.parseFloat(String(value ?? ''))
  return Number.isFinite(seconds) ? seconds * 1000 : null
}
