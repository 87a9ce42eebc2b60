import { flatCursor, type CursorLike } from '../flat-tree.js'
import type { SyntaxNode, Tree } from '../parser.js'
import type {
  FileMetrics,
  HalsteadCounts,
  MetricProfile,
  ProfileOptions,
  UnitKind,
  UnitMetrics,
} from './profile.js'
import { radonRawCounts } from './radon-raw.js'
import { floatKey, integerKey, SINGLETON_KEYS, stringKey, textKey } from './radon-operands.js'

/*
 * One iterative TreeCursor pass over a tree-sitter-python tree computes, the way radon 6.0.1 does
 * on Python's `ast` (radon/visitors.py):
 * - ComplexityVisitor: decisions per function/class/module scope, and each block's `endline`;
 * - HalsteadVisitor: operators and operands per top-level function and for the file;
 * - sonar-python's CognitiveComplexityVisitor, per function.
 * Raw counts come from a port of Python's tokenizer (radon-raw.ts); MI combines them.
 *
 * Node kinds are learned lazily from their numeric type ids, so the hot loop compares small
 * integers and makes three native calls per node (type id, first child, next sibling).
 */

// Node kinds the walk distinguishes. Everything else is OTHER_NAMED or OTHER_ANONYMOUS.
const OTHER_NAMED = 0
const OTHER_ANONYMOUS = 1
const FUNCTION_DEFINITION = 2
const CLASS_DEFINITION = 3
const DECORATED_DEFINITION = 4
const DECORATOR = 5
const BLOCK = 6
const IF_STATEMENT = 7
const ELIF_CLAUSE = 8
const ELSE_CLAUSE = 9
const FOR_STATEMENT = 10
const WHILE_STATEMENT = 11
const TRY_STATEMENT = 12
const EXCEPT_CLAUSE = 13
const MATCH_STATEMENT = 15
const CASE_CLAUSE = 16
const CONDITIONAL_EXPRESSION = 17
const BOOLEAN_OPERATOR = 18
const NOT_OPERATOR = 19
const UNARY_OPERATOR = 20
const BINARY_OPERATOR = 21
const COMPARISON_OPERATOR = 22
const AUGMENTED_ASSIGNMENT = 23
const FOR_IN_CLAUSE = 24
const IF_CLAUSE = 25
const COMPREHENSION = 26
const ASSERT_STATEMENT = 27
const PARENTHESIZED_EXPRESSION = 28
const IDENTIFIER = 29
const ATTRIBUTE = 30
const STRING = 31
const CONCATENATED_STRING = 32
const INTEGER = 33
const FLOAT = 34
const TRUE = 35
const FALSE = 36
const NONE = 37
const ELLIPSIS = 38
const COMMENT = 39
const NOT_ROW_START = 40
const STAR = 41
const MODULE = 42
const PARAMETERS = 43
const PARAMETER_SEPARATOR = 44
const TYPED_PARAMETER = 45

const NAMED_KINDS: Record<string, number> = {
  module: MODULE,
  parameters: PARAMETERS,
  keyword_separator: PARAMETER_SEPARATOR,
  positional_separator: PARAMETER_SEPARATOR,
  typed_parameter: TYPED_PARAMETER,
  function_definition: FUNCTION_DEFINITION,
  class_definition: CLASS_DEFINITION,
  decorated_definition: DECORATED_DEFINITION,
  decorator: DECORATOR,
  block: BLOCK,
  if_statement: IF_STATEMENT,
  elif_clause: ELIF_CLAUSE,
  else_clause: ELSE_CLAUSE,
  for_statement: FOR_STATEMENT,
  while_statement: WHILE_STATEMENT,
  try_statement: TRY_STATEMENT,
  except_clause: EXCEPT_CLAUSE,
  except_group_clause: EXCEPT_CLAUSE,
  match_statement: MATCH_STATEMENT,
  case_clause: CASE_CLAUSE,
  conditional_expression: CONDITIONAL_EXPRESSION,
  boolean_operator: BOOLEAN_OPERATOR,
  not_operator: NOT_OPERATOR,
  unary_operator: UNARY_OPERATOR,
  binary_operator: BINARY_OPERATOR,
  comparison_operator: COMPARISON_OPERATOR,
  augmented_assignment: AUGMENTED_ASSIGNMENT,
  for_in_clause: FOR_IN_CLAUSE,
  if_clause: IF_CLAUSE,
  list_comprehension: COMPREHENSION,
  set_comprehension: COMPREHENSION,
  dictionary_comprehension: COMPREHENSION,
  generator_expression: COMPREHENSION,
  assert_statement: ASSERT_STATEMENT,
  parenthesized_expression: PARENTHESIZED_EXPRESSION,
  identifier: IDENTIFIER,
  attribute: ATTRIBUTE,
  string: STRING,
  concatenated_string: CONCATENATED_STRING,
  integer: INTEGER,
  float: FLOAT,
  true: TRUE,
  false: FALSE,
  none: NONE,
  ellipsis: ELLIPSIS,
  comment: COMMENT,
  // Named nodes that start where Python's ast has no node (or one that starts earlier): they must
  // not move a block's `endline`. (`else` and `finally` clauses matter when their body is only an
  // assert, which radon's visitor skips.)
  argument_list: NOT_ROW_START,
  finally_clause: NOT_ROW_START,
  string_start: NOT_ROW_START,
  string_content: NOT_ROW_START,
  string_end: NOT_ROW_START,
  escape_sequence: NOT_ROW_START,
  escape_interpolation: NOT_ROW_START,
  interpolation: NOT_ROW_START,
  format_specifier: NOT_ROW_START,
  format_expression: NOT_ROW_START,
  type_conversion: NOT_ROW_START,
  // A backslash continuation is an extra, like a comment: it is nobody's operand or field.
  line_continuation: COMMENT,
}

