import { flatCursor, type FlatCursor } from './flat-tree.js'
import type { LanguageRules } from './language-registry.js'
import type { SyntaxNode, Tree } from './parser.js'
import type { HalsteadCounts, UnitKind } from './profiles/profile.js'

/** A syntax error: an ERROR node (unexpected text) or a MISSING node (text the parser inserted). */
export interface SyntaxErrorFound {
  node: SyntaxNode
  missing: boolean
}

/** A loop inside a unit, with how many loops of the same unit enclose it. */
export interface LoopFact {
  node: SyntaxNode
  /** 1 for an outermost loop. */
  depth: number
  /** Source of the collection iterated, when the loop names one. */
  iterated: string | null
  /** Whether an enclosing loop of the same unit iterates the same collection. */
  sameCollectionAsOuter: boolean
}

/** What the performance estimate needs, gathered by the walk so that no subtree is searched twice. */
export interface PerformanceFacts {
  loops: LoopFact[]
  /** Calls of the unit: the called function's text, 1-based line and loop depth. */
  calls: { callee: string; line: number; loopDepth: number }[]
  /** Comparisons and assignments that sit inside a loop. */
  insideLoops: SyntaxNode[]
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
  performance: PerformanceFacts
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

/**
 * The declared name of a function or class node, following C declarators; `<anonymous>` if none.
 * `names` are the language's name leaves (`language.json` → `analysis.names`).
 */
export function declaredName(node: SyntaxNode, names: ReadonlySet<string>): string {
  let current: SyntaxNode | null = node.childForFieldName('name')
  if (current) return current.text
  current = node.childForFieldName('declarator')
  for (let depth = 0; current && depth < 8; depth += 1) {
    if (names.has(current.type)) return current.text
    current = current.childForFieldName('declarator') ?? current.childForFieldName('name')
  }
  for (const child of node.namedChildren) {
    if (names.has(child.type)) return child.text
  }
  return '<anonymous>'
}

/** State a node changed on entry, restored when it is left. Most nodes change nothing. */
interface Frame {
  unit: OpenUnit | null
  nesting: number
  loops: number
  logicalOperator: string | null
  logicalChildren: string[] | null
  className: string | null
  /** Whether the named node is a namespace: it qualifies names but makes no methods. */
  namespace: boolean
}

interface OpenUnit {
  walked: WalkedUnit
  nestingBase: number
  /** Collections iterated by the enclosing loops of this unit, outermost first. */
  loopCollections: (string | null)[]
  /**
   * For a lambda when the rules say `lambdas_in_enclosing`, or a type of `nested_in_enclosing`:
   * the unit it sits in, whose cyclomatic complexity its decisions raise too (lizard reads it
   * as part of that unit).
   */
  enclosing: OpenUnit | null
  /**
   * `detached_bodies`: the row of the first line of its body, after which lizard has ended it
   * and its decisions count in `enclosing`; -1 when it is not detached.
   */
  detachedAfter: number
  /**
   * `body_only`: where its body starts, while the walk is in the declaration before it (where no
   * decision counts); -1 once there, or without the rule.
   */
  bodyStart: number
}

// What a node type means to the walk, looked up once per type instead of in a dozen sets.
const COMMENT = 1
const STRING = 2
const STATEMENT = 4
const CLASS = 8
const FUNCTION = 16
const CALL = 32
const DECISION = 64
const ELSE_IF = 128
const CONDITIONAL = 256
const NESTING = 512
const LOOP = 1024
const JUMP = 2048
const LOOP_SENSITIVE_ROLE = 4096
const NAMESPACE = 8192
const DISCOUNT = 16384
/** The roles above: what a named node means. Those below serve any node or token. */
const NODE_ROLES = 32767
const NAMED = 1 << 15
/** Listed in `cyclomaticAfter`: a decision after certain siblings. */
const AFTER = 1 << 16
/** A decision token (`cyclomaticTokens`), and one that is none under some parents. */
const DECISION_TOKEN = 1 << 17
const NOT_UNDER = 1 << 18
const LOGICAL = 1 << 19
/** A token that counts as a Halstead operator (not a closer or separator, not blank). */
const HALSTEAD_OPERATOR = 1 << 20
const OPERATOR_LEAF = 1 << 21
const NAME = 1 << 22
/** Not computed yet. */
const UNKNOWN = -1

const ERROR_TYPE_ID = 0xffff

/**
 * Roles by type id, per language and grammar: each node's role is an array read. The table
 * follows the grammar's id-to-name array, so a language's rules on another grammar get another.
 */
const roleTables = new WeakMap<LanguageRules, { names: readonly string[]; roles: Int32Array }>()

function rolesById(rules: LanguageRules, names: readonly string[]): Int32Array {
  let table = roleTables.get(rules)
  if (!table || table.names !== names) {
    table = { names, roles: new Int32Array(ERROR_TYPE_ID + 1).fill(UNKNOWN) }
    roleTables.set(rules, table)
  }
  return table.roles
}

function roleOf(rules: LanguageRules, type: string, named: boolean): number {
  return (
    (named ? NAMED : 0) |
    (rules.cyclomaticAfter.has(type) ? AFTER : 0) |
    (rules.cyclomaticTokens.has(type) ? DECISION_TOKEN : 0) |
    (rules.cyclomaticNotUnder.has(type) ? NOT_UNDER : 0) |
    (rules.logicalOperators.has(type) ? LOGICAL : 0) |
    (!IGNORED_OPERATORS.has(type) && type.trim() !== '' ? HALSTEAD_OPERATOR : 0) |
    (rules.operatorLeaves.has(type) ? OPERATOR_LEAF : 0) |
    (rules.names.has(type) ? NAME : 0) |
    (rules.comments.has(type) ? COMMENT : 0) |
    (rules.strings.has(type) ? STRING : 0) |
    (/_(statement|declaration|definition)$/.test(type) ? STATEMENT : 0) |
    (rules.classes.has(type) ? CLASS : 0) |
    (rules.namespaces.has(type) ? CLASS | NAMESPACE : 0) |
    (rules.functions.has(type) ? FUNCTION : 0) |
    (rules.calls.has(type) ? CALL : 0) |
    (rules.cyclomaticNodes.has(type) ? DECISION : 0) |
    (rules.cyclomaticDiscounts.has(type) ? DISCOUNT : 0) |
    (rules.elseIfs.has(type) ? ELSE_IF : 0) |
    (rules.conditionals.has(type) ? CONDITIONAL : 0) |
    (rules.nesting.has(type) ? NESTING : 0) |
    (rules.loops.has(type) ? LOOP : 0) |
    (rules.jumps.has(type) ? JUMP : 0) |
    (rules.performance.insideLoops.has(type) ? LOOP_SENSITIVE_ROLE : 0)
  )
}

/** The roles of a named operator leaf (Scala's `operator_identifier`), whose text is the operator. */
function operatorRoleOf(rules: LanguageRules, text: string): number {
  return (
    (rules.cyclomaticTokens.has(text) ? DECISION_TOKEN : 0) |
    (rules.cyclomaticNotUnder.has(text) ? NOT_UNDER : 0) |
    (rules.logicalOperators.has(text) ? LOGICAL : 0) |
    (!IGNORED_OPERATORS.has(text) && text.trim() !== '' ? HALSTEAD_OPERATOR : 0)
  )
}

/** The called function of the call under the cursor, where grammars put it, else its first named child. */
function calleeText(cursor: FlatCursor): string {
  let target = cursor.childForFieldName('function')
  if (target === -1) target = cursor.childForFieldName('constructor')
  if (target === -1) target = cursor.childForFieldName('name')
  if (target === -1) target = cursor.childForFieldName('method')
  if (target === -1) target = cursor.firstNamedChild
  return target === -1 ? '' : cursor.textAt(target)
}

function iteratedCollection(loop: SyntaxNode, clauses: ReadonlySet<string>): string | null {
  const right =
    loop.childForFieldName('right') ??
    loop.childForFieldName('value') ??
    (clauses.size > 0
      ? loop.namedChildren.find((child) => clauses.has(child.type))?.childForFieldName('right')
      : undefined)
  return right ? right.text : null
}

/**
 * One cursor walk over the whole tree: units, lizard-style cyclomatic complexity, white-paper
 * cognitive complexity, nesting, token Halstead, line kinds, identifiers, syntax errors and the
 * facts of the performance estimate. Iterative, so that deep nesting cannot overflow the stack.
 */
export function walkTree(tree: Tree, source: string, rules: LanguageRules): WalkResult {
  let lineCount = 1
  for (let index = source.indexOf('\n'); index !== -1; index = source.indexOf('\n', index + 1))
    lineCount += 1
  const lineKinds = new Uint8Array(lineCount)
  const units: WalkedUnit[] = []
  const errors: SyntaxErrorFound[] = []
  const fileHalstead = newHalsteadSets()
  const identifiers = new Map<string, number>()
  const checkErrors = tree.rootNode.hasError
  let totalDecisions = 0
  let statements = 0
  let nodeCount = 0

  // Parallel stacks, one entry per open node: its type, its previous sibling's type ('' for a
  // first child), and the state to restore (or null). Sibling and parent lookups on tree-sitter
  // nodes cost O(depth); reading them off these stacks keeps the walk linear.
  const types: string[] = []
  const typeRoles: number[] = []
  const previousTypes: string[] = []
  const lastLeft: string[] = ['']
  const frames: (Frame | null)[] = []
  const unitNames: string[] = []
  let unit: OpenUnit | null = null
  let nesting = 0
  const elseKeyword = rules.elseKeyword
  // Usually one type or none: an array compare costs less than a hash lookup on every first child.
  const elseClauses = [...rules.elseClauses]

  const cursor = flatCursor(tree, source)
  const roles = rolesById(rules, cursor.typeNames)
  const mark = (from: number, to: number, kind: number) => {
    for (let row = from; row <= to; row += 1) lineKinds[row]! |= kind
  }
  const decide = (amount = 1) => {
    totalDecisions += amount
    for (let open = unit; open; open = open.enclosing) {
      // `body_only`: in its declaration, a decision counts only in the units around it (the
      // parameters of a C# local function are in the body of the method around it).
      if (open.bodyStart >= 0) continue
      if (open.detachedAfter >= 0 && cursor.startPosition.row > open.detachedAfter) continue
      open.walked.cyclomatic += amount
      if (open.detachedAfter >= 0) break
    }
  }
  const cognitive = (amount: number) => {
    if (unit) unit.walked.cognitive += amount
  }
  /** A frame holding the current state, to be restored when its node is left. */
  const stateFrame = (): Frame => ({
    unit,
    nesting,
    loops: unit?.loopCollections.length ?? 0,
    logicalOperator: null,
    logicalChildren: null,
    className: null,
    namespace: false,
  })
  const openFrame = (): Frame => (frames[frames.length - 1] = stateFrame())

  /** Enters the cursor's node; answers false when its children must be skipped. */
  const enter = (): boolean => {
    nodeCount += 1
    const type = cursor.nodeType
    const id = cursor.nodeTypeId
    let role = roles[id]!
    if (role === UNKNOWN) role = roles[id] = roleOf(rules, type, cursor.nodeIsNamed)
    const depth = types.length
    const previous = lastLeft[depth] ?? ''
    types.push(type)
    typeRoles.push(role)
    previousTypes.push(previous)
    frames.push(null)
    lastLeft[depth + 1] = ''
    if (unit && unit.bodyStart >= 0 && cursor.startIndex >= unit.bodyStart) unit.bodyStart = -1
    if (checkErrors) {
      if (type === 'ERROR') {
        errors.push({ node: cursor.currentNode, missing: false })
        return false
      }
      if (cursor.nodeIsMissing) {
        errors.push({ node: cursor.currentNode, missing: true })
        return false
      }
    }
    // What follows `else`: directly (`else if`), or as the first thing in a wrapper (an
    // `else_clause`, Kotlin's control_structure_body). A conditional there is an else-if (+1
    // flat); anything else means a plain `else` (+1), decided at the wrapper's first child.
    if (type !== elseKeyword) {
      const parentType = types[depth - 1] ?? ''
      const direct = previous === elseKeyword
      const wrapped =
        previous === '' &&
        ((typeRoles[depth - 1] ?? 0) & CONDITIONAL) === 0 &&
        (previousTypes[depth - 1] === elseKeyword || elseClauses.includes(parentType))
      if (role & CONDITIONAL && (direct || wrapped)) {
        cognitive(1)
        return true
      }
      if (wrapped) cognitive(1)
    }
    // A decision only right after certain siblings (Swift's `?` after `)` or `]`): data's say.
    if (role & AFTER && rules.cyclomaticAfter.get(type)!.has(previous)) decide()
    if ((role & NAMED) === 0 || (role & NODE_ROLES) === 0) return true
    if (role & COMMENT) {
      mark(cursor.startRow, cursor.endRow, 2)
      return false
    }
    if (role & STRING) {
      const text = cursor.nodeText
      add(fileHalstead.operands, text)
      if (unit) add(unit.walked.halstead.operands, text)
      mark(cursor.startRow, cursor.endRow, 1)
      return false
    }
    if (role & STATEMENT) statements += 1
    if (role & CLASS) {
      const name = declaredName(cursor.currentNode, rules.names)
      const frame = openFrame()
      frame.className = name
      frame.namespace = (role & NAMESPACE) !== 0
      unitNames.push(name)
    }
    if (role & FUNCTION) {
      const node = cursor.currentNode
      const lambda = rules.lambdas.has(type)
      // A lambda's first name leaf is its parameter (`x => x`), never its name.
      const name = lambda
        ? (node.childForFieldName('name')?.text ?? '<anonymous>')
        : declaredName(node, rules.names)
      const insideClass =
        !unit &&
        frames.some(
          (open) =>
            open !== null && open.className !== null && !open.namespace && open.unit === unit,
        )
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
        performance: { loops: [], calls: [], insideLoops: [] },
      }
      units.push(walked)
      const frame = frames[frames.length - 1] ?? openFrame()
      if (frame.className === null) {
        frame.className = displayName
        unitNames.push(displayName)
      }
      // White paper: a nested function adds a level of nesting to what it contains.
      nesting = unit ? nesting + 1 : 0
      // `detached_bodies`: lizard ends a function at the line break after `=` (`def f =⏎ body`).
      // Named functions only: lizard's line-break rule follows `=`, never a lambda's `=>`.
      const body = rules.detachedBodies && !lambda ? node.childForFieldName('body') : null
      const before = body?.previousSibling
      // lizard still counts the first token of the body's line in it (`def f =⏎ if (x) …`).
      const detachedAfter =
        before && body!.startPosition.row > before.endPosition.row ? body!.startPosition.row : -1
      // `body_only`: the declaration's decisions (parameters, return type) count nowhere.
      const bodyStart =
        rules.cyclomaticBodyOnly && !lambda
          ? (node.childForFieldName('body')?.startIndex ?? node.endIndex)
          : -1
      const enclosing =
        (lambda && rules.lambdasInEnclosing) ||
        rules.nestedInEnclosing.has(type) ||
        detachedAfter >= 0
          ? unit
          : null
      unit = {
        walked,
        nestingBase: nesting,
        loopCollections: [],
        enclosing,
        detachedAfter,
        bodyStart,
      }
      return true
    }
    if (unit) {
      if (role & CALL) {
        unit.walked.performance.calls.push({
          callee: calleeText(cursor),
          line: cursor.startRow + 1,
          loopDepth: unit.loopCollections.length,
        })
      } else if (unit.loopCollections.length > 0 && role & LOOP_SENSITIVE_ROLE) {
        unit.walked.performance.insideLoops.push(cursor.currentNode)
      }
    }
    // A decision node may be none under some parents (C#'s `int?` of a parameter): data's say.
    if (
      role & DECISION &&
      !(role & NOT_UNDER && rules.cyclomaticNotUnder.get(type)!.has(types[depth - 1] ?? ''))
    )
      decide()
    if (role & DISCOUNT) decide(-1)
    if (role & ELSE_IF) {
      cognitive(1)
      return true
    }
    if (role & (CONDITIONAL | NESTING)) {
      cognitive(1 + nesting)
      openFrame()
      nesting += 1
      if (unit) {
        unit.walked.maxNesting = Math.max(unit.walked.maxNesting, nesting - unit.nestingBase)
        if (role & LOOP) {
          const node = cursor.currentNode
          const iterated = iteratedCollection(node, rules.performance.iterationClauses)
          unit.walked.performance.loops.push({
            node,
            depth: unit.loopCollections.length + 1,
            iterated,
            sameCollectionAsOuter: iterated !== null && unit.loopCollections.includes(iterated),
          })
          unit.loopCollections.push(iterated)
        }
      }
      return true
    }
    if (role & JUMP && cursor.hasNamedChild) cognitive(1)
    return true
  }

