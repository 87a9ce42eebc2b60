import type Parser from 'tree-sitter'
import { flatCursor } from '../flat-tree.js'
import type { Tree } from '../parser.js'
import {
  ARROW_FUNCTION,
  ASSIGNMENT,
  BINARY,
  CATCH,
  CLASS,
  classifyNodeType,
  COMMENT,
  DEFAULT_PATTERN,
  ELSE,
  FIELD,
  FORMAL_PARAMETERS,
  FUNCTION_DECLARATION,
  FUNCTION_EXPRESSION,
  IF,
  JSX_EXPRESSION,
  JUMP,
  KIND_MASK,
  LABEL,
  LOOP,
  MEMBER_HEAD,
  METHOD,
  NAMED,
  OPTIONAL_CHAIN,
  PAIR,
  PARAMETER,
  PARENTHESIZED,
  SKIP_SUBTREE,
  STATIC_BLOCK,
  SWITCH,
  SWITCH_CASE,
  SWITCH_DEFAULT,
  TERNARY,
  THIS,
  TOKEN_ACCESSOR,
  TOKEN_AND,
  TOKEN_ARROW,
  TOKEN_EQUALS,
  TOKEN_FUNCTION,
  TOKEN_LOGICAL_ASSIGNMENT,
  TOKEN_NULLISH,
  TOKEN_OPTIONAL_CHAIN,
  TOKEN_OR,
  VARIABLE_DECLARATOR,
} from './eslint-node-kinds.js'
import type { ParentContext } from './eslint-unit-info.js'
import { keyName, readParentContext } from './eslint-unit-info.js'
import type {
  FileMetrics,
  MetricProfile,
  ProfileOptions,
  UnitKind,
  UnitMetrics,
} from './profile.js'

/** A unit as this profile reports it, with the positions the two anchors report it at. */
export interface EslintUnitMetrics extends UnitMetrics {
  /** 0-based column of ESLint's report on {@link UnitMetrics.startLine}, to order units on a line. */
  startColumn: number
  /**
   * The line eslint-plugin-sonarjs reports the cognitive complexity on (the function's name, key,
   * `function` keyword or `=>`). It differs from {@link UnitMetrics.startLine} only when a function
   * head spans several lines; 0 for initializers and static blocks, which SonarJS does not report.
   */
  cognitiveLine: number
  /** 0-based column of SonarJS's report on {@link cognitiveLine}. */
  cognitiveColumn: number
}

// Field names the walk needs, folded to small codes.
const FIELD_OTHER = 0
const FIELD_CONSEQUENCE = 1
const FIELD_ALTERNATIVE = 2
const FIELD_BODY = 3
const FIELD_NAME = 4
const FIELD_PARAMETER = 5

const FIELD_CODES = new Map([
  ['consequence', FIELD_CONSEQUENCE],
  ['alternative', FIELD_ALTERNATIVE],
  ['body', FIELD_BODY],
  ['name', FIELD_NAME],
  ['parameter', FIELD_PARAMETER],
  // A class field's key: `property` in tree-sitter-javascript, `name` in tree-sitter-typescript.
  ['property', FIELD_NAME],
])

// Per-frame state bits.
const SEEN_EQUALS = 1
const ACCESSOR_FIELD = 2
const VALUE_TAKEN = 4
const GROUP_ROOT = 8
const UNIT_PARAMETERS = 16

// Per-unit rules for where the anchors report it, settled by tokens met later in the walk.
const SONAR_AT_FUNCTION_KEYWORD = 1
const SONAR_AT_NAME = 2
const SONAR_AT_ARROW = 4
const HEAD_AT_ARROW = 8
const NAME_FROM_OWN = 16

/** ESTree parents that name or place a function expression, arrow or class expression. */
function isNamingParent(code: number): boolean {
  return (
    code === PAIR ||
    code === FIELD ||
    code === VARIABLE_DECLARATOR ||
    code === ASSIGNMENT ||
    code === DEFAULT_PATTERN
  )
}

function isFunctionKind(code: number): boolean {
  return code >= FUNCTION_DECLARATION && code <= METHOD
}

function needsField(code: number): boolean {
  return (
    code === IF ||
    code === TERNARY ||
    code === LOOP ||
    code === CATCH ||
    code === FIELD ||
    code === CLASS ||
    (code >= FUNCTION_DECLARATION && code <= METHOD)
  )
}

