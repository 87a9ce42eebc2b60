import type { Format } from '../arguments.js'
import { csvWriter } from './csv.js'
import { jsonWriter } from './json.js'
import { sarifWriter } from './sarif.js'
import { tableWriter } from './table.js'
import type { Write, Writer } from './writer.js'

export type { Write, Writer } from './writer.js'

export function writerFor(
  format: Format,
  write: Write,
  settings: { header: boolean; withViolations: boolean },
): Writer {
  if (format === 'json') return jsonWriter(write, settings.withViolations)
  if (format === 'csv') return csvWriter(write, settings.header)
  if (format === 'sarif') return sarifWriter(write)
  return tableWriter(write)
}
