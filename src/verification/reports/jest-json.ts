import type { CASE_OUTCOMES } from '../../schemas/verification.js'
import { asArray, asNumber, asObject, asString, parseJson } from './json.js'
import { CaseList, type ParsedReport, type ReportContext } from './report.js'

const OUTCOMES: Readonly<Record<string, (typeof CASE_OUTCOMES)[number]>> = {
  passed: 'passed',
  failed: 'failed',
  pending: 'skipped',
  skipped: 'skipped',
  todo: 'skipped',
  disabled: 'skipped',
}

/** Stack frames inside the runner's own packages say nothing about the code under test. */
function withoutRunnerFrames(message: string): string {
  return message
    .split('\n')
    .filter((line) => !/^\s+at .*node_modules\//.test(line) && !/^\s+at new Promise/.test(line))
    .join('\n')
}

/**
 * Jest's `--json` report: each test file's `assertionResults`, named as Jest prints them
 * (`describe › test`). A file that failed to run at all (a syntax or import error) has no
 * results but a `message`; it becomes one `error` case named after the file.
 */
export function parseJestJson(source: string, context: ReportContext): ParsedReport | null {
  const report = asObject(parseJson(source))
  if (!report || !Array.isArray(report.testResults)) return null
  const list = new CaseList()
  for (const fileValue of asArray(report.testResults)) {
    const file = asObject(fileValue)
    if (!file) continue
    const results = asArray(file.assertionResults)
    for (const resultValue of results) {
      const result = asObject(resultValue)
      if (!result) continue
      const title = asString(result.title) ?? ''
      const ancestors = asArray(result.ancestorTitles).filter(
        (value): value is string => typeof value === 'string',
      )
      const outcome = OUTCOMES[asString(result.status) ?? ''] ?? 'error'
      const messages = asArray(result.failureMessages).filter(
        (value): value is string => typeof value === 'string',
      )
      list.add(
        [...ancestors, title].join(' › '),
        outcome,
        withoutRunnerFrames(messages.join('\n')),
        asNumber(result.duration),
      )
    }
    const message = asString(file.message) ?? asString(asObject(file.testExecError)?.message)
    if (results.length === 0 && asString(file.status) === 'failed') {
      list.add(
        context.testFile,
        'error',
        withoutRunnerFrames(message ?? 'the test file failed to run'),
      )
    }
  }
  return list.report(true)
}
