import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { loadLanguageRegistry } from '../language-registry.js'
import { parse, parserFor } from '../parser.js'
import type { EslintUnitMetrics } from './eslint.js'
import { eslintProfile, measureEslintUnits } from './eslint.js'
import type { ProfileOptions } from './profile.js'

const fixtures = join(import.meta.dirname, '../../../test/fixtures/javascript')

type LanguageId = 'javascript' | 'typescript' | 'tsx'

const parsers = new Map<LanguageId, Awaited<ReturnType<typeof parserFor>>>()

beforeAll(async () => {
  const registry = loadLanguageRegistry()
  for (const id of ['javascript', 'typescript', 'tsx'] as const)
    parsers.set(id, await parserFor(registry.resolve(id)))
})

function measure(
  language: LanguageId,
  source: string,
  options: ProfileOptions = {},
): EslintUnitMetrics[] {
  return measureEslintUnits(parse(parsers.get(language)!, source), options)
}

function fixture(name: string): string {
  return readFileSync(join(fixtures, name), 'utf8')
}

function languageOf(fixtureName: string): LanguageId {
  if (fixtureName.endsWith('.tsx.txt')) return 'tsx'
  if (fixtureName.endsWith('.ts.txt')) return 'typescript'
  return 'javascript'
}

function unit(units: EslintUnitMetrics[], qualifiedName: string, index = 0): EslintUnitMetrics {
  const found = units.filter((candidate) => candidate.qualifiedName === qualifiedName)[index]
  if (!found) throw new Error(`no unit ${qualifiedName}`)
  return found
}

/** One row of an anchor's report; `column` is 0-based like tree-sitter's. */
interface AnchorRow {
  line: number
  column: number
  value: number
}

/** What `bench/agreement/eslint.ts --save-expected` recorded from ESLint and eslint-plugin-sonarjs. */
interface Expected {
  source: string
  complexity: AnchorRow[]
  complexityModified: AnchorRow[]
  cognitive: AnchorRow[]
}

/** The raw ESLint JSON output the reference document saved for the probe. */
interface EslintJsonReport {
  messages: Array<{ ruleId: string; message: string; line: number; column: number }>
}

function fromEslintJson(path: string, ruleId: string, pattern: RegExp): AnchorRow[] {
  const [report] = JSON.parse(fixture(path)) as EslintJsonReport[]
  return report!.messages
    .filter((message) => message.ruleId === ruleId)
    .map((message) => ({
      line: message.line,
      column: message.column - 1,
      value: Number(pattern.exec(message.message)?.[1]),
    }))
}

const at = (line: number, column: number) => `${line}:${column}`

/** Every ESLint row must match one unit exactly, and every unit must have a row. */
function cyclomaticMismatches(units: EslintUnitMetrics[], rows: AnchorRow[]): string[] {
  const ours = new Map(units.map((found) => [at(found.startLine, found.startColumn), found]))
  const problems = rows
    .filter((row) => ours.get(at(row.line, row.column))?.cyclomatic !== row.value)
    .map((row) => {
      const found = ours.get(at(row.line, row.column))
      return `${at(row.line, row.column)} ESLint ${row.value}, ours ${found ? found.cyclomatic : 'no unit'}`
    })
  if (units.length !== rows.length)
    problems.push(`${units.length} units, ESLint has ${rows.length}`)
  return problems
}

/** SonarJS reports only functions above 0, so a function without a row must score 0. */
function cognitiveMismatches(units: EslintUnitMetrics[], rows: AnchorRow[]): string[] {
  const theirs = new Map(rows.map((row) => [at(row.line, row.column), row.value]))
  const problems: string[] = []
  const functions = units.filter(
    (found) => found.kind !== 'initializer' && found.kind !== 'static_block',
  )
  for (const found of functions) {
    const key = at(found.cognitiveLine, found.cognitiveColumn)
    const expected = theirs.get(key) ?? 0
    theirs.delete(key)
    if (found.cognitive !== expected)
      problems.push(`${key} ${found.qualifiedName}: SonarJS ${expected}, ours ${found.cognitive}`)
  }
  for (const [key, value] of theirs) problems.push(`${key}: SonarJS ${value}, no function of ours`)
  return problems
}