const BINARY_OPERATORS: Record<string, string> = {
  '+': 'Add',
  '-': 'Sub',
  '*': 'Mult',
  '@': 'MatMult',
  '/': 'Div',
  '%': 'Mod',
  '**': 'Pow',
  '<<': 'LShift',
  '>>': 'RShift',
  '|': 'BitOr',
  '^': 'BitXor',
  '&': 'BitAnd',
  '//': 'FloorDiv',
}
const UNARY_OPERATORS: Record<string, string> = { '-': 'USub', '+': 'UAdd', '~': 'Invert' }
const COMPARISON_OPERATORS: Record<string, string> = {
  '<': 'Lt',
  '>': 'Gt',
  '==': 'Eq',
  '>=': 'GtE',
  '<=': 'LtE',
  '!=': 'NotEq',
  '<>': 'NotEq',
  in: 'In',
  'not in': 'NotIn',
  is: 'Is',
  'is not': 'IsNot',
}

// What each walk position counts for radon. Assert bodies, class bases and class decorators are
// outside radon's ComplexityVisitor (no decisions, no lines) but inside its HalsteadVisitor; a
// def's parameters, annotations and decorators are outside both. sonar-python's cognitive visitor
// sees everything, so it has no bit.
const COUNT_DECISIONS = 1
const COUNT_ROWS = 2
const COUNT_HALSTEAD = 4
const COMPLEXITY_COUNTS = COUNT_DECISIONS | COUNT_ROWS
const ALL_COUNTS = COMPLEXITY_COUNTS | COUNT_HALSTEAD

// Actions to run when the walk leaves a node.
const EXIT_SCOPE = 1
const EXIT_NESTING = 2
const EXIT_TRY = 4
const EXIT_MATCH = 8
const EXIT_BOOLEAN = 16
const EXIT_SEQUENCE = 32
const EXIT_DECORATOR = 64

// How a node passes operand status on to its first or second named child.
const FORWARD_NONE = 0
const FORWARD_PARENTHESIZED = 1
const FORWARD_ATTRIBUTE = 2

/** A Halstead tally: radon's operators_seen/operands_seen sets and totals. */
class HalsteadTally {
  readonly operators = new Set<string>()
  readonly operands = new Set<string>()
  operatorCount = 0
  operandCount = 0

  counts(): HalsteadCounts {
    return {
      n1: this.operators.size,
      n2: this.operands.size,
      N1: this.operatorCount,
      N2: this.operandCount,
    }
  }
}

/** A function, class or the module while the walk is inside it. */
interface Scope {
  kind: 'module' | 'class' | 'function'
  parent: Scope | undefined
  unit: UnitMetrics | undefined
  /** Inside a class defined in a function: radon drops it with everything it contains. */
  dropped: boolean
  /** radon's block name, from which closures and inner classes are named (`m.inner`, `C.Inner`). */
  blockName: string
  /** Decisions made directly in this scope, nested defs and classes excluded. */
  decisions: number
  /**
   * radon's roll-up of nested blocks. A class: Σ method complexity, which enters its
   * real_complexity. The module: Σ (complexity − 1) over its functions and classes, radon's
   * functions_complexity + classes_complexity in total_complexity.
   */
  childComplexity: number
  methodCount: number
  methodEndLine: number
  startLine: number
  /** Walk depth of the body block, to recognise the body's own statements. */
  bodyDepth: number
  /** Whether AST-node starts currently move `endline`, and the last such start. */
  recordingRows: boolean
  lastRowStart: number
  /** Halstead context (radon keys operands by the innermost function's name). */
  context: string
  /** The tally of the enclosing top-level function, if any. */
  tally: HalsteadTally | undefined
  /** Cognitive complexity: nesting inside this scope, own total, and structural increments. */
  nesting: number
  cognitive: number
  structural: number
  /** Nesting this function adds to its parent function's view of it. */
  nestingOffset: number
  /** Body statements other than `return name`, counted on demand (wrapper-function rule). */
  complexStatements: number
  /** The function_definition or class_definition. */
  node: SyntaxNode | undefined
}

