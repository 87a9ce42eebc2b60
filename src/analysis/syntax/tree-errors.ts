import type { SyntaxErrorFound } from '../walk.js'
import type { SyntaxErrorReport } from '../../schemas/analysis.js'

// The shape is the API's (src/schemas/analysis.ts); the type follows from it.
export type { SyntaxErrorReport }

const MAX_ERRORS = 100
const MAX_SNIPPET = 200

/** Tree-sitter columns count UTF-8 bytes; people count characters. */
function characterColumn(line: string, byteColumn: number): number {
  if (Buffer.byteLength(line, 'utf8') === line.length) return byteColumn + 1
  return Buffer.from(line, 'utf8').subarray(0, byteColumn).toString('utf8').length + 1
}

function quote(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim()
  return oneLine.length > 30 ? `${oneLine.slice(0, 30)}…` : oneLine
}

const CLOSERS: Record<string, string> = { '(': ')', '[': ']', '{': '}' }

/** The closer an error node lacks when it holds an opener never closed (`f(1,` at end of input). */
function unclosed(node: SyntaxErrorFound['node']): string | null {
  const open: string[] = []
  for (const child of node.children) {
    if (CLOSERS[child.type]) open.push(child.type)
    else if (Object.values(CLOSERS).includes(child.type)) open.pop()
  }
  const last = open.at(-1)
  return last ? (CLOSERS[last] ?? null) : null
}

/**
 * The message and the node to point at. Inside an ERROR node, complete statements are context;
 * the first stray token (or nested error) is what the parser could not place.
 */
function describe(found: SyntaxErrorFound): { message: string; at: SyntaxErrorFound['node'] } {
  const { node, missing } = found
  if (missing) {
    const message = node.isNamed
      ? `missing ${node.type.replaceAll('_', ' ')}`
      : `missing '${node.type}'`
    return { message, at: node }
  }
  const closer = unclosed(node)
  if (closer) return { message: `missing '${closer}'`, at: node }
  const children = node.children
  const stray =
    children.find((child) => !child.isNamed || child.type === 'ERROR' || child.hasError) ??
    children[0] ??
    node
  let token = stray
  while (token.childCount > 0 && token.firstChild) token = token.firstChild
  const text = token.text
  if (text.trim() === '') {
    return {
      message: node.endIndex === node.startIndex ? 'unexpected end of input' : 'syntax error',
      at: node,
    }
  }
  return { message: `unexpected '${quote(text)}'`, at: token }
}

/** Turns the ERROR and MISSING nodes of a tree into reports, in source order. */
export function syntaxErrorReports(
  found: readonly SyntaxErrorFound[],
  lines: readonly string[],
): SyntaxErrorReport[] {
  return [...found]
    .sort((a, b) => a.node.startIndex - b.node.startIndex)
    .slice(0, MAX_ERRORS)
    .map((error) => {
      const { message, at } = describe(error)
      const start = at.startPosition
      const end = error.node.endPosition
      const sourceLine = lines[start.row] ?? ''
      return {
        line: start.row + 1,
        column: characterColumn(sourceLine, start.column),
        end_line: end.row + 1,
        end_column: characterColumn(lines[end.row] ?? '', end.column),
        message,
        source_line:
          sourceLine.length > MAX_SNIPPET ? `${sourceLine.slice(0, MAX_SNIPPET)}…` : sourceLine,
      }
    })
}