describe('metrics-reference probe (ESLint 10.15.0, eslint-plugin-sonarjs 4.2.2 output)', () => {
  const source = fixture('probe.js.txt')

  it('matches ESLint complexity, classic variant, for every unit', () => {
    const rows = fromEslintJson('probe.eslint.json', 'complexity', /complexity of (\d+)/)
    expect(cyclomaticMismatches(measure('javascript', source), rows)).toEqual([])
  })

  it('matches ESLint complexity, modified variant, for every unit', () => {
    const rows = fromEslintJson('probe.eslint-modified.json', 'complexity', /complexity of (\d+)/)
    const units = measure('javascript', source, { cyclomaticVariant: 'modified' })
    expect(cyclomaticMismatches(units, rows)).toEqual([])
  })

  it('matches sonarjs cognitive-complexity for every function', () => {
    const rows = fromEslintJson(
      'probe.eslint.json',
      'sonarjs/cognitive-complexity',
      /from (\d+) to/,
    )
    expect(cognitiveMismatches(measure('javascript', source), rows)).toEqual([])
  })

  it('gives the values of the reference table, by name', () => {
    const units = measure('javascript', source)
    const modified = measure('javascript', source, { cyclomaticVariant: 'modified' })
    const table: Array<[string, number, number, number]> = [
      ['ifElse', 3, 3, 3],
      ['logical', 9, 9, 3],
      ['logicalAssign', 4, 4, 0],
      ['optional', 5, 5, 0],
      ['defaults', 6, 6, 0],
      ['loops', 6, 6, 5],
      ['sw', 4, 2, 1],
      ['tryCatch', 2, 2, 1],
      ['ternary', 3, 3, 3],
      ['nested', 2, 2, 1],
      ['labeled', 4, 4, 7],
      ['K.method', 4, 4, 6],
      ['K.prop', 2, 2, 1],
      ['arrow', 2, 2, 1],
      ['notAnd', 3, 3, 2],
      ['recursive', 2, 2, 1],
      ['iife', 1, 1, 0],
      ['iife.innerA', 2, 2, 1],
      ['iife.innerB', 2, 2, 1],
    ]
    for (const [name, classic, modifiedValue, cognitive] of table) {
      expect(unit(units, name), name).toMatchObject({ cyclomatic: classic, cognitive })
      expect(unit(modified, name).cyclomatic, name).toBe(modifiedValue)
    }
    // Each callback of `nested` is its own unit, and adds nothing to `nested`.
    expect(unit(units, 'nested.<anonymous>', 0)).toMatchObject({ kind: 'function', cyclomatic: 2 })
    expect(unit(units, 'nested.<anonymous>', 1)).toMatchObject({ kind: 'arrow', cyclomatic: 2 })
    expect(unit(units, 'K.field')).toMatchObject({
      kind: 'initializer',
      cyclomatic: 2,
      cognitive: 0,
    })
    expect(unit(units, 'K.<static>')).toMatchObject({ kind: 'static_block', cyclomatic: 2 })
    expect(unit(units, 'K.method')).toMatchObject({ kind: 'method', startLine: 58, endLine: 58 })
    expect(unit(units, 'defaults').parameters).toBe(3)
  })
})

describe('agreement fixtures (anchor output saved by bench/agreement/eslint.ts)', () => {
  const expectedFiles = readdirSync(fixtures).filter((name) => name.endsWith('.expected.json'))

  it('has library files from several packages and both grammars', () => {
    const sources = expectedFiles.map((name) => (JSON.parse(fixture(name)) as Expected).source)
    expect(sources).toEqual(
      expect.arrayContaining(['fastify-reply.js.txt', 'zod-util.ts.txt', 'view.tsx.txt']),
    )
  })

  for (const name of expectedFiles) {
    describe(name, () => {
      const expected = JSON.parse(fixture(name)) as Expected
      const language = languageOf(expected.source)
      const source = fixture(expected.source)

      it('equals ESLint complexity (classic) per unit', () => {
        expect(cyclomaticMismatches(measure(language, source), expected.complexity)).toEqual([])
      })

      it('equals ESLint complexity (modified) per unit', () => {
        const units = measure(language, source, { cyclomaticVariant: 'modified' })
        expect(cyclomaticMismatches(units, expected.complexityModified)).toEqual([])
      })

      it('equals sonarjs cognitive-complexity per function', () => {
        expect(cognitiveMismatches(measure(language, source), expected.cognitive)).toEqual([])
      })
    })
  }
})

