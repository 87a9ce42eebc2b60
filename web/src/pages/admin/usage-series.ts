import type { ChartSeries } from '../../components/chart.js'
import type { UsageCounts, UsageReport } from './types.js'

/** Rows without a model are verification runs, which use none. */
export const NO_MODEL = 'Verification (no model)'
/** Rows without a user are requests made while AUTH was off, or by a deleted user. */
export const NO_USER = 'Anonymous or deleted'

const DAY_MS = 86_400_000
const MAX_DAYS = 400

/** Every UTC day (YYYY-MM-DD) of the report's period: `from` inclusive, `to` exclusive. */
export function daysOf(from: string, to: string): string[] {
  const start = Date.parse(from.slice(0, 10) + 'T00:00:00Z')
  const end = Date.parse(to)
  if (Number.isNaN(start) || Number.isNaN(end)) return []
  const days: string[] = []
  for (let day = start; day < end && days.length < MAX_DAYS; day += DAY_MS) {
    days.push(new Date(day).toISOString().slice(0, 10))
  }
  return days
}

/**
 * Tokens per day per model, for the line chart: one label per day of the period (days without
 * use are 0, so the lines do not skip them), one series per model, by name.
 */
export function tokenSeries(report: UsageReport): { labels: string[]; series: ChartSeries[] } {
  const labels = daysOf(report.from, report.to)
  for (const row of report.rows) if (!labels.includes(row.day)) labels.push(row.day)
  labels.sort()
  const index = new Map(labels.map((day, position) => [day, position]))
  const byModel = new Map<string, number[]>()
  for (const row of report.rows) {
    if (row.model === null) continue
    let values = byModel.get(row.model)
    if (!values) {
      values = labels.map(() => 0)
      byModel.set(row.model, values)
    }
    const position = index.get(row.day)
    if (position !== undefined) values[position] = (values[position] ?? 0) + row.total_tokens
  }
  const series = [...byModel.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([label, values]) => ({ label, values }))
  return { labels: series.length > 0 ? labels : [], series }
}

export interface UsageSummaryRow extends UsageCounts {
  user: string
  model: string
}

function emptyCounts(): UsageCounts {
  return {
    generations: 0,
    prompt_tokens: 0,
    completion_tokens: 0,
    total_tokens: 0,
    verify_runs: 0,
    estimated_cost_usd: null,
  }
}

/** The report summed over days: one row per user and model, by user then model. */
export function usageByUserAndModel(report: UsageReport): UsageSummaryRow[] {
  const rows = new Map<string, UsageSummaryRow>()
  for (const row of report.rows) {
    const user = row.user ?? (row.user_id ? `${row.user_id} (deleted)` : NO_USER)
    const model = row.model ?? NO_MODEL
    const key = JSON.stringify([user, model])
    let summary = rows.get(key)
    if (!summary) {
      summary = { user, model, ...emptyCounts() }
      rows.set(key, summary)
    }
    summary.generations += row.generations
    summary.prompt_tokens += row.prompt_tokens
    summary.completion_tokens += row.completion_tokens
    summary.total_tokens += row.total_tokens
    summary.verify_runs += row.verify_runs
    if (row.estimated_cost_usd !== null) {
      summary.estimated_cost_usd = (summary.estimated_cost_usd ?? 0) + row.estimated_cost_usd
    }
  }
  return [...rows.values()].sort(
    (a, b) => a.user.localeCompare(b.user) || a.model.localeCompare(b.model),
  )
}

/** A cost in US dollars: cents, or more digits for sums below a cent; a dash for none. */
export function formatCost(value: number | null): string {
  if (value === null) return '–'
  if (value > 0 && value < 0.01) return `$${value.toFixed(4)}`
  return `$${value.toFixed(2)}`
}
