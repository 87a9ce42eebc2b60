import { functionBody } from './body.js'
import { flatten } from './flat-tree.js'
import type { Language } from './language-registry.js'
import { halsteadReport } from './metrics/halstead.js'
import { maintainabilityRank, visualStudioMaintainability } from './metrics/maintainability.js'
import { estimatePerformance } from './metrics/performance.js'
import { readability } from './metrics/readability.js'
import { countParameters } from './parameters.js'
import { checkSyntax } from './syntax/index.js'
import { applyThresholds } from './thresholds.js'
import { parse, parserFor, type SyntaxNode } from './parser.js'
import { describeProfile } from './profiles/catalogue.js'
import { profileFor } from './profiles/index.js'
import type { ProfileOptions, UnitMetrics } from './profiles/profile.js'
import { halsteadCounts, walkTree, type WalkedUnit } from './walk.js'

// The report's shape is the API's response schema (src/schemas/analysis.ts); the types follow from it.
import type { AnalysisReport, ClassReport, FunctionReport, Issue } from '../schemas/analysis.js'
export type {
  AnalysisReport,
  ClassReport,
  FileMetricsReport,
  FunctionReport,
  Issue,
} from '../schemas/analysis.js'

const COGNITIVE_LIMIT = 15
const NESTING_LIMIT = 4
const LENGTH_LIMIT = 100
const PARAMETER_LIMIT = 7

function complexityOrder(notation: string): number {
  if (notation === 'O(2^n)') return 1000
  const match = /^O\((?:n(?:\^(\d+))?)?( ?log n)?\)$/.exec(notation.replace('O(1)', 'O()'))
  const power =
    notation.includes('n') && !notation.startsWith('O(log') ? Number(match?.[1] ?? 1) : 0
  return power * 2 + (notation.includes('log') ? 1 : 0)
}

function summary(values: number[]) {
  const total = values.reduce((sum, value) => sum + value, 0)
  return {
    total,
    average: values.length > 0 ? Math.round((total / values.length) * 100) / 100 : 0,
    max: values.length > 0 ? Math.max(...values) : 0,
  }
}

/**
 * Analyses one file: parses it, runs the language's profile and the generic walk, and assembles
 * the report. Pure and synchronous after the grammar is loaded, so that it can run in a worker.
 */