describe('TypeScript', () => {
  const units = () => measure('typescript', fixture('typed.ts.txt'))

  it('skips bodiless signatures: abstract methods, overloads, interface members', () => {
    const names = units().map((found) => found.qualifiedName)
    expect(names).not.toContain('Shape.area')
    expect(names.filter((name) => name === 'overloaded')).toHaveLength(1)
    expect(names.some((name) => name.includes('retry'))).toBe(false)
  })

  it('excludes the `this` parameter and counts optional parameters and their defaults', () => {
    const describeMethod = unit(units(), 'Shape.describe')
    expect(describeMethod).toMatchObject({ parameters: 2, cyclomatic: 5, cognitive: 2 })
    // A parameter property with a default is an AssignmentPattern for ESLint.
    expect(unit(units(), 'Shape.constructor')).toMatchObject({ parameters: 2, cyclomatic: 2 })
  })

  it('reports class field values and static blocks as their own units', () => {
    expect(unit(units(), 'Shape.label')).toMatchObject({ kind: 'initializer', cyclomatic: 2 })
    expect(unit(units(), 'Shape.handler', 0)).toMatchObject({ kind: 'initializer', cyclomatic: 1 })
    // ESLint reports an arrow held by a class field at the field, SonarJS at the `=>`.
    expect(unit(units(), 'Shape.handler', 1)).toMatchObject({
      kind: 'arrow',
      startLine: 9,
      startColumn: 2,
      cognitiveColumn: 39,
      cyclomatic: 3,
      cognitive: 1,
    })
    expect(unit(units(), 'Shape.<static>')).toMatchObject({ kind: 'static_block', cyclomatic: 2 })
  })

  it('counts destructuring defaults under type annotations and ignores type syntax', () => {
    expect(unit(units(), 'pick')).toMatchObject({ startLine: 17, cyclomatic: 4, cognitive: 0 })
  })

  it('counts labelled continues and switches the two ESLint ways', () => {
    expect(unit(units(), 'loop')).toMatchObject({ cyclomatic: 5, cognitive: 7 })
    const modified = measure('typescript', fixture('typed.ts.txt'), {
      cyclomaticVariant: 'modified',
    })
    expect(unit(modified, 'loop').cyclomatic).toBe(4)
  })

  it('counts an optional call the TypeScript grammar writes as a bare `?.` token', () => {
    const [found] = measure('typescript', 'function f(a: any) { return a?.b?.(1) }')
    expect(found!.cyclomatic).toBe(3)
  })
})

describe('TSX', () => {
  const units = () => measure('tsx', fixture('view.tsx.txt'))

  it('does not count JSX short-circuits `cond && <X/>` for SonarJS, but ESLint does', () => {
    expect(unit(units(), 'List')).toMatchObject({ cyclomatic: 8, cognitive: 1 })
    // Outside a JSX expression container the same `&&` is logic again.
    expect(unit(units(), 'List.<anonymous>')).toMatchObject({ cyclomatic: 2, cognitive: 1 })
  })

  it("leaks a ternary-branch function's nesting into its parent, as sonarjs does", () => {
    expect(unit(units(), 'choose')).toMatchObject({ cyclomatic: 3, cognitive: 3 })
  })
})

describe('walk', () => {
  it('survives 10,000 nested blocks without recursion', () => {
    const depth = 10_000
    const source = `function deep(a) {\n${'if (a) {\n'.repeat(depth)}${'}\n'.repeat(depth)}}\n`
    const [found] = measure('javascript', source)
    expect(found).toMatchObject({ cyclomatic: depth + 1, cognitive: (depth * (depth + 1)) / 2 })
  })

  it('survives 10,000 nested functions, each its own unit', () => {
    const depth = 10_000
    const source = `const f = ${'(a) => '.repeat(depth)}a ?? 1\n`
    const units = measure('javascript', source)
    expect(units).toHaveLength(depth)
    expect(units.at(-1)).toMatchObject({ cyclomatic: 2, cognitive: 0 })
    expect(units[0]!.qualifiedName).toBe('f')
  })

  it('is exposed as a MetricProfile that leaves file metrics to the engine', () => {
    const source =
      'switch (x) { case 1: case 2: break }\nfunction g(x) { switch (x) { case 1: case 2: } }'
    const tree = parse(parsers.get('javascript')!, source)
    const classic = eslintProfile.analyze(tree, source, {})
    const modified = eslintProfile.analyze(tree, source, { cyclomaticVariant: 'modified' })
    expect(classic.file).toEqual({})
    expect(classic.units.map((found) => found.cyclomatic)).toEqual([3])
    expect(modified.units.map((found) => found.cyclomatic)).toEqual([2])
    expect(classic.units[0]!.node.type).toBe('function_declaration')
  })
})
