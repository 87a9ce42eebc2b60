import type { FunctionReport, Issue } from '../schemas/analysis.js'

/** Limits a caller sets (`--max-cyclomatic`, `options.max_cyclomatic`); absent means the default. */
export interface Thresholds {
  maxCyclomatic?: number | undefined
  maxCognitive?: number | undefined
}

/** A function past a caller's limit. */
export interface Violation {
  function: string
  line: number
  metric: 'cyclomatic' | 'cognitive'
  value: number
  limit: number
}

const RULES = {
  cyclomatic: 'complexity-cyclomatic',
  cognitive: 'complexity-cognitive',
} as const

/** The functions past the limits, in report order, the cyclomatic one first for each. */
export function violations(
  functions: readonly Pick<
    FunctionReport,
    'qualified_name' | 'start_line' | 'cyclomatic_complexity' | 'cognitive_complexity'
  >[],
  thresholds: Thresholds,
): Violation[] {
  const found: Violation[] = []
  for (const unit of functions) {
    const check = (metric: Violation['metric'], value: number, limit: number | undefined) => {
      if (limit !== undefined && value > limit)
        found.push({ function: unit.qualified_name, line: unit.start_line, metric, value, limit })
    }
    check('cyclomatic', unit.cyclomatic_complexity, thresholds.maxCyclomatic)
    check('cognitive', unit.cognitive_complexity, thresholds.maxCognitive)
  }
  return found
}

/**
 * A caller's limit replaces the default one for its metric: the default issues of that rule go,
 * and each function past the caller's limit is an error, since the caller asked to fail on it.
 */
export function applyThresholds(
  issues: Issue[],
  functions: readonly FunctionReport[],
  thresholds: Thresholds,
): void {
  const replaced = new Set<string>()
  if (thresholds.maxCyclomatic !== undefined) replaced.add(RULES.cyclomatic)
  if (thresholds.maxCognitive !== undefined) replaced.add(RULES.cognitive)
  if (replaced.size === 0) return
  const kept = issues.filter((issue) => !replaced.has(issue.rule))
  issues.length = 0
  issues.push(...kept)
  for (const violation of violations(functions, thresholds)) {
    issues.push({
      rule: RULES[violation.metric],
      severity: 'error',
      message: `'${violation.function}' has a ${violation.metric} complexity of ${violation.value}; the limit is ${violation.limit}`,
      line: violation.line,
      function: violation.function,
    })
  }
}
