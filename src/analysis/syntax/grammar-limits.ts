import { createRequire } from 'node:module'
import Parser from 'tree-sitter'
import { parse, type Tree } from '../parser.js'
import type { SyntaxErrorReport, SyntaxWarningReport } from '../../schemas/analysis.js'
import type { SyntaxInput, SyntaxVerdict } from './verdict.js'
import type { GrammarLimits } from './grammar-limits-rules.js'
import { keepOneBranch } from './preprocessor.js'
import { swapInStandIns } from './stand-ins.js'

/**
 * Kotlin, Swift and Scala have no parser that runs in process but their tree-sitter grammar, and
 * each grammar misses some valid constructs (Swift's `()` as a value, `consume x`, `#if` inside a
 * type; Scala's `extends A()(b)`). When the tree holds errors, the language's `grammar_limits`
 * are tried: a second grammar for the same language, and stand-ins swapped in for the listed
 * constructs (plus one branch kept of each `#if` region, for a language with a `syntax.preprocessor`
 * key). If a grammar then parses the file without error, the file is valid and its errors are
 * warnings. Otherwise an error becomes a warning only where a stand-in or the kept branch changed
 * its lines and the rewritten file has no error there; every other error stays an error.
 */

type Reason = SyntaxWarningReport['reason']

/** The rewritten source and, per 0-based row it changed, why. */
interface Rewrite {
  source: string
  rows: Map<number, Reason>
}

/** Marks the rows on which `before` and `after` differ (both have the same line breaks). */
function markChangedRows(before: string, after: string, reason: Reason, rows: Map<number, Reason>) {
  const old = before.split('\n')
  after.split('\n').forEach((line, row) => {
    if (line !== old[row] && !rows.has(row)) rows.set(row, reason)
  })
}

function rewrite(input: SyntaxInput, limits: GrammarLimits): Rewrite {
  const rows = new Map<number, Reason>()
  let source = input.code
  const preprocessor = input.language.syntax?.preprocessor
  if (preprocessor) {
    const kept = keepOneBranch(source, preprocessor)
    markChangedRows(source, kept, 'preprocessor', rows)
    source = kept
  }
  const swapped = swapInStandIns(source, limits.gaps)
  markChangedRows(source, swapped, 'parser-limit', rows)
  return { source: swapped, rows }
}

const require = createRequire(import.meta.url)
const parsers = new Map<unknown, Parser>()

function parserOf(language: unknown): Parser {
  let parser = parsers.get(language)
  if (!parser) {
    parser = new Parser()
    parser.setLanguage(language as Parser.Language)
    parsers.set(language, parser)
  }
  return parser
}

/** The second grammar, required on first use: most files never need it. */
function secondGrammar(grammar: NonNullable<GrammarLimits['second_grammar']>): unknown {
  const module = require(grammar.package) as Record<string, unknown>
  const root = (module.default ?? module) as Record<string, unknown>
  const language = grammar.export ? root[grammar.export] : root
  if (!language)
    throw new Error(`Grammar package '${grammar.package}' has no export '${grammar.export}'`)
  return language
}

/** The 0-based row spans of a tree's ERROR and MISSING nodes. */
function errorRows(tree: Tree): Array<[number, number]> {
  const rows: Array<[number, number]> = []
  if (!tree.rootNode.hasError) return rows
  const cursor = tree.walk()
  for (;;) {
    if (cursor.nodeType === 'ERROR' || cursor.nodeIsMissing) {
      rows.push([cursor.startPosition.row, cursor.endPosition.row])
    } else if (cursor.gotoFirstChild()) continue
    while (!cursor.gotoNextSibling()) if (!cursor.gotoParent()) return rows
  }
}

/** The grammar-limits authority of Kotlin, Swift and Scala: see the comment at the top. */
export function grammarLimitsVerdict(input: SyntaxInput, fromTree: SyntaxVerdict): SyntaxVerdict {
  const limits = input.language.grammar_limits
  if (!limits || fromTree.errors.length === 0) return fromTree
  const { source, rows } = rewrite(input, limits)
  const mainLanguage = (input.tree as unknown as { language: unknown }).language
  const rewritten = source === input.code ? null : errorRows(parse(parserOf(mainLanguage), source))
  const rewrittenClean = rewritten?.length === 0
  const second =
    limits.second_grammar && !rewrittenClean ? parserOf(secondGrammar(limits.second_grammar)) : null
  const secondClean =
    second !== null &&
    (!parse(second, input.code).rootNode.hasError ||
      (source !== input.code && !parse(second, source).rootNode.hasError))

  /** Why the error's lines were rewritten, or null when the rewrites left them alone. */
  const reasonOf = (error: SyntaxErrorReport): Reason | null => {
    for (let row = error.line - 1; row <= error.end_line - 1; row++) {
      const reason = rows.get(row)
      if (reason) return reason
    }
    return null
  }
  /** The reason of the rewrite nearest the error: a `}` missing after an `#if` region is its. */
  const nearestReason = (error: SyntaxErrorReport): Reason => {
    let best: Reason = 'parser-limit'
    let distance = Infinity
    for (const [row, reason] of rows) {
      const away = Math.min(Math.abs(row - (error.line - 1)), Math.abs(row - (error.end_line - 1)))
      if (away < distance) [best, distance] = [reason, away]
    }
    return best
  }
  // An error the rewritten tree places where the original had none (a `}` missing at the end
  // instead of after an `#if` region) has moved, not gone: then no error is explained.
  const overlaps = ([from, to]: [number, number], error: SyntaxErrorReport) =>
    from <= error.end_line - 1 && to >= error.line - 1
  const moved = rewritten?.some((span) => !fromTree.errors.some((error) => overlaps(span, error)))
  const errors: SyntaxErrorReport[] = []
  const warnings: SyntaxWarningReport[] = [...fromTree.warnings]
  for (const error of fromTree.errors) {
    const reason = reasonOf(error)
    if (rewrittenClean) {
      warnings.push({ ...error, reason: reason ?? nearestReason(error) })
      continue
    }
    if (secondClean) {
      warnings.push({ ...error, reason: 'parser-limit' })
      continue
    }
    const survives = rewritten?.some((span) => overlaps(span, error))
    if (reason && rewritten && !moved && !survives) warnings.push({ ...error, reason })
    else errors.push(error)
  }
  return { errors, warnings, checker: fromTree.checker }
}