function newScope(
  kind: Scope['kind'],
  parent: Scope | undefined,
  fields: Partial<Scope> = {},
): Scope {
  return {
    kind,
    parent,
    unit: undefined,
    dropped: false,
    blockName: '',
    decisions: 0,
    childComplexity: 0,
    methodCount: 0,
    methodEndLine: 0,
    startLine: 0,
    bodyDepth: -1,
    recordingRows: false,
    lastRowStart: -1,
    context: '\u0001',
    tally: undefined,
    nesting: 0,
    cognitive: 0,
    structural: 0,
    nestingOffset: 0,
    complexStatements: -1,
    node: undefined,
    ...fields,
  }
}

/** `case _:` or `case name:`: a MatchAs without a sub-pattern, which radon 6 subtracts once. */
function isIrrefutableCase(caseClause: SyntaxNode): boolean {
  const patterns = caseClause.namedChildren.filter((child) => child.type === 'case_pattern')
  if (patterns.length !== 1) return false
  const pattern = patterns[0]
  if (!pattern || pattern.childCount !== 1) return false
  const only = pattern.child(0)
  if (!only) return false
  if (only.type === '_') return true
  return only.type === 'dotted_name' && only.namedChildCount === 1
}

/**
 * Offsets of line starts. The native binding parses JS strings as UTF-16 and reports
 * `startIndex` in UTF-16 code units (byte offset / 2), so offsets index `source` directly.
 */
function lineStarts(source: string): Int32Array {
  let newlines = 0
  for (let index = source.indexOf('\n'); index >= 0; index = source.indexOf('\n', index + 1))
    newlines++
  const starts = new Int32Array(newlines + 1)
  let line = 1
  for (let index = source.indexOf('\n'); index >= 0; index = source.indexOf('\n', index + 1))
    starts[line++] = index + 1
  return starts
}

function lineOfOffset(starts: Int32Array, offset: number): number {
  let low = 0
  let high = starts.length - 1
  while (low < high) {
    const middle = (low + high + 1) >> 1
    if ((starts[middle] ?? 0) <= offset) low = middle
    else high = middle - 1
  }
  return low + 1
}

/** The walk over one tree. */
class RadonWalk {
  private readonly kindById: number[] = []
  private readonly namedById: boolean[] = []
  private readonly textById: string[] = []

  // Per-depth state of the current path from the root.
  private kindAt: number[] = []
  private childIndexAt: number[] = []
  private maskAt: number[] = []
  private namedSeenAt: number[] = []
  private exitAt: number[] = []
  private forwardAt: number[] = []
  private booleanOperatorAt: (string | undefined)[] = []
  private leftBooleanAt: (string | undefined)[] = []
  private decoratesFunctionAt: boolean[] = []
  private pendingCognitiveAt: number[] = []
  private pendingStructuralAt: number[] = []
  private tryHandlersAt: number[] = []
  private tryElseAt: boolean[] = []
  private tryStarAt: boolean[] = []
  private matchCasesAt: number[] = []
  private matchIrrefutableAt: boolean[] = []

  /** Cognitive `and`/`or` sequences: the previous operator of each open sequence. */
  private sequences: (string | undefined)[] = []

  private scope: Scope
  private readonly module: Scope
  readonly units: UnitMetrics[] = []
  readonly fileTally = new HalsteadTally()
  private uniqueOperands = 0
  private rowStarts: Int32Array | undefined

  constructor(
    private readonly tree: Tree,
    private readonly source: string,
    private readonly countMatch: boolean,
  ) {
    this.module = newScope('module', undefined)
    this.scope = this.module
  }

  run(): void {
    const cursor = flatCursor(this.tree, this.source)
    let depth = 0
    for (;;) {
      if (this.enter(cursor, depth) && cursor.gotoFirstChild()) {
        depth++
        continue
      }
      this.exit(depth)
      for (;;) {
        if (depth > 0 && cursor.gotoNextSibling()) break
        if (depth === 0 || !cursor.gotoParent()) return
        depth--
        this.exit(depth)
      }
    }
  }

  /** Module-level total: radon's ComplexityVisitor.total_complexity. */
  totalComplexity(): number {
    return 1 + this.module.decisions + this.module.childComplexity
  }

  private learn(cursor: CursorLike, id: number): number {
    const type = cursor.nodeType
    const named = cursor.nodeIsNamed
    const kind = named ? (NAMED_KINDS[type] ?? OTHER_NAMED) : type === '*' ? STAR : OTHER_ANONYMOUS
    this.kindById[id] = kind
    this.namedById[id] = named
    this.textById[id] = type
    return kind
  }

