import type { LanguageRules } from './language-registry.js'
import type { SyntaxNode, Tree } from './parser.js'
import type { HalsteadCounts, UnitKind } from './profiles/profile.js'

/** A syntax error: an ERROR node (unexpected text) or a MISSING node (text the parser inserted). */
export interface SyntaxErrorFound {
  node: SyntaxNode
  missing: boolean
}

/** What the generic pass learns about one function-like node. */
export interface WalkedUnit {
  node: SyntaxNode
  name: string
  qualifiedName: string
  kind: UnitKind
  /** Lizard-style: 1 + decision tokens and nodes inside the unit, nested units excluded. */
  cyclomatic: number
  /** SonarSource white paper, nesting carried into nested functions. */
  cognitive: number
  /** Deepest nesting of control structures inside the unit, counted from the unit. */
  maxNesting: number
  halstead: HalsteadSets
}

/** Distinct and total operators and operands; the sets make totals over several units exact. */
export interface HalsteadSets {
  operators: Map<string, number>
  operands: Map<string, number>
}

/** Everything one walk over the tree collects; see {@link walkTree}. */
export interface WalkResult {
  units: WalkedUnit[]
  errors: SyntaxErrorFound[]
  /** Per physical line (0-based): 1 when it holds a code token, 2 when a comment, 3 both. */
  lineKinds: Uint8Array
  /** Whole-file Halstead sets. */
  halstead: HalsteadSets
  /** Decision points of the whole file, top-level code included (lizard-style). */
  totalDecisions: number
  /** Identifier spellings with their number of occurrences, for readability. */
  identifiers: Map<string, number>
  /** Statement-like nodes, as the generic logical-line count. */
  statements: number
  nodeCount: number
}

// Paired closers and separators carry no meaning of their own once the opener is counted.
const IGNORED_OPERATORS = new Set([')', ']', '}', ';', ',', '"', "'", '`'])

export function newHalsteadSets(): HalsteadSets {
  return { operators: new Map(), operands: new Map() }
}

function add(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1)
}

export function halsteadCounts(sets: HalsteadSets): HalsteadCounts {
  let N1 = 0
  let N2 = 0
  for (const count of sets.operators.values()) N1 += count
  for (const count of sets.operands.values()) N2 += count
  return { n1: sets.operators.size, n2: sets.operands.size, N1, N2 }
}

const NAME_TYPES = new Set([
  'identifier',
  'simple_identifier',
  'field_identifier',
  'property_identifier',
  'type_identifier',
  'constant',
  'name',
  'word',
  'operator_name',
  'destructor_name',
  'qualified_identifier',
])

/** The declared name of a function or class node, following C declarators; `<anonymous>` if none. */
export function declaredName(node: SyntaxNode): string {
  let current: SyntaxNode | null = node.childForFieldName('name')
  if (current) return current.text
  current = node.childForFieldName('declarator')
  for (let depth = 0; current && depth < 8; depth += 1) {
    if (NAME_TYPES.has(current.type)) return current.text
    current = current.childForFieldName('declarator') ?? current.childForFieldName('name')
  }
  for (const child of node.namedChildren) {
    if (NAME_TYPES.has(child.type)) return child.text
  }
  return '<anonymous>'
}

interface Frame {
  type: string
  /** Restores these when the node is left. */
  unit: OpenUnit | null
  nesting: number
  structural: boolean
  logicalOperator: string | null
  logicalChildren: string[] | null
  className: string | null
}

interface OpenUnit {
  walked: WalkedUnit
  depth: number
  nestingBase: number
}

const LAMBDA_TYPES = /lambda|closure|arrow|func_literal|anonymous|block$/

/**
 * One cursor walk over the whole tree: units, lizard-style cyclomatic complexity, white-paper
 * cognitive complexity, nesting, token Halstead, line kinds, identifiers and syntax errors.
 * Iterative, so that deeply nested input cannot overflow the stack.
 */
