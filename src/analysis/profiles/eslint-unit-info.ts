import type { CursorLike } from '../flat-tree.js'

/**
 * What ESLint and SonarJS learn about a unit from its ESTree parent, read with the walk's own
 * TreeCursor. `SyntaxNode.parent` and sibling access cost O(depth) in tree-sitter (a node keeps
 * no parent pointer), which turns deeply nested code quadratic; the cursor's `gotoParent` is O(1).
 * The cursor is always left on the node it started from.
 */

type TreeCursor = CursorLike

/** A 0-based position, as tree-sitter gives it. */
export interface Position {
  row: number
  column: number
}

/** The ESTree parent's view of a function expression, arrow or class expression. */
export interface ParentContext {
  /** Property key, class field name, or variable / assignment target; null when there is none. */
  name: string | null
  /** Start of the property or class field holding the unit: ESLint reports a function there. */
  holder: Position | null
  /** Start of the holding property's key: SonarJS reports a function expression value there. */
  key: Position | null
  /** Whether the holder is an object property (SonarJS uses the key only for those). */
  inPair: boolean
}

/** A property key as ESLint prints it: string keys lose their quotes. */
export function keyName(type: string, text: string): string {
  return type === 'string' ? text.slice(1, -1) : text
}

/** Calls `visit` on each child that has a field name, then returns to the parent. */
function forEachFieldChild(cursor: TreeCursor, visit: (field: string) => void): void {
  if (!cursor.gotoFirstChild()) return
  do {
    const field = cursor.currentFieldName
    if (field) visit(field)
  } while (cursor.gotoNextSibling())
  cursor.gotoParent()
}

function identifierText(cursor: TreeCursor): string | null {
  return cursor.nodeType === 'identifier' ? cursor.nodeText : null
}

function readContext(cursor: TreeCursor, context: ParentContext): void {
  switch (cursor.nodeType) {
    case 'pair':
    case 'field_definition':
    case 'public_field_definition': {
      const holderType = cursor.nodeType
      context.holder = cursor.startPosition
      context.inPair = holderType === 'pair'
      forEachFieldChild(cursor, (field) => {
        if (field === 'key' || field === 'property' || field === 'name') {
          context.key = cursor.startPosition
          context.name = keyName(cursor.nodeType, cursor.nodeText)
        }
      })
      break
    }
    case 'variable_declarator':
      forEachFieldChild(cursor, (field) => {
        if (field === 'name') context.name = identifierText(cursor)
      })
      break
    case 'assignment_pattern':
      forEachFieldChild(cursor, (field) => {
        if (field === 'left') context.name = identifierText(cursor)
      })
      break
    case 'assignment_expression':
      forEachFieldChild(cursor, (field) => {
        if (field !== 'left') return
        if (cursor.nodeType === 'member_expression') {
          forEachFieldChild(cursor, (memberField) => {
            if (memberField === 'property') context.name = cursor.nodeText
          })
        } else context.name = identifierText(cursor)
      })
      break
  }
}

/**
 * Reads the ESTree parent of the node under the cursor (parentheses are not ESTree nodes, so they
 * are looked through): the name ESLint gives an anonymous function and where it reports it
 * (`astUtils.getFunctionNameWithKind`, `getFunctionHeadLoc`). O(siblings), never O(depth).
 */
export function readParentContext(cursor: TreeCursor): ParentContext {
  const context: ParentContext = { name: null, holder: null, key: null, inPair: false }
  // The way back down: start index and type of each node from the unit up to its ESTree parent.
  const path: Array<[number, number]> = [[cursor.startIndex, cursor.nodeTypeId]]
  let atParent = cursor.gotoParent()
  while (atParent && cursor.nodeType === 'parenthesized_expression') {
    path.push([cursor.startIndex, cursor.nodeTypeId])
    atParent = cursor.gotoParent()
  }
  if (!atParent) {
    path.pop()
    if (path.length === 0) return context
  } else readContext(cursor, context)
  for (let level = path.length - 1; level >= 0; level--) {
    const [startIndex, typeId] = path[level]!
    cursor.gotoFirstChild()
    while (cursor.startIndex !== startIndex || cursor.nodeTypeId !== typeId) {
      if (!cursor.gotoNextSibling()) throw new Error('Tree cursor lost its way back to a unit')
    }
  }
  return context
}