  private enter(cursor: CursorLike, depth: number): boolean {
    const id = cursor.nodeTypeId
    const kind = this.kindById[id] ?? this.learn(cursor, id)
    const named = this.namedById[id] === true
    this.kindAt[depth] = kind
    this.namedSeenAt[depth] = 0
    this.exitAt[depth] = 0
    this.forwardAt[depth] = FORWARD_NONE
    this.childIndexAt[depth] = -1
    const parentDepth = depth - 1
    const parentKind = depth > 0 ? (this.kindAt[parentDepth] ?? OTHER_NAMED) : OTHER_NAMED
    let mask = depth > 0 ? (this.maskAt[parentDepth] ?? 0) : ALL_COUNTS
    let childIndex = -1
    if (named && kind !== COMMENT && depth > 0) {
      childIndex = this.namedSeenAt[parentDepth] ?? 0
      this.namedSeenAt[parentDepth] = childIndex + 1
      this.childIndexAt[depth] = childIndex
    }

    if (parentKind === FUNCTION_DEFINITION && kind !== BLOCK) mask = 0
    else if (parentKind === CLASS_DEFINITION && kind !== BLOCK) mask &= ~COMPLEXITY_COUNTS
    else if (parentKind === DECORATED_DEFINITION && kind === DECORATOR) {
      mask = this.decoratesFunctionAt[parentDepth] ? 0 : mask & ~COMPLEXITY_COUNTS
      this.enterDecorator(depth)
    }
    this.maskAt[depth] = mask
    const scope = this.scope

    if (named && kind !== COMMENT) {
      if (depth === scope.bodyDepth + 1 && parentKind === BLOCK && scope.kind === 'function') {
        // radon's endline looks at the last body statement only: start afresh at each one.
        scope.lastRowStart = -1
        scope.recordingRows =
          kind !== FUNCTION_DEFINITION &&
          kind !== CLASS_DEFINITION &&
          kind !== DECORATED_DEFINITION &&
          kind !== ASSERT_STATEMENT
      } else if (depth === scope.bodyDepth && childIndex === 0 && kind === IDENTIFIER) {
        this.nameScope(scope, cursor.nodeText)
      } else if (parentKind === PARAMETERS && kind !== PARAMETER_SEPARATOR) {
        if (depth === scope.bodyDepth + 1) this.countParameter(cursor, scope, kind, childIndex)
      }
      if (
        scope.recordingRows &&
        mask & COUNT_ROWS &&
        kind !== NOT_ROW_START &&
        kind !== BLOCK &&
        kind !== ELSE_CLAUSE &&
        kind !== FUNCTION_DEFINITION &&
        kind !== CLASS_DEFINITION &&
        kind !== DECORATED_DEFINITION &&
        kind !== ASSERT_STATEMENT &&
        !(parentKind === ATTRIBUTE && childIndex === 1) &&
        !(parentKind === CONCATENATED_STRING && childIndex > 0)
      ) {
        scope.lastRowStart = cursor.startIndex
      }
      if (depth > 0 && mask & COUNT_HALSTEAD)
        this.operand(cursor, depth, kind, parentKind, childIndex)
    }

    switch (kind) {
      case FUNCTION_DEFINITION:
        this.enterFunction(cursor, depth)
        this.exitAt[depth] = EXIT_SCOPE
        return true
      case CLASS_DEFINITION:
        this.enterClass(cursor, depth)
        this.exitAt[depth] = EXIT_SCOPE
        return true
      case DECORATED_DEFINITION:
        this.pendingCognitiveAt[depth] = 0
        this.pendingStructuralAt[depth] = 0
        this.decoratesFunctionAt[depth] =
          cursor.currentNode.childForFieldName('definition')?.type === 'function_definition'
        return true
      case BLOCK:
        if (
          parentKind === IF_STATEMENT ||
          parentKind === ELIF_CLAUSE ||
          parentKind === ELSE_CLAUSE ||
          parentKind === FOR_STATEMENT ||
          parentKind === WHILE_STATEMENT ||
          parentKind === EXCEPT_CLAUSE ||
          parentKind === CASE_CLAUSE
        ) {
          scope.nesting++
          this.exitAt[depth] = EXIT_NESTING
        }
        return true
      case IF_STATEMENT:
      case FOR_STATEMENT:
      case WHILE_STATEMENT:
        if (mask & COUNT_DECISIONS) scope.decisions++
        this.structural(scope)
        return true
      case ELIF_CLAUSE:
        if (mask & COUNT_DECISIONS) scope.decisions++
        scope.cognitive++
        return true
      case ELSE_CLAUSE:
        scope.cognitive++
        if (mask & COUNT_DECISIONS) {
          if (parentKind === FOR_STATEMENT || parentKind === WHILE_STATEMENT) scope.decisions++
          else if (parentKind === TRY_STATEMENT) this.tryElseAt[parentDepth] = true
        }
        return true
      case TRY_STATEMENT:
        this.tryHandlersAt[depth] = 0
        this.tryElseAt[depth] = false
        this.tryStarAt[depth] = false
        if (mask & COUNT_DECISIONS) this.exitAt[depth] = EXIT_TRY
        return true
      case EXCEPT_CLAUSE:
        this.structural(scope)
        if (parentKind === TRY_STATEMENT)
          this.tryHandlersAt[parentDepth] = (this.tryHandlersAt[parentDepth] ?? 0) + 1
        return true
      case STAR:
        // `except*` is TryStar, which radon does not count at all.
        if (parentKind === EXCEPT_CLAUSE && depth >= 2) this.tryStarAt[depth - 2] = true
        this.operatorToken(parentKind, parentDepth, '*')
        return false
      case MATCH_STATEMENT:
        this.matchCasesAt[depth] = 0
        this.matchIrrefutableAt[depth] = false
        if (mask & COUNT_DECISIONS && this.countMatch) this.exitAt[depth] = EXIT_MATCH
        return true
      case CASE_CLAUSE:
        if (depth >= 2 && this.kindAt[depth - 2] === MATCH_STATEMENT) {
          this.matchCasesAt[depth - 2] = (this.matchCasesAt[depth - 2] ?? 0) + 1
          if (this.countMatch && isIrrefutableCase(cursor.currentNode))
            this.matchIrrefutableAt[depth - 2] = true
        }
        return true
      case CONDITIONAL_EXPRESSION:
        if (mask & COUNT_DECISIONS) scope.decisions++
        this.structural(scope)
        scope.nesting++
        this.exitAt[depth] = EXIT_NESTING
        return true
      case BOOLEAN_OPERATOR:
        if (mask & COUNT_DECISIONS) scope.decisions++
        this.booleanOperatorAt[depth] = undefined
        this.leftBooleanAt[depth] = undefined
        this.exitAt[depth] = EXIT_BOOLEAN
        if (parentKind !== BOOLEAN_OPERATOR) {
          this.sequences.push(undefined)
          this.exitAt[depth] |= EXIT_SEQUENCE
        }
        return true
      case FOR_IN_CLAUSE:
        if (mask & COUNT_DECISIONS) scope.decisions++
        return true
      case IF_CLAUSE:
        if (mask & COUNT_DECISIONS && parentKind === COMPREHENSION) scope.decisions++
        return true
      case ASSERT_STATEMENT:
        if (mask & COUNT_DECISIONS) scope.decisions++
        this.maskAt[depth] = mask & ~COMPLEXITY_COUNTS
        return true
      case COMMENT:
      case IDENTIFIER:
      case INTEGER:
      case FLOAT:
      case TRUE:
      case FALSE:
      case NONE:
      case ELLIPSIS:
        return false
      case OTHER_ANONYMOUS:
        this.operatorToken(parentKind, parentDepth, this.textById[id] ?? '')
        return false
      default:
        return true
    }
  }

