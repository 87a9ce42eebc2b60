import { CaseList, type ParsedReport } from './report.js'

/**
 * `test name ... ok`, `... FAILED`, `... ignored` (`ignored, reason` since Rust 1.61); a
 * `#[should_panic]` test reads `test name - should panic ... ok`.
 */
const RESULT = /^test (\S+)(?: - should panic)? \.\.\. (ok|FAILED|ignored\b.*)$/
/** A test whose result line never came: the harness died while it ran. */
const STARTED = /^test (\S+)(?: - should panic)? \.\.\. ?$/
/** `---- name stdout ----`: the captured output and panic message of a failed test. */
const CAPTURED = /^---- (\S+) stdout ----$/

/** Output kept per failed test; the message is trimmed further when the case is added. */
const CAPTURE_CHARS = 16 * 1024

/**
 * The plain output of Rust's test harness (`cargo test -- --test-threads=1`; JSON output needs
 * a nightly compiler). A failed test's message is its `---- name stdout ----` section, where the
 * panic message is. The report is complete once a `test result:` summary line follows the cases.
 */
export function parseCargoTest(source: string): ParsedReport | null {
  const lines = source.split('\n')
  const outcomes = new Map<string, 'passed' | 'failed' | 'skipped' | 'error'>()
  const captured = new Map<string, string>()
  let sawRunning = false
  let complete = false
  let capturing: string | null = null
  let pending: string | null = null
  let afterPending = ''
  for (const raw of lines) {
    const line = raw.replace(/\r$/, '')
    if (/^running \d+ tests?$/.test(line)) {
      sawRunning = true
      complete = false
      continue
    }
    const result = RESULT.exec(line)
    if (result?.[1] && result[2]) {
      const outcome = result[2] === 'ok' ? 'passed' : result[2] === 'FAILED' ? 'failed' : 'skipped'
      outcomes.set(result[1], outcome)
      pending = null
      continue
    }
    const started = STARTED.exec(line)
    if (started?.[1]) {
      pending = started[1]
      afterPending = ''
      continue
    }
    if (line.startsWith('test result: ')) {
      complete = true
      capturing = null
      continue
    }
    const section = CAPTURED.exec(line)
    if (section?.[1]) {
      capturing = section[1]
      captured.set(capturing, '')
      continue
    }
    if (line === 'failures:' || line === 'successes:') {
      capturing = null
      continue
    }
    if (capturing !== null) {
      const text = captured.get(capturing) ?? ''
      if (text.length < CAPTURE_CHARS) captured.set(capturing, `${text}${line}\n`)
    } else if (pending !== null && afterPending.length < CAPTURE_CHARS) {
      afterPending += `${line}\n`
    }
  }
  if (!sawRunning) return null
  if (pending !== null && !outcomes.has(pending)) {
    outcomes.set(pending, 'error')
    captured.set(pending, afterPending || 'the test harness stopped while this test ran')
    complete = false
  }
  const list = new CaseList()
  for (const [name, outcome] of outcomes) list.add(name, outcome, captured.get(name) ?? null)
  return list.report(complete)
}
