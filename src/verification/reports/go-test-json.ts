import { asNumber, asObject, asString, parseJson } from './json.js'
import { CaseList, type ParsedReport, type ReportContext } from './report.js'

/** Output kept per test while reading; the message is trimmed further when the case is added. */
const OUTPUT_CHARS = 16 * 1024

/** Lines `go test -v` prints around a test's own output. */
const FRAMING = /^\s*(=== (RUN|PAUSE|CONT|NAME)|--- (PASS|FAIL|SKIP):)/
/**
 * A result line; test2json reading a finished output sometimes leaves a test whose binary
 * panicked without its end event, though the line is there.
 */
const RESULT_LINE = /^\s*--- (PASS|FAIL|SKIP): (\S+) \(([\d.]+)s\)/
const RESULT_OUTCOMES = { PASS: 'passed', FAIL: 'failed', SKIP: 'skipped' } as const

interface GoTest {
  outcome: 'passed' | 'failed' | 'skipped' | null
  output: string
  elapsedMs: number | null
}

function appendOutput(test: GoTest, text: string): void {
  if (FRAMING.test(text) || test.output.length >= OUTPUT_CHARS) return
  test.output += text.slice(0, OUTPUT_CHARS - test.output.length)
}

/**
 * `go test -json` (test2json) events, one JSON object a line; lines that are not JSON are
 * skipped. Subtests (`TestX/case`) are the cases; a parent counts only when it failed with
 * every subtest passing (it failed on its own). A test that started and never ended (the binary
 * crashed or was stopped) is an `error`. A package that failed with no test failing (a panic in
 * `init`, `os.Exit` in `TestMain`) adds one `error` case named after the test file.
 */
export function parseGoTestJson(source: string, context: ReportContext): ParsedReport | null {
  const tests = new Map<string, GoTest>()
  const resultLines = new Map<string, RegExpExecArray>()
  const packageState = { failed: false, ended: false, output: '' }
  let events = 0
  for (const line of source.split('\n')) {
    if (!line.startsWith('{')) continue
    const event = asObject(parseJson(line))
    const action = asString(event?.Action)
    if (!event || !action) continue
    events++
    const name = asString(event.Test)
    if (!name) {
      if (action === 'output' && packageState.output.length < OUTPUT_CHARS) {
        packageState.output += asString(event.Output) ?? ''
      }
      if (action === 'fail') packageState.failed = true
      if (action === 'pass' || action === 'fail' || action === 'skip') packageState.ended = true
      continue
    }
    let test = tests.get(name)
    if (!test) {
      test = { outcome: null, output: '', elapsedMs: null }
      tests.set(name, test)
    }
    if (action === 'output') {
      const text = asString(event.Output) ?? ''
      appendOutput(test, text)
      const result = RESULT_LINE.exec(text)
      if (result?.[1] && result[2]) resultLines.set(result[2], result)
    } else if (action === 'pass' || action === 'fail' || action === 'skip') {
      test.outcome = action === 'pass' ? 'passed' : action === 'fail' ? 'failed' : 'skipped'
      const elapsed = asNumber(event.Elapsed)
      test.elapsedMs = elapsed === null ? null : elapsed * 1000
    }
  }
  if (events === 0) return null
  for (const [name, result] of resultLines) {
    const test = tests.get(name)
    if (!test || test.outcome !== null) continue
    test.outcome = RESULT_OUTCOMES[result[1] as keyof typeof RESULT_OUTCOMES]
    test.elapsedMs = Number(result[3]) * 1000
  }
  const list = new CaseList()
  const names = [...tests.keys()]
  let unfinished = false
  for (const [name, test] of tests) {
    const children = names.filter((other) => other.startsWith(`${name}/`))
    if (children.length > 0) {
      const childFailed = children.some((child) => tests.get(child)?.outcome !== 'passed')
      if (test.outcome !== 'failed' || childFailed) continue
    }
    if (test.outcome === null) {
      unfinished = true
      list.add(name, 'error', test.output || 'the test did not finish', null)
    } else list.add(name, test.outcome, test.output, test.elapsedMs)
  }
  if (packageState.failed && list.counts.failed + list.counts.errors === 0) {
    list.add(context.testFile, 'error', packageState.output || 'the test binary failed')
  }
  return list.report(packageState.ended && !unfinished)
}