  private exit(depth: number): void {
    const actions = this.exitAt[depth] ?? 0
    if (actions === 0) return
    const scope = this.scope
    if (actions & EXIT_NESTING) scope.nesting--
    if (actions & EXIT_TRY) {
      if (!this.tryStarAt[depth])
        scope.decisions += (this.tryHandlersAt[depth] ?? 0) + (this.tryElseAt[depth] ? 1 : 0)
    }
    if (actions & EXIT_MATCH) {
      const cases = this.matchCasesAt[depth] ?? 0
      scope.decisions += Math.max(0, cases - (this.matchIrrefutableAt[depth] ? 1 : 0))
    }
    if (actions & EXIT_BOOLEAN) this.exitBoolean(depth)
    if (actions & EXIT_SEQUENCE) this.sequences.pop()
    if (actions & EXIT_SCOPE) this.exitScope()
    if (actions & EXIT_DECORATOR) this.exitDecorator(depth)
  }

  /**
   * sonar-python counts a decorator inside the function or class it decorates, at that
   * definition's own level, but the walk meets decorators first: they are counted in a stand-in
   * scope and handed over when the definition is entered.
   */
  private enterDecorator(depth: number): void {
    const parent = this.scope
    this.scope = newScope('function', parent, {
      dropped: true,
      context: parent.context,
      tally: parent.tally,
    })
    this.exitAt[depth] = EXIT_DECORATOR
  }

  private exitDecorator(depth: number): void {
    const stand = this.scope
    this.scope = stand.parent ?? this.module
    this.pendingCognitiveAt[depth - 1] = (this.pendingCognitiveAt[depth - 1] ?? 0) + stand.cognitive
    this.pendingStructuralAt[depth - 1] =
      (this.pendingStructuralAt[depth - 1] ?? 0) + stand.structural
  }

  /** Hands the decorators' cognitive increments to the definition they decorate. */
  private adoptDecorators(scope: Scope, depth: number): void {
    if (depth === 0 || this.kindAt[depth - 1] !== DECORATED_DEFINITION) return
    scope.cognitive += this.pendingCognitiveAt[depth - 1] ?? 0
    scope.structural += this.pendingStructuralAt[depth - 1] ?? 0
  }

  /** A structural cognitive increment: +1 plus the nesting level. */
  private structural(scope: Scope): void {
    scope.cognitive += 1 + scope.nesting
    scope.structural++
  }

