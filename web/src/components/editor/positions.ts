/**
 * Turning the API's 1-based line and column (columns in UTF-16 code units, as JavaScript strings
 * count them) into document offsets, clamped so a stale or odd position never throws.
 */

/** What the conversion needs of a document; CodeMirror's `Text` has this shape. */
export interface LineSource {
  readonly lines: number
  readonly length: number
  line(n: number): { from: number; to: number }
}

/** A problem's position as the API reports it. */
export interface Position {
  line: number
  column: number
  end_line?: number
  end_column?: number
}

function clampLine(doc: LineSource, line: number): number {
  if (!Number.isFinite(line)) return 1
  return Math.min(Math.max(Math.trunc(line), 1), doc.lines)
}

/** The offset of a 1-based line and column, clamped to the line and the document. */
export function offsetOf(doc: LineSource, line: number, column: number): number {
  const { from, to } = doc.line(clampLine(doc, line))
  const col = Number.isFinite(column) ? Math.trunc(column) : 1
  return Math.min(Math.max(from + col - 1, from), to)
}

/**
 * The range to mark for a problem: from its start to its end when it has one after the start,
 * otherwise one character (the one at the column, or the one before it at the end of a line),
 * so an underline is always visible. An empty line gives an empty range.
 */
export function rangeOf(doc: LineSource, position: Position): { from: number; to: number } {
  const from = offsetOf(doc, position.line, position.column)
  const line = doc.line(clampLine(doc, position.line))
  let to =
    position.end_line === undefined
      ? from
      : offsetOf(doc, position.end_line, position.end_column ?? position.column)
  if (to > from) return { from, to }
  to = from
  if (from < line.to) return { from, to: from + 1 }
  if (from > line.from) return { from: from - 1, to: from }
  return { from, to }
}

/** The start and end offsets of a 1-based line, clamped to the document. */
export function lineRange(doc: LineSource, line: number): { from: number; to: number } {
  const { from, to } = doc.line(clampLine(doc, line))
  return { from, to }
}

/** A `LineSource` over a plain string, for tests and for code outside the editor. */
export function linesOf(text: string): LineSource {
  const starts = [0]
  for (let index = 0; index < text.length; index++) {
    if (text[index] === '\n') starts.push(index + 1)
  }
  return {
    lines: starts.length,
    length: text.length,
    line(n: number) {
      const from = starts[n - 1] ?? 0
      const next = starts[n]
      return { from, to: next === undefined ? text.length : next - 1 }
    },
  }
}