export function walkTree(tree: Tree, source: string, rules: LanguageRules): WalkResult {
  const lineCount = source.length === 0 ? 0 : source.split('\n').length
  const lineKinds = new Uint8Array(Math.max(lineCount, 1))
  const units: WalkedUnit[] = []
  const errors: SyntaxErrorFound[] = []
  const fileHalstead = newHalsteadSets()
  const identifiers = new Map<string, number>()
  let totalDecisions = 0
  let statements = 0
  let nodeCount = 0

  const frames: Frame[] = []
  const unitNames: string[] = []
  let unit: OpenUnit | null = null
  let nesting = 0

  const cursor = tree.walk()
  const mark = (from: number, to: number, kind: number) => {
    for (let row = from; row <= to && row < lineKinds.length; row += 1) lineKinds[row]! |= kind
  }
  const decide = (amount = 1) => {
    totalDecisions += amount
    if (unit) unit.walked.cyclomatic += amount
  }
  const cognitive = (amount: number) => {
    if (unit) unit.walked.cognitive += amount
  }

  /** Enters the cursor's node; answers false when its children must be skipped. */
  const enter = (): boolean => {
    nodeCount += 1
    const type = cursor.nodeType
    const frame: Frame = {
      type,
      unit,
      nesting,
      structural: false,
      logicalOperator: null,
      logicalChildren: null,
      className: null,
    }
    frames.push(frame)
    if (type === 'ERROR') {
      errors.push({ node: cursor.currentNode, missing: false })
      return false
    }
    if (cursor.nodeIsMissing) {
      errors.push({ node: cursor.currentNode, missing: true })
      return false
    }
    if (!cursor.nodeIsNamed) return true
    if (rules.comments.has(type)) {
      mark(cursor.startPosition.row, cursor.endPosition.row, 2)
      return false
    }
    if (rules.strings.has(type)) {
      const text = cursor.nodeText
      add(fileHalstead.operands, text)
      if (unit) add(unit.walked.halstead.operands, text)
      mark(cursor.startPosition.row, cursor.endPosition.row, 1)
      return false
    }
    if (
      type.endsWith('_statement') ||
      type.endsWith('_declaration') ||
      type.endsWith('_definition')
    ) {
      statements += 1
    }
    if (rules.classes.has(type)) {
      const name = declaredName(cursor.currentNode)
      frame.className = name
      unitNames.push(name)
    }
    if (rules.functions.has(type)) {
      const node = cursor.currentNode
      const name = declaredName(node)
      const lambda = LAMBDA_TYPES.test(type)
      const insideClass =
        frames.length > 1 && frames.slice(0, -1).some((open) => open.className !== null)
      const kind: UnitKind = unit
        ? lambda
          ? 'lambda'
          : 'closure'
        : insideClass
          ? 'method'
          : lambda
            ? 'lambda'
            : 'function'
      const displayName = name === '<anonymous>' && lambda ? '<lambda>' : name
      const walked: WalkedUnit = {
        node,
        name: displayName,
        qualifiedName: [...unitNames, displayName].join('.'),
        kind,
        cyclomatic: 1,
        cognitive: 0,
        maxNesting: 0,
        halstead: newHalsteadSets(),
      }
      units.push(walked)
      unitNames.push(displayName)
      frame.className = frame.className ?? displayName
      // White paper: a nested function adds a level of nesting to what it contains.
      nesting = unit ? nesting + 1 : 0
      unit = { walked, depth: frames.length, nestingBase: nesting }
      return true
    }
    if (rules.cyclomaticNodes.has(type)) decide()
    if (rules.elseIfs.has(type)) {
      cognitive(1)
      return true
    }
    const conditional = rules.conditionals.has(type)
    if (conditional && isElseIf(cursor.currentNode)) {
      cognitive(1)
      return true
    }
    if (conditional || rules.nesting.has(type)) {
      cognitive(1 + nesting)
      frame.structural = true
      nesting += 1
      if (unit)
        unit.walked.maxNesting = Math.max(unit.walked.maxNesting, nesting - unit.nestingBase)
      return true
    }
    if (rules.jumps.has(type) && cursor.currentNode.namedChildCount > 0) cognitive(1)
    return true
  }

  const leaf = () => {
    const type = cursor.nodeType
    const row = cursor.startPosition.row
    // Some grammars (Swift) make `else` a named leaf.
    if (type === 'else' && cursor.nodeIsNamed && !followedByIf(cursor.currentNode, rules))
      cognitive(1)
    if (!cursor.nodeIsNamed || rules.operatorLeaves.has(type)) {
      const operator = rules.operatorLeaves.has(type) ? cursor.nodeText : type
      if (rules.cyclomaticTokens.has(operator)) decide()
      if (rules.logicalOperators.has(operator)) {
        const parent = frames[frames.length - 2]
        if (parent) parent.logicalOperator = operator
      }
      if (operator === 'else' && !followedByIf(cursor.currentNode, rules)) cognitive(1)
      if (!IGNORED_OPERATORS.has(operator) && operator.trim() !== '') {
        add(fileHalstead.operators, operator)
        if (unit) add(unit.walked.halstead.operators, operator)
      }
      mark(row, cursor.endPosition.row, 1)
      return
    }
    const text = cursor.nodeText
    if (text.length === 0) return
    add(fileHalstead.operands, text)
    if (unit) add(unit.walked.halstead.operands, text)
    if (NAME_TYPES.has(type)) add(identifiers, text)
    mark(row, cursor.endPosition.row, 1)
  }

  const leave = () => {
    const frame = frames.pop()
    if (!frame) return
    if (frame.logicalOperator) {
      // One increment per sequence of like operators: a child sequence continuing its
      // parent's operator was counted once already, so it is taken back here.
      const repeats =
        frame.logicalChildren?.filter((operator) => operator === frame.logicalOperator).length ?? 0
      cognitive(1 - repeats)
      let index = frames.length - 1
      while (index >= 0 && frames[index]!.type === 'parenthesized_expression') index -= 1
      const parent = frames[index]
      if (parent) (parent.logicalChildren ??= []).push(frame.logicalOperator)
    }
    if (frame.className !== null) unitNames.pop()
    unit = frame.unit
    nesting = frame.nesting
  }

  let descend = enter()
  for (;;) {
    if (descend && cursor.gotoFirstChild()) {
      descend = enter()
      continue
    }
    if (descend) leaf()
    leave()
    let moved = false
    while (!moved) {
      if (cursor.gotoNextSibling()) {
        moved = true
        descend = enter()
      } else if (cursor.gotoParent()) {
        leave()
      } else {
        return {
          units,
          errors,
          lineKinds,
          halstead: fileHalstead,
          totalDecisions,
          identifiers,
          statements,
          nodeCount,
        }
      }
    }
  }
}

/** `else if`: a conditional right after an `else`, directly or as the only thing in a wrapper. */
function isElseIf(node: SyntaxNode): boolean {
  if (node.previousSibling?.type === 'else') return true
  const parent = node.parent
  if (!parent || parent.namedChildCount !== 1) return false
  return (
    parent.type === 'else_clause' ||
    parent.type === 'else' ||
    parent.previousSibling?.type === 'else'
  )
}

function followedByIf(node: SyntaxNode, rules: LanguageRules): boolean {
  let next = node.nextSibling
  while (next && rules.comments.has(next.type)) next = next.nextSibling
  if (!next) return false
  if (next.type === 'if' || rules.conditionals.has(next.type)) return true
  const only = next.namedChildCount === 1 ? next.firstNamedChild : null
  return !!only && rules.conditionals.has(only.type)
}