  private addOperator(name: string): void {
    this.fileTally.operators.add(name)
    this.fileTally.operatorCount++
    const tally = this.scope.tally
    if (!tally) return
    tally.operators.add(name)
    tally.operatorCount++
  }

  private addOperand(key: string): void {
    const scoped = this.scope.context + key
    this.fileTally.operands.add(scoped)
    this.fileTally.operandCount++
    const tally = this.scope.tally
    if (!tally) return
    tally.operands.add(scoped)
    tally.operandCount++
  }

  private uniqueOperand(): string {
    return 'u:' + String(this.uniqueOperands++)
  }

  /** An anonymous token: an operator when its parent is an operator node. */
  private operatorToken(parentKind: number, parentDepth: number, token: string): void {
    if (parentKind === BOOLEAN_OPERATOR) {
      this.booleanToken(parentDepth, token)
      return
    }
    if (!((this.maskAt[parentDepth] ?? 0) & COUNT_HALSTEAD)) return
    switch (parentKind) {
      case BINARY_OPERATOR:
        this.addOperator(BINARY_OPERATORS[token] ?? token)
        return
      case UNARY_OPERATOR:
        this.addOperator(UNARY_OPERATORS[token] ?? token)
        return
      case NOT_OPERATOR:
        if (token === 'not') this.addOperator('Not')
        return
      case AUGMENTED_ASSIGNMENT: {
        const binary = BINARY_OPERATORS[token.slice(0, -1)]
        if (binary) this.addOperator(binary)
        return
      }
      case COMPARISON_OPERATOR: {
        const comparison = COMPARISON_OPERATORS[token]
        if (comparison) this.addOperator(comparison)
        return
      }
    }
  }

  /** `and`/`or`: a cognitive sequence step, and Halstead's BoolOp folding. */
  private booleanToken(parentDepth: number, token: string): void {
    if (token !== 'and' && token !== 'or') return
    const sequence = this.sequences.length - 1
    if (this.sequences[sequence] !== token) this.scope.cognitive++
    this.sequences[sequence] = token
    this.booleanOperatorAt[parentDepth] = token
    if (!((this.maskAt[parentDepth] ?? 0) & COUNT_HALSTEAD)) return
    // Python folds `a and b and c` into one BoolOp: a same-operator left operand is part of this
    // one, any other boolean left operand is a BoolOp of its own and an operand here.
    const left = this.leftBooleanAt[parentDepth]
    if (left !== undefined && left !== token) {
      this.addOperator(left === 'and' ? 'And' : 'Or')
      this.addOperand(this.uniqueOperand())
    }
  }

  /** A boolean_operator is complete: report it, or leave it to its parent to fold. */
  private exitBoolean(depth: number): void {
    const token = this.booleanOperatorAt[depth]
    if (token === undefined) return
    const parentDepth = depth - 1
    if (this.kindAt[parentDepth] === BOOLEAN_OPERATOR && this.childIndexAt[depth] === 0) {
      this.leftBooleanAt[parentDepth] = token
      return
    }
    if ((this.maskAt[depth] ?? 0) & COUNT_HALSTEAD) this.addOperator(token === 'and' ? 'And' : 'Or')
  }

  /** Records the node as a Halstead operand when its parent takes it as one. */
  private operand(
    cursor: CursorLike,
    depth: number,
    kind: number,
    parentKind: number,
    childIndex: number,
  ): void {
    const parentDepth = depth - 1
    let isOperand = false
    switch (parentKind) {
      case BINARY_OPERATOR:
      case AUGMENTED_ASSIGNMENT:
      case COMPARISON_OPERATOR:
      case UNARY_OPERATOR:
      case NOT_OPERATOR:
        isOperand = true
        break
      case BOOLEAN_OPERATOR:
        isOperand = childIndex !== 0 || kind !== BOOLEAN_OPERATOR
        break
      case PARENTHESIZED_EXPRESSION:
        isOperand = childIndex === 0 && this.forwardAt[parentDepth] === FORWARD_PARENTHESIZED
        break
      case ATTRIBUTE:
        if (childIndex === 1 && this.forwardAt[parentDepth] === FORWARD_ATTRIBUTE)
          this.addOperand(textKey(cursor.nodeText))
        return
    }
    if (!isOperand) return
    switch (kind) {
      case IDENTIFIER:
        this.addOperand(textKey(cursor.nodeText))
        return
      case ATTRIBUTE:
        this.forwardAt[depth] = FORWARD_ATTRIBUTE
        return
      case PARENTHESIZED_EXPRESSION:
        this.forwardAt[depth] = FORWARD_PARENTHESIZED
        return
      case INTEGER:
        this.addOperand(integerKey(cursor.nodeText))
        return
      case FLOAT:
        this.addOperand(floatKey(cursor.nodeText))
        return
      case TRUE:
        this.addOperand(SINGLETON_KEYS.true)
        return
      case FALSE:
        this.addOperand(SINGLETON_KEYS.false)
        return
      case NONE:
        this.addOperand(SINGLETON_KEYS.none)
        return
      case ELLIPSIS:
        this.addOperand(SINGLETON_KEYS.ellipsis)
        return
      case STRING:
        this.addOperand(stringKey([cursor.nodeText]) ?? this.uniqueOperand())
        return
      case CONCATENATED_STRING: {
        const parts = cursor.currentNode.namedChildren
          .filter((part) => part.type === 'string')
          .map((part) => part.text)
        this.addOperand(stringKey(parts) ?? this.uniqueOperand())
        return
      }
      case BOOLEAN_OPERATOR:
        // A boolean left operand is decided when the parent's operator is known.
        if (parentKind === BOOLEAN_OPERATOR && childIndex === 0) return
        this.addOperand(this.uniqueOperand())
        return
      default:
        this.addOperand(this.uniqueOperand())
    }
  }

