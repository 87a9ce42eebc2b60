import type { CASE_OUTCOMES } from '../../schemas/verification.js'
import { asArray, asNumber, asObject, asString, parseJson } from './json.js'
import { CaseList, secondsToMs, type ParsedReport, type ReportContext } from './report.js'

const OUTCOMES: Readonly<Record<string, (typeof CASE_OUTCOMES)[number]>> = {
  passed: 'passed',
  failed: 'failed',
  pending: 'skipped',
}

/**
 * RSpec's `--format json` report: each example by its full description, a failure's message
 * being the exception's class and message (the backtrace is the runner's own, mostly). Errors
 * outside examples (the spec file failed to load) become one `error` case named after the file,
 * with RSpec's messages.
 */
export function parseRspecJson(source: string, context: ReportContext): ParsedReport | null {
  const report = asObject(parseJson(source))
  if (!report || !Array.isArray(report.examples)) return null
  const list = new CaseList()
  for (const value of asArray(report.examples)) {
    const example = asObject(value)
    if (!example) continue
    const exception = asObject(example.exception)
    const exceptionText = exception
      ? [asString(exception.class), asString(exception.message)].filter(Boolean).join(': ')
      : null
    const outcome = OUTCOMES[asString(example.status) ?? ''] ?? 'error'
    list.add(
      asString(example.full_description) ?? asString(example.id) ?? '',
      outcome,
      exceptionText ?? asString(example.pending_message),
      secondsToMs(asNumber(example.run_time)),
    )
  }
  const outside = asNumber(asObject(report.summary)?.errors_outside_of_examples_count) ?? 0
  if (outside > 0) {
    const messages = asArray(report.messages).filter(
      (value): value is string => typeof value === 'string',
    )
    list.add(context.testFile, 'error', messages.join('\n') || 'the spec file failed to load')
  }
  return list.report(true)
}
