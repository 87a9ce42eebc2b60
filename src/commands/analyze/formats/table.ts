import type { Write, Writer } from './writer.js'

/** lizard's table, with a cognitive column; errors after it, then a one-line summary. */
export function tableWriter(write: Write): Writer {
  // Only the short error lines wait for the end, so the table stays one block.
  const problems: string[] = []
  write(`  NLOC    CCN    COG  PARAM  LENGTH  LOCATION\n${'-'.repeat(78)}\n`)
  return {
    file(result) {
      if (result.error) problems.push(`! ${result.path}: ${result.error}`)
      const report = result.report
      if (!report) return
      let rows = ''
      for (const unit of report.functions) {
        rows +=
          String(unit.nloc).padStart(6) +
          String(unit.cyclomatic_complexity).padStart(6) +
          String(unit.cognitive_complexity).padStart(6) +
          String(unit.parameters).padStart(6) +
          String(unit.length).padStart(7) +
          `  ${unit.qualified_name}@${unit.start_line}-${unit.end_line}@${result.path}\n`
      }
      if (rows) write(rows)
      for (const error of report.syntax_errors)
        problems.push(`! ${result.path}:${error.line}:${error.column}: ${error.message}`)
    },
    end(summary) {
      const totals = summary.toJSON()
      if (problems.length > 0) write(`${problems.join('\n')}\n`)
      write(
        `\n${totals.files} file(s), ${totals.functions} function(s), ${totals.lines_of_code} lines of code; ` +
          `average CCN ${totals.average_cyclomatic_complexity}, cognitive ${totals.average_cognitive_complexity}, ` +
          `NLOC ${totals.average_nloc}, MI ${totals.average_maintainability_index}; ` +
          `${totals.syntax_invalid} file(s) with syntax errors\n`,
      )
    },
  }
}