  private enterFunction(cursor: CursorLike, depth: number): void {
    const node = cursor.currentNode
    const parent = this.scope
    const startLine = cursor.startPosition.row + 1
    let nearestFunction: Scope | undefined = parent
    while (nearestFunction && nearestFunction.kind === 'class')
      nearestFunction = nearestFunction.parent
    const scope = newScope('function', parent, {
      dropped: parent.dropped,
      startLine,
      bodyDepth: depth + 1,
      tally: nearestFunction?.kind === 'function' ? parent.tally : new HalsteadTally(),
      nestingOffset: this.nestingOffset(parent, depth),
      node,
    })
    const kind: UnitKind =
      parent.kind === 'class' ? 'method' : parent.kind === 'function' ? 'closure' : 'function'
    this.openScope(scope, kind, node, depth)
  }

  /** Names a def or class once the walk reaches its name, the first named child. */
  private nameScope(scope: Scope, name: string): void {
    const parent = scope.parent
    if (!parent) return
    if (scope.kind === 'class') {
      scope.blockName = parent.kind === 'class' ? `${parent.blockName}.${name}` : name
    } else {
      // radon names closures after the enclosing block's own name (`m.inner`, not `C.m.inner`)
      // and keys Halstead operands by the function name.
      scope.blockName = parent.kind === 'function' ? `${parent.blockName}.${name}` : name
      scope.context = name + '\u0000'
    }
    const unit = scope.unit
    if (!unit) return
    unit.name = name
    unit.qualifiedName = unit.kind === 'method' ? `${parent.blockName}.${name}` : scope.blockName
  }

  /** One declared parameter; a method's leading `self` or `cls` does not count. */
  private countParameter(cursor: CursorLike, scope: Scope, kind: number, childIndex: number): void {
    const unit = scope.unit
    if (!unit) return
    if (childIndex === 0 && unit.kind === 'method') {
      const name =
        kind === IDENTIFIER
          ? cursor.nodeText
          : kind === TYPED_PARAMETER
            ? cursor.currentNode.firstNamedChild?.text
            : undefined
      if (name === 'self' || name === 'cls') return
    }
    unit.parameters++
  }

  /**
   * sonar-python's NestingLevel: a def nested in a function sits one level deeper than the
   * statement holding it, unless the parent only wraps it (every other statement is
   * `return name`); in a class or at module level it restarts at 0.
   */
  private nestingOffset(parent: Scope, depth: number): number {
    if (parent.kind !== 'function') return 0
    const direct =
      depth === parent.bodyDepth + 1 ||
      (depth === parent.bodyDepth + 2 && this.kindAt[depth - 1] === DECORATED_DEFINITION)
    if (direct && this.complexStatements(parent) === 1) return parent.nesting
    return parent.nesting + 1
  }

  private complexStatements(scope: Scope): number {
    if (scope.complexStatements >= 0) return scope.complexStatements
    const body = scope.node?.childForFieldName('body')
    let count = 0
    for (const statement of body?.namedChildren ?? []) {
      if (statement.type === 'comment') continue
      const simpleReturn =
        statement.type === 'return_statement' &&
        statement.namedChildCount === 1 &&
        statement.namedChild(0)?.type === 'identifier'
      if (!simpleReturn) count++
    }
    scope.complexStatements = count
    return count
  }

  private enterClass(cursor: CursorLike, depth: number): void {
    const node = cursor.currentNode
    const parent = this.scope
    const startLine = cursor.startPosition.row + 1
    const scope = newScope('class', parent, {
      dropped: parent.dropped || parent.kind === 'function',
      startLine,
      bodyDepth: depth + 1,
      recordingRows: true,
      context: parent.context,
      tally: parent.tally,
      node,
    })
    this.openScope(scope, 'class', node, depth)
  }

