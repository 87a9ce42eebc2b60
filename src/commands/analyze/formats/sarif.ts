import { version } from '../../../paths.js'
import type { FileResult } from '../result.js'
import type { Write, Writer } from './writer.js'

/** The rules a result can name: the report's issue rules, and a file that could not be analysed. */
export const SARIF_RULES = [
  ['syntax-error', 'The file does not parse'],
  [
    'syntax-warning',
    'A spot the parser cannot place (a macro, a preprocessor branch) but that is not known to be wrong',
  ],
  [
    'complexity-cyclomatic',
    "A function's cyclomatic complexity is above the limit (--max-cyclomatic, else the reference tool's)",
  ],
  [
    'complexity-cognitive',
    "A function's cognitive complexity is above the limit (--max-cognitive, else 15)",
  ],
  ['deep-nesting', 'Control structures nest more than 4 deep'],
  ['long-function', 'A function is longer than 100 lines'],
  ['too-many-parameters', 'A function takes more than 7 parameters'],
  [
    'analysis-failed',
    'The file could not be analysed: unreadable, too large, or past the time or memory limit',
  ],
] as const

const LEVELS = { error: 'error', warning: 'warning', info: 'note' } as const

/** A relative path as a URI reference: forward slashes, each segment percent-encoded. */
function uri(path: string): string {
  return path.split(/[\\/]/).map(encodeURIComponent).join('/')
}

function result(
  path: string,
  ruleId: string,
  level: 'error' | 'warning' | 'note',
  text: string,
  line?: number,
  column?: number,
) {
  const region =
    line !== undefined
      ? { region: { startLine: Math.max(1, line), ...(column ? { startColumn: column } : {}) } }
      : {}
  return {
    ruleId,
    level,
    message: { text },
    locations: [{ physicalLocation: { artifactLocation: { uri: uri(path) }, ...region } }],
  }
}

function resultsOf(file: FileResult) {
  if (!file.report)
    return [result(file.path, 'analysis-failed', 'error', file.error ?? 'not analysed')]
  return [
    ...file.report.issues.map((issue) =>
      result(
        file.path,
        issue.rule,
        LEVELS[issue.severity],
        issue.message,
        issue.line,
        issue.column,
      ),
    ),
    ...file.report.syntax_warnings.map((warning) =>
      result(
        file.path,
        'syntax-warning',
        'note',
        `${warning.message} (${warning.reason})`,
        warning.line,
        warning.column,
      ),
    ),
  ]
}

/**
 * SARIF 2.1.0, one run. The rules are known before the first file, so the log is written as the
 * results come: only each file's results are built at a time.
 */
export function sarifWriter(write: Write): Writer {
  const driver = {
    name: 'verigen',
    version,
    semanticVersion: version,
    rules: SARIF_RULES.map(([id, text]) => ({ id, shortDescription: { text } })),
  }
  write(
    `{"$schema":"https://json.schemastore.org/sarif-2.1.0.json","version":"2.1.0","runs":[{"tool":{"driver":${JSON.stringify(driver)}},"results":[`,
  )
  let first = true
  return {
    file(file) {
      for (const item of resultsOf(file)) {
        write(`${first ? '' : ','}\n${JSON.stringify(item)}`)
        first = false
      }
    },
    end() {
      write('\n]}]}\n')
    },
  }
}
