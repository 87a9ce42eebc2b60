import type { LanguageRules } from '../language-registry.js'
import type { SyntaxNode } from '../parser.js'
import type { PerformanceFacts } from '../walk.js'
import type { Hotspot, PerformanceReport } from '../../schemas/analysis.js'

// The shape is the API's (src/schemas/analysis.ts); the type follows from it.
export type { Hotspot, PerformanceReport }

function lastSegment(text: string): string {
  const parts = text.split(/\.|::|->/)
  return (parts[parts.length - 1] ?? '').replace(/[^\w$]/g, '')
}

function formatComplexity(power: number, logarithmic: boolean): string {
  if (power === 0) return logarithmic ? 'O(log n)' : 'O(1)'
  const polynomial = power === 1 ? 'n' : `n^${power}`
  return `O(${polynomial}${logarithmic ? ' log n' : ''})`
}

/**
 * Estimates a function's time complexity and finds hotspots from the facts the walk gathered
 * about its loops, calls and loop bodies.
 */
export function estimatePerformance(
  unit: SyntaxNode,
  name: string,
  rules: LanguageRules,
  facts: PerformanceFacts,
): PerformanceReport {
  const tables = rules.performance
  const hotspots: Hotspot[] = []
  let loopDepth = 0
  for (const loop of facts.loops) {
    loopDepth = Math.max(loopDepth, loop.depth)
    if (loop.sameCollectionAsOuter && loop.iterated) {
      hotspots.push({
        line: loop.node.startPosition.row + 1,
        kind: 'nested-loops-same-collection',
        reason: `nested loops over the same collection '${loop.iterated.slice(0, 40)}': quadratic in its size`,
      })
    }
  }

  let recursiveSites = 0
  let recursiveInLoop = false
  let sortDepth = -1
  const named = name !== '<anonymous>' && name !== '<lambda>'
  for (const { callee, line, loopDepth: depth } of facts.calls) {
    const method = lastSegment(callee)
    if (named && method === name) {
      recursiveSites += 1
      if (depth > 0) recursiveInLoop = true
    }
    if (tables.sortCalls.has(method)) {
      sortDepth = Math.max(sortDepth, depth)
      if (depth > 0) {
        hotspots.push({
          line,
          kind: 'sort-in-loop',
          reason: `'${callee.slice(0, 40)}' sorts on every iteration of a loop`,
        })
      }
    }
    if (depth === 0) continue
    if (tables.searchCalls.has(method) && callee.includes('.')) {
      hotspots.push({
        line,
        kind: 'membership-test-in-loop',
        reason: `'${callee.slice(0, 40)}' searches linearly on every iteration; a set or map answers in O(1)`,
      })
    } else if (tables.regexCompile?.test(callee)) {
      hotspots.push({
        line,
        kind: 'regex-compile-in-loop',
        reason: `'${callee.slice(0, 40)}' compiles a regular expression on every iteration; compile it once`,
      })
    } else if (tables.ioCalls.has(method)) {
      hotspots.push({
        line,
        kind: 'io-in-loop',
        reason: `'${callee.slice(0, 40)}' does I/O on every iteration; batch it`,
      })
    }
  }

  let unitText: string | null = null
  const text = () => (unitText ??= unit.text)
  for (const node of facts.insideLoops) {
    if (tables.membershipTests.has(node.type)) {
      // `x in some_list`, where the list was built in this function.
      const membership = node.children.some(
        (child) => !child.isNamed && tables.membershipOperators.has(child.type),
      )
      if (!membership) continue
      const right = node.namedChildren.at(-1)
      if (!right) continue
      const listBuilt =
        tables.listLiterals.has(right.type) ||
        (tables.listBuilders !== null &&
          rules.names.has(right.type) &&
          new RegExp(`\\b${right.text}\\s*=\\s*(${tables.listBuilders})`).test(text()))
      if (listBuilt) {
        hotspots.push({
          line: node.startPosition.row + 1,
          kind: 'membership-test-in-loop',
          reason: `membership test on list '${right.text.slice(0, 40)}' inside a loop is O(n) each time; use a set`,
        })
      }
      continue
    }
    // `s += "…"` in a loop copies the whole string each time in most languages.
    if (!node.children.some((child) => tables.concatenationOperators.has(child.type))) continue
    const target = node.childForFieldName('left') ?? node.namedChildren[0]
    const value = node.childForFieldName('right') ?? node.namedChildren.at(-1)
    if (!target || !value) continue
    const stringValue = rules.strings.has(value.type) || tables.stringStart.test(value.text)
    const targetName = target.text.replace(/[^\w$]/g, '')
    const stringTarget =
      targetName.length > 0 &&
      new RegExp(
        `\\b${targetName}\\s*=\\s*${tables.stringPrefix}(""|''|\`\`|"[^"\\n]*"|'[^'\\n]*')`,
      ).test(text())
    if (stringValue || stringTarget) {
      hotspots.push({
        line: node.startPosition.row + 1,
        kind: 'string-building-in-loop',
        reason: `string '${target.text.slice(0, 40)}' is built by concatenation in a loop; collect the parts and join them once`,
      })
    }
  }

  let memoised = false
  if (recursiveSites > 0 && tables.memoisation) {
    const wrapper = tables.decoratorWrappers.size > 0 ? unit.parent : null
    const decorated = wrapper && tables.decoratorWrappers.has(wrapper.type) ? wrapper.text : ''
    memoised = tables.memoisation.test(decorated || text())
  }
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