  /** Makes `scope` current and, unless radon drops it, a reported unit (named later). */
  private openScope(scope: Scope, kind: UnitKind, node: SyntaxNode, depth: number): void {
    if (!scope.dropped) {
      const unit: UnitMetrics = {
        name: '',
        qualifiedName: '',
        kind,
        startLine: scope.startLine,
        endLine: scope.startLine,
        cyclomatic: 1,
        cognitive: 0,
        parameters: 0,
        node,
      }
      scope.unit = unit
      this.units.push(unit)
    }
    this.nameScope(scope, '')
    this.adoptDecorators(scope, depth)
    this.scope = scope
  }

  private exitScope(): void {
    const scope = this.scope
    const parent = scope.parent
    if (!parent) return
    this.scope = parent
    let endLine = scope.startLine
    if (scope.lastRowStart >= 0) {
      this.rowStarts ??= lineStarts(this.source)
      endLine = Math.max(endLine, lineOfOffset(this.rowStarts, scope.lastRowStart))
    }
    if (scope.kind === 'function') {
      const complexity = 1 + scope.decisions
      if (parent.kind === 'class') {
        parent.childComplexity += complexity
        parent.methodCount++
        parent.methodEndLine = Math.max(parent.methodEndLine, endLine)
      } else if (parent.kind === 'module') {
        parent.childComplexity += complexity - 1
      }
      if (parent.kind === 'function') {
        parent.cognitive += scope.cognitive + scope.structural * scope.nestingOffset
        parent.structural += scope.structural
      } else {
        parent.cognitive += scope.cognitive
      }
      if (scope.unit) {
        scope.unit.cyclomatic = complexity
        scope.unit.endLine = endLine
        scope.unit.cognitive = scope.cognitive
        // Only functions that own their tally are listed by radon hal: nested ones merge upward.
        if (scope.tally && scope.tally !== parent.tally) scope.unit.halstead = scope.tally.counts()
      }
      return
    }
    const real = 1 + scope.decisions + scope.childComplexity
    if (parent.kind === 'module') parent.childComplexity += real - 1
    parent.cognitive += scope.cognitive
    if (scope.unit) {
      const methods = scope.methodCount
      scope.unit.cyclomatic =
        methods === 0 ? real : Math.floor(real / methods) + (methods > 1 ? 1 : 0)
      scope.unit.endLine = Math.max(endLine, scope.methodEndLine)
      scope.unit.cognitive = scope.cognitive
    }
  }
}

/**
 * radon's maintainability index (`mi_compute`): 0–100, with the comment term over
 * `(comments + multi) / sloc`, as `radon mi` computes it by default.
 */
export function maintainabilityIndex(
  volume: number,
  complexity: number,
  logicalLines: number,
  commentPercent: number,
): number {
  if (volume <= 0 || logicalLines <= 0) return 100
  // Same operation order as radon, so that results agree to the last bit.
  const nonNormalized =
    171 -
    5.2 * Math.log(volume) -
    0.23 * complexity -
    16.2 * Math.log(logicalLines) +
    50 * Math.sin(Math.sqrt(2.46 * (commentPercent * (Math.PI / 180))))
  return Math.min(Math.max(0, (nonNormalized * 100) / 171), 100)
}

/** radon's Halstead volume: N·log2(η), 0 for an empty vocabulary. */
export function halsteadVolume(counts: HalsteadCounts): number {
  const vocabulary = counts.n1 + counts.n2
  return vocabulary === 0 ? 0 : (counts.N1 + counts.N2) * (Math.log(vocabulary) / Math.log(2))
}

/**
 * Python metrics computed exactly as radon 6.0.1 (cc, raw, hal, mi; `radonCompat: '5.1'` scores
 * `match` 0 like Debian's radon 5.1.0) and sonar-python (cognitive) compute them.
 *
 * Units follow `radon cc --show-closures`: functions, methods, closures named `outer.inner`
 * (`m.inner` for a method's closure, as radon prints it), and classes with radon's averaged
 * complexity; classes defined inside functions are dropped, lambdas are not units. `halstead` is
 * set on the functions `radon hal` lists (defs outside any other def).
 *
 * `cognitive` is CognitiveComplexityVisitor.complexity(def): an outer function's value includes
 * its closures (one level deeper unless it only wraps them), as sonar-python's S3776 reports it;
 * a closure's value is its own body alone (S3776 reports no inner functions), and a class's the
 * sum over its body, where nesting restarts at 0.
 */
export const radonProfile: MetricProfile = {
  analyze(tree: Tree, source: string, options: ProfileOptions) {
    const walk = new RadonWalk(tree, source, options.radonCompat !== '5.1')
    walk.run()
    const raw = radonRawCounts(source)
    const halstead = walk.fileTally.counts()
    const totalComplexity = walk.totalComplexity()
    const file: FileMetrics = { halstead, totalComplexity }
    if (raw) {
      file.raw = raw
      const commentPercent = raw.sloc === 0 ? 0 : ((raw.comments + raw.multi) / raw.sloc) * 100
      file.maintainabilityIndex = maintainabilityIndex(
        halsteadVolume(halstead),
        totalComplexity,
        raw.lloc,
        commentPercent,
      )
    }
    return { units: walk.units, file }
  },
}
