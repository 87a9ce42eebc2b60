import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { basename, extname, join, relative, resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import { loadLanguageRegistry } from '../../src/analysis/language-registry.js'
import { parse, parserFor } from '../../src/analysis/parser.js'
import type { EslintUnitMetrics } from '../../src/analysis/profiles/eslint.js'
import { measureEslintUnits } from '../../src/analysis/profiles/eslint.js'

/**
 * Agreement of the ESLint profile with the real tools:
 *
 *   npx tsx bench/agreement/eslint.ts [--all] [--save-expected] [DIR|FILE ...]
 *
 * Runs ESLint 10.15.0 `complexity` and eslint-plugin-sonarjs 4.2.2 `cognitive-complexity`, both
 * with threshold 0 so that every unit is reported, over real JavaScript (by default a spread of
 * packages under node_modules, about 4 MB), runs `measureEslintUnits` on the same files, joins the
 * rows on (file, line, column), falling back to the ordinal within the line, and prints the share
 * of equal values and every mismatch (the first 40 unless `--all`).
 *
 * The anchors are not project dependencies: install them once in a scratch folder,
 *   mkdir -p /tmp/anchors && cd /tmp/anchors && npm init -y &&
 *   npm install eslint@10.15.0 eslint-plugin-sonarjs@4.2.2 typescript-eslint@8.73.0 typescript@5.9.3
 * and point ESLINT_ANCHORS at it if it is elsewhere (default /tmp/anchors).
 *
 * `--save-expected` writes, beside each input `X.js` (or `X.js.txt`, the fixture spelling that
 * keeps copied library code away from the project's own lint), `X.expected.json` with the anchors'
 * figures: the golden data of `src/analysis/profiles/eslint.test.ts`.
 */

const projectRoot = resolve(import.meta.dirname, '../..')
const anchorsDirectory = resolve(process.env.ESLINT_ANCHORS ?? '/tmp/anchors')

const DEFAULT_SOURCES = [
  'fastify/lib',
  'fastify/fastify.js',
  'pino/lib',
  'pino-pretty/lib',
  'ioredis/built',
  'zod/v4/core',
  'zod/v4/classic',
  'postgres/cjs/src',
  'find-my-way',
  'prom-client/lib',
  'avvio',
  'light-my-request',
  'yaml/dist',
  'acorn/dist/acorn.js',
  'dependency-cruiser/src',
].map((path) => join(projectRoot, 'node_modules', path))

interface LintMessage {
  ruleId: string | null
  message: string
  line: number
  column: number
  fatal?: boolean
}

interface Linter {
  verify(code: string, config: unknown[], filename: string): LintMessage[]
}

interface Anchors {
  linter: Linter
  sonarjs: unknown
  typescriptParser: unknown
  versions: { eslint: string; sonarjs: string }
}

function loadAnchors(): Anchors {
  const anchorRequire = createRequire(join(anchorsDirectory, 'package.json'))
  const version = (name: string): string => {
    try {
      return (anchorRequire(`${name}/package.json`) as { version: string }).version
    } catch {
      return ''
    }
  }
  const versions = { eslint: version('eslint'), sonarjs: version('eslint-plugin-sonarjs') }
  if (!versions.eslint || !versions.sonarjs) {
    console.error(
      `The anchors are not installed in ${anchorsDirectory} (ESLINT_ANCHORS). Install them with:\n` +
        `  mkdir -p ${anchorsDirectory} && cd ${anchorsDirectory} && npm init -y && ` +
        'npm install eslint@10.15.0 eslint-plugin-sonarjs@4.2.2 typescript-eslint@8.73.0 typescript@5.9.3',
    )
    process.exit(2)
  }
  if (versions.eslint !== '10.15.0' || versions.sonarjs !== '4.2.2')
    console.error(
      `warning: anchors are eslint ${versions.eslint} and eslint-plugin-sonarjs ${versions.sonarjs}; ` +
        'the reference figures are for 10.15.0 and 4.2.2',
    )
  const { Linter: LinterClass } = anchorRequire('eslint') as {
    Linter: new (options: { configType: string }) => Linter
  }
  const sonarjs = anchorRequire('eslint-plugin-sonarjs') as { default?: unknown }
  let typescriptParser: unknown = null
  try {
    typescriptParser = (anchorRequire('typescript-eslint') as { parser: unknown }).parser
  } catch {
    // Only TypeScript inputs need it; they are skipped with a note when it is missing.
  }
  return {
    linter: new LinterClass({ configType: 'flat' }),
    sonarjs: sonarjs.default ?? sonarjs,
    typescriptParser,
    versions,
  }
}

/** The language of an input, looking through the `.txt` suffix fixtures carry. */
function languageOf(path: string): 'javascript' | 'typescript' | 'tsx' | null {
  const extension = extname(path.replace(/\.txt$/, ''))
  if (['.js', '.mjs', '.cjs', '.jsx'].includes(extension)) return 'javascript'
  if (['.ts', '.mts', '.cts'].includes(extension)) return 'typescript'
  if (extension === '.tsx') return 'tsx'
  return null
}

function collectFiles(path: string, into: string[]): void {
  const stat = statSync(path)
  if (stat.isFile()) {
    if (languageOf(path) && !path.endsWith('.d.ts') && !/\.min\.js$/.test(path)) into.push(path)
    return
  }
  for (const entry of readdirSync(path).sort()) {
    if (entry === 'node_modules' || entry.startsWith('.')) continue
    collectFiles(join(path, entry), into)
  }
}

interface AnchorRow {
  line: number
  column: number
  value: number
  name?: string
}

interface AnchorResult {
  complexity: AnchorRow[]
  complexityModified?: AnchorRow[]
  cognitive: AnchorRow[]
}

function lint(
  anchors: Anchors,
  code: string,
  language: 'javascript' | 'typescript' | 'tsx',
  variant: 'classic' | 'modified',
): AnchorResult | string {
  const filename =
    language === 'javascript' ? 'input.js' : `input.${language === 'tsx' ? 'tsx' : 'ts'}`
  const attempts: Array<'module' | 'commonjs'> = ['module', 'commonjs']
  let failure = ''
  for (const sourceType of attempts) {
    const config = [
      {
        files: ['**/*.js', '**/*.ts', '**/*.tsx'],
        plugins: { sonarjs: anchors.sonarjs },
        // Library sources silence rules with `eslint-disable` comments; every unit must report.
        linterOptions: { noInlineConfig: true, reportUnusedDisableDirectives: 'off' },
        languageOptions: {
          ecmaVersion: 'latest',
          sourceType,
          ...(language === 'javascript' ? {} : { parser: anchors.typescriptParser }),
          parserOptions: { ecmaFeatures: { jsx: language !== 'typescript' } },
        },
        rules: {
          complexity: ['error', { max: 0, variant }],
          'sonarjs/cognitive-complexity': ['error', 0],
        },
      },
    ]
    const messages = anchors.linter.verify(code, config, filename)
    const fatal = messages.find((message) => message.fatal)
    if (fatal) {
      failure = `${fatal.line}:${fatal.column} ${fatal.message}`
      continue
    }
    const result: AnchorResult = { complexity: [], cognitive: [] }
    for (const message of messages) {
      const location = { line: message.line, column: message.column - 1 }
      if (message.ruleId === 'complexity') {
        const value = Number(/complexity of (\d+)/.exec(message.message)?.[1])
        const name = /^(.*) has a complexity/.exec(message.message)?.[1] ?? ''
        result.complexity.push({ ...location, value, name })
      } else if (message.ruleId === 'sonarjs/cognitive-complexity') {
        result.cognitive.push({
          ...location,
          value: Number(/from (\d+) to/.exec(message.message)?.[1]),
        })
      }
    }
    return result
  }
  return failure
}

interface Mismatch {
  file: string
  line: number
  name: string
  metric: 'cyclomatic' | 'cognitive'
  ours: number | null
  theirs: number | null
}

function byPosition(a: { line: number; column: number }, b: { line: number; column: number }) {
  return a.line - b.line || a.column - b.column
}

/** Pairs rows on the same line: exact column first, then what is left by order. */
function joinOnLines<
  A extends { line: number; column: number },
  B extends { line: number; column: number },
>(ours: A[], theirs: B[]): { pairs: Array<[A, B]>; onlyOurs: A[]; onlyTheirs: B[] } {
  const pairs: Array<[A, B]> = []
  const onlyOurs: A[] = []
  const onlyTheirs: B[] = []
  const theirsByLine = new Map<number, B[]>()
  for (const row of [...theirs].sort(byPosition)) {
    const list = theirsByLine.get(row.line) ?? []
    list.push(row)
    theirsByLine.set(row.line, list)
  }
  const oursByLine = new Map<number, A[]>()
  for (const row of [...ours].sort(byPosition)) {
    const list = oursByLine.get(row.line) ?? []
    list.push(row)
    oursByLine.set(row.line, list)
  }
  for (const [line, ourRows] of oursByLine) {
    const theirRows = theirsByLine.get(line) ?? []
    theirsByLine.delete(line)
    const leftOurs: A[] = []
    for (const row of ourRows) {
      const index = theirRows.findIndex((candidate) => candidate.column === row.column)
      if (index >= 0) pairs.push([row, theirRows.splice(index, 1)[0]!])
      else leftOurs.push(row)
    }
    const shared = Math.min(leftOurs.length, theirRows.length)
    for (let index = 0; index < shared; index++) pairs.push([leftOurs[index]!, theirRows[index]!])
    onlyOurs.push(...leftOurs.slice(shared))
    onlyTheirs.push(...theirRows.slice(shared))
  }
  for (const rows of theirsByLine.values()) onlyTheirs.push(...rows)
  return { pairs, onlyOurs, onlyTheirs }
}

function expectedPath(file: string): string {
  return file.replace(/\.txt$/, '').replace(/\.(js|mjs|cjs|jsx|ts|mts|cts|tsx)$/, '.expected.json')
}

async function main(): Promise<void> {
  const argumentsGiven = process.argv.slice(2)
  const showAll = argumentsGiven.includes('--all')
  const saveExpected = argumentsGiven.includes('--save-expected')
  const paths = argumentsGiven.filter((argument) => !argument.startsWith('--'))
  const anchors = loadAnchors()
  const files: string[] = []
  for (const path of paths.length > 0 ? paths.map((path) => resolve(path)) : DEFAULT_SOURCES) {
    if (existsSync(path)) collectFiles(path, files)
    else console.error(`warning: ${path} does not exist, skipped`)
  }

  const registry = loadLanguageRegistry()
  const mismatches: Mismatch[] = []
  const skipped: string[] = []
  let bytes = 0
  const compared: Array<{ parser: Awaited<ReturnType<typeof parserFor>>; source: string }> = []
  let cyclomaticCompared = 0
  let cyclomaticEqual = 0
  let cognitiveCompared = 0
  let cognitiveEqual = 0
  let unpairedOurs = 0
  let unpairedTheirs = 0
  let filesCompared = 0

  for (const file of files) {
    const language = languageOf(file)
    if (!language) continue
    const shown = relative(projectRoot, file)
    if (language !== 'javascript' && !anchors.typescriptParser) {
      skipped.push(`${shown}: typescript-eslint is not installed in ${anchorsDirectory}`)
      continue
    }
    const source = readFileSync(file, 'utf8')
    const theirs = lint(anchors, source, language, 'classic')
    if (typeof theirs === 'string') {
      skipped.push(`${shown}: ESLint cannot parse it (${theirs})`)
      continue
    }
    const parser = await parserFor(registry.resolve(language))
    const units = measureEslintUnits(parse(parser, source), {})
    compared.push({ parser, source })
    bytes += Buffer.byteLength(source)
    filesCompared++

    if (saveExpected) {
      const modified = lint(anchors, source, language, 'modified')
      if (typeof modified !== 'string') theirs.complexityModified = modified.complexity
      const expected = {
        source: basename(file),
        tools: {
          eslint: anchors.versions.eslint,
          'eslint-plugin-sonarjs': anchors.versions.sonarjs,
        },
        ...theirs,
      }
      writeFileSync(expectedPath(file), `${JSON.stringify(expected, null, 2)}\n`)
    }

    const cyclomaticRows = units.map((unit) => ({
      line: unit.startLine,
      column: unit.startColumn,
      unit,
    }))
    const cyclomaticJoin = joinOnLines(cyclomaticRows, theirs.complexity)
    for (const [ours, anchor] of cyclomaticJoin.pairs) {
      cyclomaticCompared++
      if (ours.unit.cyclomatic === anchor.value) cyclomaticEqual++
      else
        mismatches.push(
          mismatch(shown, ours.unit, 'cyclomatic', ours.unit.cyclomatic, anchor.value),
        )
    }
    unpairedOurs += cyclomaticJoin.onlyOurs.length
    unpairedTheirs += cyclomaticJoin.onlyTheirs.length
    for (const row of cyclomaticJoin.onlyOurs)
      mismatches.push(mismatch(shown, row.unit, 'cyclomatic', row.unit.cyclomatic, null))
    for (const row of cyclomaticJoin.onlyTheirs)
      mismatches.push({
        file: shown,
        line: row.line,
        name: row.name ?? '',
        metric: 'cyclomatic',
        ours: null,
        theirs: row.value,
      })

    // SonarJS reports only functions above the threshold 0: an absent function scored 0.
    const functionRows = units
      .filter((unit) => unit.kind !== 'initializer' && unit.kind !== 'static_block')
      .map((unit) => ({ line: unit.cognitiveLine, column: unit.cognitiveColumn, unit }))
    const cognitiveJoin = joinOnLines(functionRows, theirs.cognitive)
    const paired = new Set<EslintUnitMetrics>()
    for (const [ours, anchor] of cognitiveJoin.pairs) {
      paired.add(ours.unit)
      cognitiveCompared++
      if (ours.unit.cognitive === anchor.value) cognitiveEqual++
      else
        mismatches.push(mismatch(shown, ours.unit, 'cognitive', ours.unit.cognitive, anchor.value))
    }
    for (const row of functionRows) {
      if (paired.has(row.unit)) continue
      cognitiveCompared++
      if (row.unit.cognitive === 0) cognitiveEqual++
      else mismatches.push(mismatch(shown, row.unit, 'cognitive', row.unit.cognitive, 0))
    }
    for (const row of cognitiveJoin.onlyTheirs) {
      cognitiveCompared++
      mismatches.push({
        file: shown,
        line: row.line,
        name: '',
        metric: 'cognitive',
        ours: null,
        theirs: row.value,
      })
    }
  }

  // Timing on a second pass, once both sides are warm (the first pass also ran the anchors).
  let parseMilliseconds = 0
  let analyzeMilliseconds = 0
  for (const { parser, source } of compared) {
    let started = performance.now()
    const tree = parse(parser, source)
    parseMilliseconds += performance.now() - started
    started = performance.now()
    measureEslintUnits(tree, {})
    analyzeMilliseconds += performance.now() - started
  }

  const percent = (part: number, whole: number) =>
    whole === 0 ? 'n/a' : `${((100 * part) / whole).toFixed(2)} %`
  const megabytes = bytes / (1024 * 1024)
  console.log(
    `anchors: eslint ${anchors.versions.eslint}, eslint-plugin-sonarjs ${anchors.versions.sonarjs} (${anchorsDirectory})`,
  )
  console.log(
    `files compared: ${filesCompared} (${megabytes.toFixed(2)} MB), skipped: ${skipped.length}`,
  )
  console.log(
    `cyclomatic: ${cyclomaticEqual}/${cyclomaticCompared} equal (${percent(cyclomaticEqual, cyclomaticCompared)}); ` +
      `units only we report: ${unpairedOurs}, only ESLint reports: ${unpairedTheirs}`,
  )
  console.log(
    `cognitive: ${cognitiveEqual}/${cognitiveCompared} equal (${percent(cognitiveEqual, cognitiveCompared)})`,
  )
  console.log(
    `time (warm): parse ${(parseMilliseconds / megabytes).toFixed(1)} ms/MB, analyze ${(analyzeMilliseconds / megabytes).toFixed(1)} ms/MB ` +
      `(analyze/parse = ${(analyzeMilliseconds / parseMilliseconds).toFixed(2)})`,
  )
  for (const line of skipped) console.log(`skipped ${line}`)
  const listed = showAll ? mismatches : mismatches.slice(0, 40)
  if (mismatches.length > 0)
    console.log(
      `mismatches (${mismatches.length}${showAll ? '' : ', first 40; --all for every one'}):`,
    )
  for (const row of listed)
    console.log(
      `  ${row.file}:${row.line} ${row.name} ${row.metric}: ours ${row.ours ?? '-'}, anchor ${row.theirs ?? '-'}`,
    )
}

function mismatch(
  file: string,
  unit: EslintUnitMetrics,
  metric: 'cyclomatic' | 'cognitive',
  ours: number | null,
  theirs: number | null,
): Mismatch {
  const line = metric === 'cyclomatic' ? unit.startLine : unit.cognitiveLine
  return { file, line, name: unit.qualifiedName, metric, ours, theirs }
}

await main()
