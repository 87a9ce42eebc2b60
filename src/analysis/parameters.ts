import type { LanguageRules } from './language-registry.js'
import type { SyntaxNode } from './parser.js'

/**
 * Lizard-style `parameter_count` of a function node, read with the language's parameter tables
 * (`language.json` → `analysis.parameters`). Unlike lizard, receivers (`self`) are not counted.
 */
export function countParameters(node: SyntaxNode, rules: LanguageRules): number {
  const { lists, items, receivers, receiverTexts } = rules.parameters
  const list =
    node.childForFieldName('parameters') ??
    node.namedChildren.find((child) => lists.has(child.type)) ??
    null
  const candidates = list
    ? list.namedChildren
    : node.namedChildren.filter((child) => items.has(child.type))
  let count = 0
  for (const child of candidates) {
    if (rules.comments.has(child.type) || receivers.has(child.type)) continue
    if (receiverTexts.has(child.text)) continue
    // Go declares `a, b int` as one parameter node with two names.
    count += Math.max(
      1,
      child.childrenForFieldName('name').filter((name) => rules.names.has(name.type)).length,
    )
  }
  return count
}
