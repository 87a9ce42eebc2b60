import type { Format } from '../arguments.js'
import type { Write, Writer } from './writer.js'

export type { Write, Writer } from './writer.js'

/** The chosen format's writer; only its module is loaded. */
export async function writerFor(
  format: Format,
  write: Write,
  settings: { header: boolean; withViolations: boolean },
): Promise<Writer> {
  if (format === 'json')
    return (await import('./json.js')).jsonWriter(write, settings.withViolations)
  if (format === 'csv') return (await import('./csv.js')).csvWriter(write, settings.header)
  if (format === 'sarif') return (await import('./sarif.js')).sarifWriter(write)
  return (await import('./table.js')).tableWriter(write)
}
