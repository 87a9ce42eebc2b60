import type { LanguageRules } from '../language-registry.js'
import type { SyntaxNode } from '../parser.js'

/** Why a line is likely to cost more than it looks. */
export interface Hotspot {
  line: number
  kind:
    | 'nested-loops-same-collection'
    | 'membership-test-in-loop'
    | 'string-building-in-loop'
    | 'sort-in-loop'
    | 'regex-compile-in-loop'
    | 'io-in-loop'
    | 'branching-recursion'
  reason: string
}

/** A static estimate from loop nesting and recursion, never a measurement. */
export interface PerformanceReport {
  time_complexity: string
  loop_depth: number
  recursion: 'none' | 'linear' | 'branching' | 'memoised'
  hotspots: Hotspot[]
  estimated: true
}

const SORTS = new Set([
  'sort',
  'sorted',
  'sort_by',
  'sortBy',
  'sort_unstable',
  'Sort',
  'qsort',
  'sortWith',
  'sortedBy',
  'usort',
  'Slice',
  'Stable',
])
const SEARCHES = new Set([
  'includes',
  'indexOf',
  'lastIndexOf',
  'contains',
  'index',
  'count',
  'find_index',
  'in_array',
  'Contains',
  'IndexOf',
])
const REGEX_COMPILES =
  /^(re\.compile|Pattern\.compile|regexp\.(Must)?Compile|Regex::new|RegExp|Regex|preg_\w+)$/
const IO_CALLS = new Set([
  'open',
  'readFile',
  'readFileSync',
  'writeFile',
  'writeFileSync',
  'fetch',
  'query',
  'execute',
  'urlopen',
  'get_connection',
  'connect',
])

function calleeText(call: SyntaxNode): string {
  const target =
    call.childForFieldName('function') ??
    call.childForFieldName('constructor') ??
    call.childForFieldName('name') ??
    call.childForFieldName('method') ??
    call.namedChildren[0]
  return target?.text ?? ''
}

function lastSegment(text: string): string {
  const parts = text.split(/\.|::|->/)
  return (parts[parts.length - 1] ?? '').replace(/[^\w$]/g, '')
}

function iterated(loop: SyntaxNode): string | null {
  const right =
    loop.childForFieldName('right') ??
    loop.childForFieldName('value') ??
    loop.namedChildren.find((child) => child.type === 'range_clause')?.childForFieldName('right')
  return right ? right.text : null
}

function formatComplexity(power: number, logarithmic: boolean): string {
  if (power === 0) return logarithmic ? 'O(log n)' : 'O(1)'
  const polynomial = power === 1 ? 'n' : `n^${power}`
  return `O(${polynomial}${logarithmic ? ' log n' : ''})`
}

/**
 * Estimates a function's time complexity and finds hotspots. `inside(node)` tells whether a
 * node belongs to this function rather than to a nested one.
 */