  const leaf = () => {
    const type = cursor.nodeType
    // Set when the leaf was entered.
    const role = typeRoles[typeRoles.length - 1]!
    const named = (role & NAMED) !== 0
    const row = cursor.startRow
    // Tokens fit on one line; only named leaves (heredoc bodies, multi-line literals) may span more.
    const endRow = named ? cursor.endRow : row
    // A token right after `else` (Swift's `{`): a plain else with nothing to defer to.
    if (type !== elseKeyword && previousTypes[previousTypes.length - 1] === elseKeyword)
      cognitive(1)
    if (!named || role & OPERATOR_LEAF) {
      const operator = named ? cursor.nodeText : type
      // A token's roles are its type's; a named operator leaf's are its text's.
      const operatorRole = named ? operatorRoleOf(rules, operator) : role
      // A token may be no decision under some parents (C++'s `&&` of `T&& x`): data's say.
      if (
        operatorRole & DECISION_TOKEN &&
        !(
          operatorRole & NOT_UNDER &&
          rules.cyclomaticNotUnder.get(operator)!.has(types[types.length - 2] ?? '')
        )
      )
        decide()
      if (operatorRole & LOGICAL && frames.length > 1) {
        const parent = frames[frames.length - 2] ?? (frames[frames.length - 2] = stateFrame())
        parent.logicalOperator = operator
      }
      if (operatorRole & HALSTEAD_OPERATOR) {
        add(fileHalstead.operators, operator)
        if (unit) add(unit.walked.halstead.operators, operator)
      }
      mark(row, endRow, 1)
      return
    }
    const text = cursor.nodeText
    if (text.length === 0) return
    // A name spelling a decision keyword under the listed parents (Swift's label `for`).
    if (
      rules.cyclomaticNamesUnder.has(types[types.length - 2] ?? '') &&
      rules.cyclomaticTokens.has(text)
    )
      decide()
    add(fileHalstead.operands, text)
    if (unit) add(unit.walked.halstead.operands, text)
    if (role & NAME) add(identifiers, text)
    mark(row, endRow, 1)
  }

  const leave = () => {
    const type = types.pop() ?? ''
    typeRoles.pop()
    previousTypes.pop()
    lastLeft[types.length] = type
    const frame = frames.pop()
    if (!frame) return
    if (frame.logicalOperator) {
      // One increment per sequence of like operators: a child sequence continuing its
      // parent's operator was counted once already, so it is taken back here.
      let repeats = 0
      for (const operator of frame.logicalChildren ?? [])
        if (operator === frame.logicalOperator) repeats += 1
      cognitive(1 - repeats)
      let index = frames.length - 1
      while (index >= 0 && rules.parentheses.has(types[index]!)) index -= 1
      if (index >= 0) {
        const parent = frames[index] ?? (frames[index] = stateFrame())
        ;(parent.logicalChildren ??= []).push(frame.logicalOperator)
      }
    }
    if (frame.className !== null) unitNames.pop()
    unit = frame.unit
    nesting = frame.nesting
    if (unit) unit.loopCollections.length = frame.loops
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
