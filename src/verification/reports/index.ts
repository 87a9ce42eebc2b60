import type { REPORT_FORMATS } from '../rules.js'
import { parseCargoTest } from './cargo-test.js'
import { parseGoTestJson } from './go-test-json.js'
import { parseJestJson } from './jest-json.js'
import { parseJunitXml } from './junit-xml.js'
import type { ParsedReport, ReportContext } from './report.js'
import { parseRspecJson } from './rspec-json.js'

export type { ParsedReport, ReportContext } from './report.js'

const PARSERS: Readonly<
  Record<
    (typeof REPORT_FORMATS)[number],
    (source: string, context: ReportContext) => ParsedReport | null
  >
> = {
  'junit-xml': parseJunitXml,
  'jest-json': parseJestJson,
  'go-test-json': parseGoTestJson,
  'cargo-test': parseCargoTest,
  'rspec-json': parseRspecJson,
}

/** The cases of a runner's report, or null when `source` is not a report of that format. */
export function parseReport(
  format: (typeof REPORT_FORMATS)[number],
  source: string,
  context: ReportContext,
): ParsedReport | null {
  return PARSERS[format](source, context)
}