const NO_CONTEXT: ParentContext = { name: null, holder: null, key: null, inPair: false }

const UNIT_KINDS: Record<number, UnitKind> = {
  [FUNCTION_DECLARATION]: 'function',
  [FUNCTION_EXPRESSION]: 'function',
  [ARROW_FUNCTION]: 'arrow',
  [METHOD]: 'method',
}

/** Kind tables by grammar: node type ids are per grammar, and learning them costs native calls. */
const kindTables = new WeakMap<object, Int16Array>()

/**
 * Measures every ESLint complexity unit of a JavaScript, TypeScript or TSX tree in one iterative
 * TreeCursor walk. Tokens are handled without a frame of their own, and per-unit facts (names,
 * report positions, parameters) are read from the cursor as the walk passes them: the node API
 * allocates on every call and finds parents in O(depth), so it only hands out each unit's node.
 *
 * Cyclomatic follows ESLint 10.15.0 `complexity` (`lib/rules/complexity.js`): 1 per code path
 * (function, class field initializer, class static block) plus 1 per `if`, `?:`, `&&`/`||`/`??`,
 * loop, `catch`, default value, logical assignment, `?.` link, and `case` with a test (classic) or
 * `switch` (modified). Nested units never add to their parent.
 *
 * Cognitive follows eslint-plugin-sonarjs 4.2.2 S3776 per function (`functionOwnComplexity`):
 * each function counted on its own, nesting restarting at 0 inside it; `||` and `??` exempt but
 * ending an `&&` run; `else` and labelled jumps flat +1; JSX short-circuits free. One quirk is
 * reproduced on purpose: a function that is itself a ternary branch raises its enclosing
 * function's nesting for the rest of that function, because the rule's `*:exit` listener runs
 * before `:function:exit` and decrements the inner function's counter instead.
 *
 * Every nested function, named or not, is reported with kind `function` (`arrow` for arrows,
 * `method` for methods); no `closure` kind is used.
 */
