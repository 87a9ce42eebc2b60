import type { Write, Writer } from './writer.js'

/**
 * lizard's `--csv` columns (its header is what `lizard --csv -V` prints), then `cognitive`, the
 * way lizard appends an extension's column. `token` stays empty: the report has no token count.
 */
export const CSV_HEADER =
  'NLOC,CCN,token,PARAM,length,location,file,function,long_name,start,end,cognitive'

// lizard writes quoted fields without escaping, and turns a name's double quotes into single ones.
const quoted = (text: string) => `"${text.replaceAll('"', "'")}"`

export function csvWriter(write: Write, header: boolean): Writer {
  if (header) write(`${CSV_HEADER}\n`)
  return {
    file(result) {
      const report = result.report
      if (!report) return
      let rows = ''
      for (const unit of report.functions) {
        const name = unit.qualified_name
        rows +=
          [
            unit.nloc,
            unit.cyclomatic_complexity,
            '',
            unit.parameters,
            unit.length,
            quoted(`${name}@${unit.start_line}-${unit.end_line}@${result.path}`),
            quoted(result.path),
            quoted(name),
            quoted(name),
            unit.start_line,
            unit.end_line,
            unit.cognitive_complexity,
          ].join(',') + '\n'
      }
      if (rows) write(rows)
    },
    end() {},
  }
}
