import type { FileResult } from '../result.js'
import type { Write, Writer } from './writer.js'

/** The JSON text of one file: the API's report with its path first, or the error. */
function fileJson(result: FileResult): string {
  const path = `{"path":${JSON.stringify(result.path)}`
  // The worker's own serialisation, copied rather than serialised again.
  if (result.json) return `${path},${result.json.slice(1)}`
  if (result.report) return `${path},${JSON.stringify(result.report).slice(1)}`
  return `${path},"error":${JSON.stringify(result.error ?? 'not analysed')}}`
}

/**
 * One JSON document, `{"files": [...], "summary": {...}}` (and `violations` with a limit set),
 * written file by file: a consumer that reads the whole document sees the same JSON as before.
 */
export function jsonWriter(write: Write, withViolations: boolean): Writer {
  let first = true
  write('{"files":[')
  return {
    file(result) {
      write(`${first ? '' : ','}\n${fileJson(result)}`)
      first = false
    },
    end(summary, violations) {
      const tail = withViolations ? `,"violations":${JSON.stringify(violations)}` : ''
      write(`\n],"summary":${JSON.stringify(summary)}${tail}}\n`)
    },
  }
}
