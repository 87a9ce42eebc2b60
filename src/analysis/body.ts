import type { FunctionBody } from '../schemas/analysis.js'
import type { BodyRules } from './language-registry.js'
import type { SyntaxNode } from './parser.js'

/**
 * The body of a function node as the report gives it: offsets into the source string. Native
 * tree-sitter parses a JavaScript string as UTF-16, so its indices are already UTF-16 code units
 * (what `String.prototype.slice` takes), not UTF-8 bytes. Null when the function has none (an
 * abstract method, C++'s `= default`).
 */
export function functionBody(
  node: SyntaxNode,
  rules: BodyRules,
  source: string,
): FunctionBody | null {
  let body = node.childForFieldName('body')
  if (!body && rules.nodes.size > 0)
    body = node.namedChildren.find((child) => rules.nodes.has(child.type)) ?? null
  if (!body && rules.lastChild.has(node.type) && node.namedChildCount > 1)
    body = node.lastNamedChild
  if (!body) return null
  const marker = body.firstChild
  if (marker && !marker.isNamed && rules.expressionMarkers.has(marker.type)) {
    const expression = body.lastNamedChild
    if (!expression) return null
    return { start: expression.startIndex, end: expression.endIndex, kind: 'expression' }
  }
  // Some grammars end a block after the blank lines that follow it (Scala's indented_block).
  let end = body.endIndex
  while (end > body.startIndex && /\s/.test(source[end - 1]!)) end -= 1
  return {
    start: body.startIndex,
    end,
    kind: rules.blocks.has(body.type) ? 'block' : 'expression',
  }
}