export async function analyzeSource(
  code: string,
  language: Language,
  options: ProfileOptions = {},
): Promise<AnalysisReport> {
  const rules = language.rules
  const tree = parse(await parserFor(language), code)
  const lines = code.split('\n')
  const profile = await profileFor(rules.profile)
  // The tree is read out of the binding once; the generic walk and the profile's walk share it.
  flatten(tree, code)
  const walk = walkTree(tree, code, rules)
  const profiled = profile ? profile.analyze(tree, code, options) : null

  const walkedByNode = new Map<string, WalkedUnit>()
  for (const unit of walk.units) walkedByNode.set(`${unit.node.startIndex}:${unit.node.type}`, unit)
  const walkedFor = (node: SyntaxNode) => walkedByNode.get(`${node.startIndex}:${node.type}`)

  const codeLinePrefix = new Uint32Array(walk.lineKinds.length + 1)
  for (let row = 0; row < walk.lineKinds.length; row += 1) {
    codeLinePrefix[row + 1] = codeLinePrefix[row]! + (walk.lineKinds[row]! & 1)
  }
  const nlocOf = (startLine: number, endLine: number) =>
    codeLinePrefix[Math.min(endLine, walk.lineKinds.length)]! -
    codeLinePrefix[Math.max(0, startLine - 1)]!

  const units: UnitMetrics[] =
    profiled?.units ??
    walk.units.map((unit) => ({
      name: unit.name,
      qualifiedName: unit.qualifiedName,
      kind: unit.kind,
      startLine: unit.node.startPosition.row + 1,
      endLine: unit.node.endPosition.row + 1,
      cyclomatic: unit.cyclomatic,
      cognitive: unit.cognitive,
      parameters: countParameters(unit.node, rules),
      node: unit.node,
    }))

  const functions: FunctionReport[] = []
  const classes: ClassReport[] = []
  for (const unit of units) {
    if (unit.kind === 'class') {
      classes.push({
        name: unit.name,
        qualified_name: unit.qualifiedName,
        start_line: unit.startLine,
        end_line: unit.endLine,
        cyclomatic_complexity: unit.cyclomatic,
        methods: units.filter(
          (other) =>
            other.kind === 'method' &&
            other.qualifiedName.startsWith(`${unit.qualifiedName}.`) &&
            !other.qualifiedName.slice(unit.qualifiedName.length + 1).includes('.'),
        ).length,
      })
      continue
    }
    const walked = walkedFor(unit.node)
    functions.push({
      name: unit.name,
      qualified_name: unit.qualifiedName,
      kind: unit.kind,
      start_line: unit.startLine,
      end_line: unit.endLine,
      cyclomatic_complexity: unit.cyclomatic,
      cognitive_complexity: unit.cognitive,
      parameters: unit.parameters,
      max_nesting_depth: walked?.maxNesting ?? 0,
      nloc: nlocOf(unit.node.startPosition.row + 1, unit.node.endPosition.row + 1),
      length: unit.endLine - unit.startLine + 1,
      halstead: halsteadReport(
        unit.halstead ??
          (walked ? halsteadCounts(walked.halstead) : { n1: 0, n2: 0, N1: 0, N2: 0 }),
      ),
      performance: estimatePerformance(
        unit.node,
        unit.name,
        rules,
        walked?.performance ?? { loops: [], calls: [], insideLoops: [] },
      ),
      body: functionBody(unit.node, rules.bodies, code),
    })
  }

  let codeLines = 0
  let commentLines = 0
  let blankLines = 0
  const codeLineLengths: number[] = []
  const totalLines = code.length === 0 ? 0 : code.endsWith('\n') ? lines.length - 1 : lines.length
  for (let row = 0; row < totalLines; row += 1) {
    const kind = walk.lineKinds[row] ?? 0
    const text = lines[row] ?? ''
    if (kind & 1) {
      codeLines += 1
      codeLineLengths.push(text.length)
    }
    if (kind & 2) commentLines += 1
    if (kind === 0 && text.trim() === '') blankLines += 1
  }
  const fileHalstead = halsteadReport(profiled?.file.halstead ?? halsteadCounts(walk.halstead))
  const maintainability =
    profiled?.file.maintainabilityIndex ??
    visualStudioMaintainability(fileHalstead.volume, walk.totalDecisions + 1, codeLines)
  const raw = profiled?.file.raw

  const issues: Issue[] = []
  const syntax = await checkSyntax({ code, lines, language, tree, found: walk.errors })
  const syntaxErrors = syntax.errors
  for (const error of syntaxErrors) {
    issues.push({
      rule: 'syntax-error',
      severity: 'error',
      message: error.message,
      line: error.line,
      column: error.column,
    })
  }
  const description = describeProfile(rules.profile)
  const limit = description.cyclomaticLimit
  for (const unit of functions) {
    const where = { line: unit.start_line, function: unit.qualified_name }
    if (unit.cyclomatic_complexity > limit) {
      const rank = description.rank ? ` (${description.rank(unit.cyclomatic_complexity)})` : ''
      issues.push({
        rule: 'complexity-cyclomatic',
        severity: unit.cyclomatic_complexity > limit * 2 ? 'error' : 'warning',
        message: `'${unit.qualified_name}' has a cyclomatic complexity of ${unit.cyclomatic_complexity}${rank}; the limit is ${limit}`,
        ...where,
      })
    }
    if (unit.cognitive_complexity > COGNITIVE_LIMIT) {
      issues.push({
        rule: 'complexity-cognitive',
        severity: 'warning',
        message: `'${unit.qualified_name}' has a cognitive complexity of ${unit.cognitive_complexity}; the limit is ${COGNITIVE_LIMIT}`,
        ...where,
      })
    }
    if (unit.max_nesting_depth > NESTING_LIMIT) {
      issues.push({
        rule: 'deep-nesting',
        severity: 'warning',
        message: `'${unit.qualified_name}' nests control structures ${unit.max_nesting_depth} deep; the limit is ${NESTING_LIMIT}`,
        ...where,
      })
    }
    if (unit.length > LENGTH_LIMIT) {
      issues.push({
        rule: 'long-function',
        severity: 'warning',
        message: `'${unit.qualified_name}' is ${unit.length} lines long; the limit is ${LENGTH_LIMIT}`,
        ...where,
      })
    }
    if (unit.parameters > PARAMETER_LIMIT) {
      issues.push({
        rule: 'too-many-parameters',
        severity: 'warning',
        message: `'${unit.qualified_name}' takes ${unit.parameters} parameters; the limit is ${PARAMETER_LIMIT}`,
        ...where,
      })
    }
  }
  applyThresholds(issues, functions, options)
  issues.sort((a, b) => a.line - b.line)

  let worst: FunctionReport | null = null
  for (const unit of functions) {
    if (
      !worst ||
      complexityOrder(unit.performance.time_complexity) >
        complexityOrder(worst.performance.time_complexity)
    )
      worst = unit
  }

  return {
    programming_language: language.id,
    syntax_valid: syntaxErrors.length === 0,
    syntax_errors: syntaxErrors,
    syntax_warnings: syntax.warnings,
    syntax_checker: syntax.checker,
    metrics: {
      lines: {
        total: totalLines,
        code: raw?.sloc ?? codeLines,
        logical: raw?.lloc ?? walk.statements,
        comment: raw ? raw.comments : commentLines,
        blank: raw?.blank ?? blankLines,
      },
      ...(raw ? { raw } : {}),
      cyclomatic_complexity: summary(functions.map((unit) => unit.cyclomatic_complexity)),
      cognitive_complexity: summary(functions.map((unit) => unit.cognitive_complexity)),
      halstead: fileHalstead,
      maintainability_index: Math.round(maintainability * 100) / 100,
      maintainability_rank: maintainabilityRank(maintainability),
      functions: functions.length,
      classes: classes.length,
    },
    functions,
    classes,
    performance: {
      time_complexity: worst?.performance.time_complexity ?? 'O(1)',
      worst_function: worst?.qualified_name ?? null,
      hotspots: functions.flatMap((unit) =>
        unit.performance.hotspots.map((hotspot) => ({ ...hotspot, function: unit.qualified_name })),
      ),
      estimated: true,
    },
    issues,
    readability: readability({
      codeLineLengths,
      codeLines,
      commentLines,
      functionNesting: functions.map((unit) => unit.max_nesting_depth),
      functionLines: functions.map((unit) => unit.nloc),
      identifiers: walk.identifiers,
      declaredNames: [
        ...functions.map((unit) => unit.name),
        ...classes.map((unit) => unit.name),
      ].filter((name) => !name.startsWith('<')),
    }),
    reference: description.reference,
  }
}