export function estimatePerformance(
  unit: SyntaxNode,
  name: string,
  rules: LanguageRules,
  inside: (node: SyntaxNode) => boolean,
): PerformanceReport {
  const loopTypes = [...rules.loops]
  const loops =
    loopTypes.length > 0
      ? unit.descendantsOfType(loopTypes).filter((loop) => loop.isNamed && inside(loop))
      : []
  const loopIds = new Set(loops.map((loop) => loop.id))
  const enclosingLoops = (node: SyntaxNode): SyntaxNode[] => {
    const found: SyntaxNode[] = []
    for (let current = node.parent; current && current.id !== unit.id; current = current.parent) {
      if (loopIds.has(current.id)) found.push(current)
    }
    return found
  }
  const hotspots: Hotspot[] = []
  let loopDepth = 0
  for (const loop of loops) {
    const outer = enclosingLoops(loop)
    loopDepth = Math.max(loopDepth, outer.length + 1)
    const collection = iterated(loop)
    if (collection && outer.some((enclosing) => iterated(enclosing) === collection)) {
      hotspots.push({
        line: loop.startPosition.row + 1,
        kind: 'nested-loops-same-collection',
        reason: `nested loops over the same collection '${collection.slice(0, 40)}': quadratic in its size`,
      })
    }
  }

  const calls =
    rules.calls.size > 0
      ? unit.descendantsOfType([...rules.calls]).filter((call) => call.isNamed && inside(call))
      : []
  let recursiveSites = 0
  let recursiveInLoop = false
  let sortDepth = -1
  for (const call of calls) {
    const callee = calleeText(call)
    const method = lastSegment(callee)
    const depth = enclosingLoops(call).length
    const line = call.startPosition.row + 1
    if (name !== '<anonymous>' && name !== '<lambda>' && method === name) {
      recursiveSites += 1
      if (depth > 0) recursiveInLoop = true
    }
    if (SORTS.has(method)) {
      sortDepth = Math.max(sortDepth, depth)
      if (depth > 0)
        hotspots.push({
          line,
          kind: 'sort-in-loop',
          reason: `'${callee.slice(0, 40)}' sorts on every iteration of a loop`,
        })
    }
    if (depth === 0) continue
    if (SEARCHES.has(method) && callee.includes('.')) {
      hotspots.push({
        line,
        kind: 'membership-test-in-loop',
        reason: `'${callee.slice(0, 40)}' searches linearly on every iteration; a set or map answers in O(1)`,
      })
    } else if (REGEX_COMPILES.test(callee)) {
      hotspots.push({
        line,
        kind: 'regex-compile-in-loop',
        reason: `'${callee.slice(0, 40)}' compiles a regular expression on every iteration; compile it once`,
      })
    } else if (IO_CALLS.has(method)) {
      hotspots.push({
        line,
        kind: 'io-in-loop',
        reason: `'${callee.slice(0, 40)}' does I/O on every iteration; batch it`,
      })
    }
  }

  // Python's `x in some_list` inside a loop, where the list was built in this function.
  for (const comparison of unit.descendantsOfType('comparison_operator').filter(inside)) {
    if (enclosingLoops(comparison).length === 0) continue
    const operators = comparison.children
      .filter((child) => !child.isNamed)
      .map((child) => child.type)
    if (!operators.includes('in') && !operators.includes('not in')) continue
    const right = comparison.namedChildren.at(-1)
    if (!right) continue
    const listBuilt =
      right.type === 'list' ||
      (right.type === 'identifier' &&
        new RegExp(`\\b${right.text}\\s*=\\s*(\\[|list\\()`).test(unit.text))
    if (listBuilt) {
      hotspots.push({
        line: comparison.startPosition.row + 1,
        kind: 'membership-test-in-loop',
        reason: `membership test on list '${right.text.slice(0, 40)}' inside a loop is O(n) each time; use a set`,
      })
    }
  }

  // `s += "…"` in a loop copies the whole string each time in most languages.
  const augmented = unit
    .descendantsOfType([
      'augmented_assignment',
      'augmented_assignment_expression',
      'assignment_expression',
      'compound_assignment_expr',
      'operator_assignment',
    ])
    .filter(inside)
  for (const assignment of augmented) {
    if (enclosingLoops(assignment).length === 0) continue
    if (
      !assignment.children.some(
        (child) => child.type === '+=' || child.text === '+=' || child.text === '.=',
      )
    )
      continue
    const target = assignment.childForFieldName('left') ?? assignment.namedChildren[0]
    const value = assignment.childForFieldName('right') ?? assignment.namedChildren.at(-1)
    if (!target || !value) continue
    const stringValue = rules.strings.has(value.type) || /^(f|r|b)?["'`]/.test(value.text)
    const stringTarget = new RegExp(
      `\\b${target.text.replace(/[^\w$]/g, '')}\\s*=\\s*(f|r)?(""|''|\`\`|"[^"\\n]*"|'[^'\\n]*')`,
    ).test(unit.text)
    if (stringValue || stringTarget) {
      hotspots.push({
        line: assignment.startPosition.row + 1,
        kind: 'string-building-in-loop',
        reason: `string '${target.text.slice(0, 40)}' is built by concatenation in a loop; collect the parts and join them once`,
      })
    }
  }

  const memoised = /lru_cache|functools\.cache|@cache\b|memo/i.test(
    unit.parent?.type === 'decorated_definition' ? unit.parent.text : unit.text,
  )
  let recursion: PerformanceReport['recursion'] = 'none'
  if (recursiveSites > 0) {
    recursion = memoised
      ? 'memoised'
      : recursiveSites > 1 || recursiveInLoop
        ? 'branching'
        : 'linear'
  }
  if (recursion === 'branching') {
    hotspots.push({
      line: unit.startPosition.row + 1,
      kind: 'branching-recursion',
      reason: `'${name}' calls itself more than once per call without memoisation: exponential time`,
    })
  }

  let power = loopDepth
  let logarithmic = false
  if (recursion === 'linear' || recursion === 'memoised') power += 1
  if (sortDepth >= 0 && sortDepth + 1 >= power) {
    power = sortDepth + 1
    logarithmic = true
  }
  const timeComplexity = recursion === 'branching' ? 'O(2^n)' : formatComplexity(power, logarithmic)
  hotspots.sort((a, b) => a.line - b.line)
  return {
    time_complexity: timeComplexity,
    loop_depth: loopDepth,
    recursion,
    hotspots,
    estimated: true,
  }
}