export function measureEslintUnits(tree: Tree, options: ProfileOptions = {}): EslintUnitMetrics[] {
  const modified = options.cyclomaticVariant === 'modified'
  const cursor = flatCursor(tree)

  // `Parser.parse` records the grammar on the tree; the typings do not declare it.
  const grammar = (tree as Tree & { language?: unknown }).language
  let kinds =
    (typeof grammar === 'object' && grammar !== null ? kindTables.get(grammar) : undefined) ??
    new Int16Array(512).fill(-1)
  if (typeof grammar === 'object' && grammar !== null) kindTables.set(grammar, kinds)

  function kindOfCurrent(): number {
    const typeId = cursor.nodeTypeId
    let kind = typeId < kinds.length ? kinds[typeId]! : -1
    if (kind < 0) kind = learnKind(typeId)
    return kind
  }

  function learnKind(typeId: number): number {
    if (typeId >= kinds.length) {
      const grown = new Int16Array(typeId * 2).fill(-1)
      grown.set(kinds)
      kinds = grown
      if (typeof grammar === 'object' && grammar !== null) kindTables.set(grammar, kinds)
    }
    const kind = classifyNodeType(cursor.nodeType, cursor.nodeIsNamed)
    kinds[typeId] = kind
    return kind
  }

  const fieldCodes: number[] = []
  function fieldOfCurrent(): number {
    const fieldId = cursor.currentFieldId
    if (fieldId <= 0) return FIELD_OTHER
    let code = fieldCodes[fieldId]
    if (code === undefined) {
      code = FIELD_CODES.get(cursor.currentFieldName) ?? FIELD_OTHER
      fieldCodes[fieldId] = code
    }
    return code
  }

  // Units, and the parallel counters the walk updates.
  const units: EslintUnitMetrics[] = []
  const unitPrefix: string[] = []
  const locationRules: number[] = []
  const cyclomatic: number[] = []
  const cognitive: number[] = []
  const nesting: number[] = []
  const parameters: number[] = []

  // Frames of named nodes, indexed by depth.
  const kindAt: number[] = []
  const ownCyclomaticAt: number[] = []
  const ownCognitiveAt: number[] = []
  const childCyclomaticAt: number[] = []
  const childCognitiveAt: number[] = []
  const unitAt: number[] = []
  const stateAt: number[] = []
  const nestingOwnerAt: number[] = []
  const effectiveParentAt: number[] = []
  const effectiveFieldAt: number[] = []
  const groupAt: number[] = []
  const prefixAt: string[] = []
  const fieldKeyAt: string[] = []

  // Logical-expression groups (SonarJS flattens a whole `&&`/`||`/`??` tree), as a stack.
  const groupPrevious: number[] = []
  const groupCount: number[] = []
  const groupRootOperator: number[] = []
  const groupUniform: boolean[] = []
  const groupHasTernary: boolean[] = []
  const groupInJsx: boolean[] = []
  const groupOwner: number[] = []
  let groupTop = -1

  function addUnit(node: Parser.SyntaxNode, kind: UnitKind, name: string, prefix: string): number {
    const index = units.length
    const start = cursor.startPosition
    units.push({
      name,
      qualifiedName: '',
      kind,
      startLine: start.row + 1,
      startColumn: start.column,
      endLine: cursor.endPosition.row + 1,
      cyclomatic: 1,
      cognitive: 0,
      parameters: 0,
      node,
      cognitiveLine: 0,
      cognitiveColumn: 0,
    })
    unitPrefix.push(prefix)
    locationRules.push(0)
    cyclomatic.push(1)
    cognitive.push(0)
    nesting.push(0)
    parameters.push(0)
    return index
  }

  function addFunctionUnit(code: number, prefix: string, namingParent: boolean): number {
    const node = cursor.currentNode
    const index = addUnit(node, UNIT_KINDS[code] ?? 'function', '<anonymous>', prefix)
    const unit = units[index]!
    let rules = 0
    if (code === METHOD) rules = SONAR_AT_NAME | NAME_FROM_OWN
    else if (code === FUNCTION_DECLARATION)
      rules = SONAR_AT_FUNCTION_KEYWORD | SONAR_AT_NAME | NAME_FROM_OWN
    else {
      // ESLint names and places a function by its ESTree parent: a property or class field
      // holding it, else a variable or assignment target naming it.
      const context = namingParent ? readParentContext(cursor) : NO_CONTEXT
      if (context.name !== null) unit.name = context.name
      if (context.holder) {
        unit.startLine = context.holder.row + 1
        unit.startColumn = context.holder.column
      }
      if (code === ARROW_FUNCTION) rules = SONAR_AT_ARROW | (context.holder ? 0 : HEAD_AT_ARROW)
      else if (context.key && context.inPair) {
        unit.cognitiveLine = context.key.row + 1
        unit.cognitiveColumn = context.key.column
      } else rules = SONAR_AT_FUNCTION_KEYWORD
      if (!context.holder && code === FUNCTION_EXPRESSION) rules |= NAME_FROM_OWN
    }
    locationRules[index] = rules
    return index
  }

  /** Called on the function's `name` child: its text and, for SonarJS, its position. */
  function nameUnit(index: number, frame: number): void {
    const rules = locationRules[index]!
    if (rules & SONAR_AT_NAME) setSonarLocation(index)
    if (!(rules & NAME_FROM_OWN)) return
    const unit = units[index]!
    unit.name = keyName(cursor.nodeType, cursor.nodeText)
    prefixAt[frame] = unitPrefix[index] + unit.name + '.'
  }

  function setSonarLocation(index: number): void {
    const unit = units[index]!
    const { row, column } = cursor.startPosition
    unit.cognitiveLine = row + 1
    // A computed key `[expression]` is reported at the expression.
    unit.cognitiveColumn = cursor.nodeType === 'computed_property_name' ? column + 1 : column
  }

  /** The logical operator of the binary expression under the cursor, or 0. */
  function peekOperator(): number {
    if (!cursor.gotoFirstChild()) return 0
    let operator = 0
    let seen = 0
    do {
      const code = kindOfCurrent() & KIND_MASK
      if (code === COMMENT) continue
      if (++seen === 2) {
        operator = code === TOKEN_AND || code === TOKEN_OR || code === TOKEN_NULLISH ? code : 0
        break
      }
    } while (cursor.gotoNextSibling())
    cursor.gotoParent()
    return operator
  }

  function structural(owner: number): void {
    if (owner >= 0) cognitive[owner]! += 1 + nesting[owner]!
  }

  /** A token: a leaf without a frame; `parent` is its parent's frame. */
  function token(code: number, parent: number): void {
    const owner = childCyclomaticAt[parent]!
    switch (code) {
      case TOKEN_AND:
      case TOKEN_OR:
      case TOKEN_NULLISH: {
        if (owner >= 0) cyclomatic[owner]!++
        const group = groupAt[parent]!
        if (group >= 0) {
          if (code === TOKEN_AND && groupPrevious[group] !== TOKEN_AND) groupCount[group]!++
          groupPrevious[group] = code
        }
        break
      }
      case TOKEN_LOGICAL_ASSIGNMENT:
      case TOKEN_OPTIONAL_CHAIN:
        if (owner >= 0) cyclomatic[owner]!++
        break
      case TOKEN_EQUALS: {
        const parentCode = kindAt[parent]! & KIND_MASK
        if (parentCode === PARAMETER) {
          if (owner >= 0) cyclomatic[owner]!++
          stateAt[parent]! |= SEEN_EQUALS
        } else if (parentCode === FIELD) stateAt[parent]! |= SEEN_EQUALS
        break
      }
      case TOKEN_ACCESSOR:
        // `accessor x = …` is an AccessorProperty: ESLint starts no code path for its value.
        if ((kindAt[parent]! & KIND_MASK) === FIELD) stateAt[parent]! |= ACCESSOR_FIELD
        break
      case TOKEN_ARROW: {
        const unit = unitAt[parent]!
        if (unit < 0 || (kindAt[parent]! & KIND_MASK) !== ARROW_FUNCTION) break
        const rules = locationRules[unit]!
        const { row, column } = cursor.startPosition
        if (rules & HEAD_AT_ARROW) {
          units[unit]!.startLine = row + 1
          units[unit]!.startColumn = column
        }
        if (rules & SONAR_AT_ARROW) {
          units[unit]!.cognitiveLine = row + 1
          units[unit]!.cognitiveColumn = column
        }
        break
      }
      case TOKEN_FUNCTION: {
        const unit = unitAt[parent]!
        if (unit >= 0 && locationRules[unit]! & SONAR_AT_FUNCTION_KEYWORD) setSonarLocation(unit)
        break
      }
    }
  }

  function enter(depth: number, kind: number): void {
    const code = kind & KIND_MASK
    kindAt[depth] = kind
    stateAt[depth] = 0
    groupAt[depth] = -1
    nestingOwnerAt[depth] = -1
    unitAt[depth] = -1

    const parent = depth - 1
    let ownCyclomatic = -1
    let ownCognitive = -1
    let effectiveParent = -1
    let effectiveField = FIELD_OTHER
    let prefix = ''
    let parentCode = -1
    if (parent >= 0) {
      ownCyclomatic = childCyclomaticAt[parent]!
      ownCognitive = childCognitiveAt[parent]!
      prefix = prefixAt[parent]!
      parentCode = kindAt[parent]! & KIND_MASK
      if (parentCode === PARENTHESIZED) {
        effectiveParent = effectiveParentAt[parent]!
        effectiveField = effectiveFieldAt[parent]!
      } else {
        effectiveParent = parent
        if (needsField(parentCode)) effectiveField = fieldOfCurrent()
      }
      if (isFunctionKind(parentCode)) {
        const unit = unitAt[parent]!
        if (effectiveField === FIELD_NAME) nameUnit(unit, parent)
        else if (effectiveField === FIELD_PARAMETER) parameters[unit] = 1
        else if (code === FORMAL_PARAMETERS) stateAt[depth]! |= UNIT_PARAMETERS
        else if (parentCode === METHOD && code === MEMBER_HEAD) {
          // Decorators and computed keys run outside the method's own code path.
          ownCyclomatic = ownCyclomaticAt[parent]!
          ownCognitive = ownCognitiveAt[parent]!
        }
      } else if (parentCode === FIELD && effectiveField === FIELD_NAME) {
        fieldKeyAt[parent] = keyName(cursor.nodeType, cursor.nodeText)
      } else if (parentCode === CLASS && effectiveField === FIELD_NAME) {
        // Relative to the prefix the class itself was given, not the provisional one.
        prefixAt[parent] = (parent > 0 ? prefixAt[parent - 1]! : '') + cursor.nodeText + '.'
      } else if (parentCode === FORMAL_PARAMETERS) {
        if (stateAt[parent]! & UNIT_PARAMETERS && code !== COMMENT) parameters[ownCyclomatic]!++
      } else if (parentCode === PARAMETER) {
        // TypeScript's `this` parameter types `this`; it is not a parameter.
        if (
          code === THIS &&
          !(stateAt[parent]! & SEEN_EQUALS) &&
          stateAt[parent - 1]! & UNIT_PARAMETERS
        )
          parameters[ownCyclomatic]!--
      } else if (
        parentCode === FIELD &&
        (stateAt[parent]! & (SEEN_EQUALS | ACCESSOR_FIELD | VALUE_TAKEN)) === SEEN_EQUALS &&
        code !== COMMENT
      ) {
        // The value of a class field is its own ESLint code path; SonarJS does not see it as one.
        stateAt[parent]! |= VALUE_TAKEN
        const name = fieldKeyAt[parent] ?? '<anonymous>'
        ownCyclomatic = addUnit(cursor.currentNode, 'initializer', name, prefix)
      }
    }
    ownCyclomaticAt[depth] = ownCyclomatic
    ownCognitiveAt[depth] = ownCognitive
    effectiveParentAt[depth] = effectiveParent
    effectiveFieldAt[depth] = effectiveField
    let childCyclomatic = ownCyclomatic
    let childCognitive = ownCognitive
    let childPrefix = prefix

    // SonarJS nesting nodes: the `*` listener runs before any other listener of the same node.
    if (code !== COMMENT && code !== PARENTHESIZED) {
      let nestingNode = code === SWITCH_CASE || code === SWITCH_DEFAULT
      if (!nestingNode && effectiveParent >= 0) {
        const effectiveParentCode = kindAt[effectiveParent]! & KIND_MASK
        if (effectiveParentCode === IF) nestingNode = effectiveField === FIELD_CONSEQUENCE
        else if (effectiveParentCode === TERNARY)
          nestingNode = effectiveField === FIELD_CONSEQUENCE || effectiveField === FIELD_ALTERNATIVE
        else if (effectiveParentCode === LOOP || effectiveParentCode === CATCH)
          nestingNode = effectiveField === FIELD_BODY
        else if (effectiveParentCode === ELSE && code !== IF) {
          nestingNode = true
          if (ownCognitive >= 0) cognitive[ownCognitive]!++
        }
      }
      if (nestingNode && ownCognitive >= 0) {
        nesting[ownCognitive]!++
        // A function as nesting node leaks its increment into the enclosing function (see above).
        if (!isFunctionKind(code)) nestingOwnerAt[depth] = ownCognitive
      }
    }

    switch (code) {
      case IF:
        if (ownCyclomatic >= 0) cyclomatic[ownCyclomatic]!++
        if (parentCode === ELSE) {
          if (ownCognitive >= 0) cognitive[ownCognitive]!++
        } else structural(ownCognitive)
        break
      case TERNARY:
        if (effectiveParent >= 0) {
          const group = groupAt[effectiveParent]!
          if (group >= 0) groupHasTernary[group] = true
        }
        if (ownCyclomatic >= 0) cyclomatic[ownCyclomatic]!++
        structural(ownCognitive)
        break
      case LOOP:
      case CATCH:
        if (ownCyclomatic >= 0) cyclomatic[ownCyclomatic]!++
        structural(ownCognitive)
        break
      case SWITCH:
        if (modified && ownCyclomatic >= 0) cyclomatic[ownCyclomatic]!++
        structural(ownCognitive)
        break
      case SWITCH_CASE:
        if (!modified && ownCyclomatic >= 0) cyclomatic[ownCyclomatic]!++
        break
      case OPTIONAL_CHAIN:
      case DEFAULT_PATTERN:
        if (ownCyclomatic >= 0) cyclomatic[ownCyclomatic]!++
        break
      case LABEL:
        if (parentCode === JUMP && ownCognitive >= 0) cognitive[ownCognitive]!++
        break
      case BINARY: {
        const operator = peekOperator()
        if (operator === 0) break
        const parentGroup = effectiveParent >= 0 ? groupAt[effectiveParent]! : -1
        if (parentGroup >= 0) {
          groupAt[depth] = parentGroup
          if (operator !== groupRootOperator[parentGroup]) groupUniform[parentGroup] = false
        } else {
          const group = ++groupTop
          groupAt[depth] = group
          stateAt[depth]! |= GROUP_ROOT
          groupPrevious[group] = 0
          groupCount[group] = 0
          groupRootOperator[group] = operator
          groupUniform[group] = true
          groupHasTernary[group] = false
          groupInJsx[group] =
            effectiveParent >= 0 && (kindAt[effectiveParent]! & KIND_MASK) === JSX_EXPRESSION
          groupOwner[group] = ownCognitive
        }
        break
      }
      case FUNCTION_DECLARATION:
      case FUNCTION_EXPRESSION:
      case ARROW_FUNCTION:
      case METHOD: {
        const namingParent =
          effectiveParent >= 0 && isNamingParent(kindAt[effectiveParent]! & KIND_MASK)
        const unit = addFunctionUnit(code, prefix, namingParent)
        unitAt[depth] = unit
        childCyclomatic = unit
        childCognitive = unit
        childPrefix = prefix + units[unit]!.name + '.'
        break
      }
      case STATIC_BLOCK:
        childCyclomatic = addUnit(cursor.currentNode, 'static_block', '<static>', prefix)
        break
      case FIELD:
        fieldKeyAt[depth] = '<anonymous>'
        break
      case CLASS:
        // A class expression takes its variable's or key's name until its own name, if any, is met.
        if (effectiveParent >= 0 && isNamingParent(kindAt[effectiveParent]! & KIND_MASK)) {
          const { name } = readParentContext(cursor)
          if (name) childPrefix = prefix + name + '.'
        }
        break
    }

    childCyclomaticAt[depth] = childCyclomatic
    childCognitiveAt[depth] = childCognitive
    prefixAt[depth] = childPrefix
  }

  function leave(depth: number): void {
    const nestingOwner = nestingOwnerAt[depth]!
    if (nestingOwner >= 0) nesting[nestingOwner]!--
    if (stateAt[depth]! & GROUP_ROOT) {
      const group = groupAt[depth]!
      const owner = groupOwner[group]!
      // sonarjs `getJsxShortCircuitNodes`: `{a && <X/>}` in JSX is rendering, not logic.
      const jsxShortCircuit = groupInJsx[group] && groupUniform[group] && !groupHasTernary[group]
      if (!jsxShortCircuit && owner >= 0) cognitive[owner]! += groupCount[group]!
      groupTop--
    }
  }

  // Iterative pre-order walk. `depth` is the frame of the last named node entered; tokens met
  // among its children are handled in place and get no frame.
  let depth = 0
  enter(0, kindOfCurrent())
  let descend = true
  for (;;) {
    if (descend && (kindAt[depth]! & SKIP_SUBTREE) === 0 && cursor.gotoFirstChild()) {
      depth++
    } else {
      let found = false
      for (;;) {
        leave(depth)
        if (depth === 0) break
        if (cursor.gotoNextSibling()) {
          found = true
          break
        }
        cursor.gotoParent()
        depth--
      }
      if (!found) break
    }
    descend = false
    for (;;) {
      const kind = kindOfCurrent()
      if (kind & NAMED) {
        enter(depth, kind)
        descend = true
        break
      }
      token(kind & KIND_MASK, depth - 1)
      if (!cursor.gotoNextSibling()) break
    }
    if (!descend) {
      // Only tokens were left among the siblings: the parent is complete.
      cursor.gotoParent()
      depth--
    }
  }

  for (let index = 0; index < units.length; index++) {
    const unit = units[index]!
    unit.qualifiedName = unitPrefix[index] + unit.name
    unit.cyclomatic = cyclomatic[index]!
    const isFunction = unit.kind !== 'initializer' && unit.kind !== 'static_block'
    unit.cognitive = isFunction ? cognitive[index]! : 0
    unit.parameters = isFunction ? parameters[index]! : 0
  }
  return units
}

/**
 * The JavaScript / TypeScript / TSX profile: ESLint `complexity` (classic, or `modified` through
 * `options.cyclomaticVariant`) and eslint-plugin-sonarjs S3776 cognitive complexity per unit.
 * File-level figures are left to the engine's generic rules.
 */
export const eslintProfile: MetricProfile = {
  analyze(tree: Tree, _source: string, options: ProfileOptions) {
    const file: FileMetrics = {}
    return { units: measureEslintUnits(tree, options), file }
  },
}
