import type { LanguageRules } from './language-registry.js'
import type { SyntaxNode } from './parser.js'

/**
 * The `parameters` field of a function or of its declarator chain (C's `function_declarator`).
 * When the field occurs twice (tree-sitter-scala also gives it to `[T]`), the value list wins.
 */
function parameterField(node: SyntaxNode, lists: ReadonlySet<string>): SyntaxNode | null {
  let current: SyntaxNode | null = node
  for (let depth = 0; current && depth < 8; depth += 1) {
    const fields = current.childrenForFieldName('parameters')
    const list = fields.find((field) => lists.has(field.type)) ?? fields[0]
    if (list) return list
    current = current.childForFieldName('declarator')
  }
  return null
}

/**
 * Lizard-style `parameter_count` of a function node, read with the language's parameter tables
 * (`language.json` → `analysis.parameters`). Unlike lizard, receivers (`self`) are not counted.
 */
export function countParameters(node: SyntaxNode, rules: LanguageRules): number {
  const { lists, listItems, bare, items, uncounted, uncountedTexts } = rules.parameters
  const list =
    parameterField(node, lists) ?? node.namedChildren.find((child) => lists.has(child.type)) ?? null
  // A lone parameter written without parentheses (`x => x`) is the list itself.
  if (list && bare.has(list.type)) return 1
  const candidates = list
    ? listItems.size > 0
      ? list.namedChildren.filter((child) => listItems.has(child.type))
      : list.namedChildren
    : node.namedChildren.filter((child) => items.has(child.type))
  let count = 0
  for (const child of candidates) {
    if (rules.comments.has(child.type) || uncounted.has(child.type)) continue
    if (uncountedTexts.has(child.text)) continue
    // Go declares `a, b int` as one parameter node with two names.
    count += Math.max(
      1,
      child.childrenForFieldName('name').filter((name) => rules.names.has(name.type)).length,
    )
  }
  return count
}
