import type { CASE_OUTCOMES } from '../../schemas/verification.js'
import { CaseList, secondsToMs, type ParsedReport } from './report.js'
import { readXml } from './xml.js'

type Outcome = (typeof CASE_OUTCOMES)[number]

const OUTCOME_OF_CHILD: Readonly<Record<string, Outcome>> = {
  failure: 'failed',
  error: 'error',
  skipped: 'skipped',
}

/** Text kept per case while reading; the message is trimmed further when the case is added. */
const TEXT_CHARS = 16 * 1024

/**
 * JUnit XML as pytest, the JUnit console launcher, GoogleTest, cmocka, PHPUnit and bats write
 * it: each `<testcase>`, nested in any number of `<testsuite>`s, fails, errs or is skipped by
 * its first `<failure>`, `<error>` or `<skipped>` child, whose text (the traceback) or else
 * `message` attribute is the message. GoogleTest marks a disabled test `status="notrun"`. A case
 * is named `classname::name` (as pytest and PHPUnit print it), or `name` without a class.
 * The suites' counts are ignored: the cases are counted.
 */
export function parseJunitXml(source: string): ParsedReport | null {
  const list = new CaseList()
  let current: {
    name: string
    outcome: Outcome
    messageAttribute: string | null
    text: string
    inOutcome: boolean
    durationMs: number | null
  } | null = null
  let sawSuite = false
  const complete = readXml(source, {
    open(name, attributes) {
      if (name === 'testsuite' || name === 'testsuites') sawSuite = true
      if (name === 'testcase') {
        const caseName = attributes.name ?? ''
        const className = attributes.classname ?? attributes.class ?? ''
        current = {
          name: className ? `${className}::${caseName}` : caseName,
          outcome:
            attributes.status === 'notrun' || attributes.result === 'suppressed'
              ? 'skipped'
              : 'passed',
          messageAttribute: null,
          text: '',
          inOutcome: false,
          durationMs: secondsToMs(attributes.time),
        }
        return
      }
      const outcome = OUTCOME_OF_CHILD[name]
      if (current && outcome && current.outcome === 'passed') {
        current.outcome = outcome
        current.messageAttribute = attributes.message ?? null
        current.inOutcome = true
      }
    },
    text(text) {
      if (current?.inOutcome && current.text.length < TEXT_CHARS) {
        current.text += text.slice(0, TEXT_CHARS - current.text.length)
      }
    },
    close(name) {
      if (!current) return
      if (name === 'testcase') {
        const message = current.text.trim() || current.messageAttribute
        list.add(current.name, current.outcome, message, current.durationMs)
        current = null
      } else if (OUTCOME_OF_CHILD[name]) current.inOutcome = false
    },
  })
  if (!sawSuite && list.counts.total === 0) return null
  return list.report(complete)
}
