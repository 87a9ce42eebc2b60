import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { basename, dirname, extname, join, resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import { loadLanguageRegistry } from '../../src/analysis/language-registry.js'
import { parse, parserFor } from '../../src/analysis/parser.js'
import type { ProfileOptions, RawCounts, UnitMetrics } from '../../src/analysis/profiles/profile.js'
import { radonProfile } from '../../src/analysis/profiles/radon.js'
import {
  radonName,
  type HalsteadReport,
  type RadonBlock,
  type RadonReport,
} from '../../test/helpers/radon-report.js'

/**
 * Agreement of the radon profile with the real radon:
 *
 *   npx tsx bench/agreement/radon.ts [--all] [--compat 5.1|6.0] [--save-expected] [DIR|FILE ...]
 *
 * Runs `radon cc -s -j --show-closures`, `radon mi -s -j`, `radon raw -j` and `radon hal -j -f`
 * over Python files (by default the top level of /usr/lib/python3.11 plus a few subpackages,
 * about 6 MB; a DIR argument is searched recursively), runs `radonProfile` on the same files and
 * prints the share of functions with equal cc (joined on radon's printed name and line), of files
 * with |MI difference| ≤ 1.0, of files with equal raw and Halstead counts, and every mismatch
 * (the first 40 of each kind unless `--all`).
 *
 * radon is not a project dependency: `apt-get install -y radon` installs Debian's 5.1.0, or set
 * RADON to another radon executable. 5.1.0 differs from upstream 6.0.1 only on `match` (it counts
 * 0), so the comparison uses `radonCompat: '5.1'` unless radon reports version 6 or `--compat`
 * says otherwise.
 *
 * `--save-expected` writes, beside each input `X.py`, `X.radon.json` holding radon's figures for
 * it: the golden data of `src/analysis/profiles/radon.test.ts`.
 */

const DEFAULT_ROOT = '/usr/lib/python3.11'
const DEFAULT_SUBPACKAGES = [
  'email',
  'json',
  'asyncio',
  'logging',
  'concurrent/futures',
  'importlib',
  'http',
  'urllib',
  'xml/dom',
  'unittest',
  'collections',
]
/** The radon executable; RADON overrides it (a virtualenv's radon 6, say). */
const RADON = process.env.RADON ?? 'radon'
/** Files per radon invocation: keeps the command line well under the kernel's limit. */
const BATCH = 200
const BATCH_TIMEOUT_MS = 5 * 60 * 1000
const FILE_TIMEOUT_MS = 60 * 1000

interface Options {
  all: boolean
  compat: ProfileOptions['radonCompat'] | undefined
  saveExpected: boolean
  inputs: string[]
}

function parseArguments(argv: readonly string[]): Options {
  const options: Options = { all: false, compat: undefined, saveExpected: false, inputs: [] }
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index] ?? ''
    if (argument === '--all') options.all = true
    else if (argument === '--save-expected') options.saveExpected = true
    else if (argument === '--compat') {
      const value = argv[++index]
      if (value !== '5.1' && value !== '6.0') throw new Error('--compat takes 5.1 or 6.0')
      options.compat = value
    } else options.inputs.push(resolve(argument))
  }
  return options
}

function pythonFilesUnder(path: string, recursive: boolean): string[] {
  if (!existsSync(path)) return []
  if (statSync(path).isFile()) return extname(path) === '.py' ? [path] : []
  const files: string[] = []
  for (const entry of readdirSync(path, { withFileTypes: true }).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    const child = join(path, entry.name)
    if (entry.isFile() && extname(entry.name) === '.py') files.push(child)
    else if (recursive && entry.isDirectory() && !entry.name.startsWith('.'))
      files.push(...pythonFilesUnder(child, true))
  }
  return files
}

function defaultInputs(): string[] {
  return [
    ...pythonFilesUnder(DEFAULT_ROOT, false),
    ...DEFAULT_SUBPACKAGES.flatMap((name) => pythonFilesUnder(join(DEFAULT_ROOT, name), false)),
  ]
}

/** radon's version, or undefined when it is not installed. */
function radonVersion(): string | undefined {
  const result = spawnSync(RADON, ['--version'], { encoding: 'utf8' })
  if (result.error || result.status !== 0) return undefined
  return result.stdout.trim()
}

const COMMANDS = {
  cc: ['cc', '-s', '-j', '--show-closures'],
  mi: ['mi', '-s', '-j'],
  raw: ['raw', '-j'],
  hal: ['hal', '-j', '-f'],
} as const

/** One radon command over some files, or undefined when it fails or runs out of time. */
function runRadon(
  command: readonly string[],
  files: readonly string[],
  timeout: number,
): Record<string, unknown> | undefined {
  const result = spawnSync(RADON, [...command, ...files], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    timeout,
  })
  if (result.error || result.status !== 0) return undefined
  return JSON.parse(result.stdout) as Record<string, unknown>
}

function isError(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'error' in value
}

/** All four radon reports for some files, or undefined if any command fails. */
function radonReports(
  files: readonly string[],
  timeout: number,
): Record<keyof typeof COMMANDS, Record<string, unknown>> | undefined {
  const cc = runRadon(COMMANDS.cc, files, timeout)
  const mi = cc && runRadon(COMMANDS.mi, files, timeout)
  const raw = mi && runRadon(COMMANDS.raw, files, timeout)
  const hal = raw && runRadon(COMMANDS.hal, files, timeout)
  return cc && mi && raw && hal ? { cc, mi, raw, hal } : undefined
}

/**
 * radon's figures per file. Files radon cannot analyse (syntax errors) or takes too long on are
 * left out and listed in `skipped`: radon raw re-tokenizes a multi-line string or bracket from
 * scratch for every added line, so huge generated tables (pydoc_data/topics.py, idna's
 * uts46data.py) take it many minutes. A batch that fails is retried file by file.
 */
function radonFigures(files: readonly string[]): {
  figures: Map<string, RadonReport>
  skipped: string[]
} {
  const figures = new Map<string, RadonReport>()
  const skipped: string[] = []
  const collect = (
    batch: readonly string[],
    reports: Record<keyof typeof COMMANDS, Record<string, unknown>>,
  ): void => {
    for (const file of batch) {
      const values = [reports.cc[file], reports.mi[file], reports.raw[file], reports.hal[file]]
      if (values.some(isError) || reports.mi[file] === undefined) {
        skipped.push(`${file}: radon reports an error`)
        continue
      }
      figures.set(file, {
        // cc omits files without functions or classes.
        cc: (reports.cc[file] as RadonBlock[] | undefined) ?? [],
        mi: (reports.mi[file] as { mi: number }).mi,
        raw: reports.raw[file] as RawCounts,
        hal: reports.hal[file] as RadonReport['hal'],
      })
    }
  }
  for (let start = 0; start < files.length; start += BATCH) {
    const batch = files.slice(start, start + BATCH)
    const reports = radonReports(batch, BATCH_TIMEOUT_MS)
    if (reports) {
      collect(batch, reports)
      continue
    }
    for (const file of batch) {
      const single = radonReports([file], FILE_TIMEOUT_MS)
      if (single) collect([file], single)
      else skipped.push(`${file}: radon failed or took over ${FILE_TIMEOUT_MS / 1000} s`)
    }
  }
  return { figures, skipped }
}

class Tally {
  equal = 0
  total = 0
  readonly mismatches: string[] = []

  add(same: boolean, describe: () => string): void {
    this.total++
    if (same) this.equal++
    else this.mismatches.push(describe())
  }

  percent(): string {
    return this.total === 0 ? 'n/a' : `${((100 * this.equal) / this.total).toFixed(2)} %`
  }
}

function sameRaw(ours: RawCounts | undefined, theirs: RawCounts): boolean {
  if (!ours) return false
  return (Object.keys(theirs) as (keyof RawCounts)[]).every((key) => ours[key] === theirs[key])
}

function sameHalstead(ours: UnitMetrics['halstead'], theirs: HalsteadReport): boolean {
  return (
    ours !== undefined &&
    ours.n1 === theirs[0] &&
    ours.n2 === theirs[1] &&
    ours.N1 === theirs[2] &&
    ours.N2 === theirs[3]
  )
}

async function main(): Promise<void> {
  const options = parseArguments(process.argv.slice(2))
  const version = radonVersion()
  if (!version) {
    console.error(
      `radon is not installed (\`${RADON} --version\` failed): install it with ` +
        '`apt-get install -y radon` (Debian radon 5.1.0), or point RADON at one, and run again.',
    )
    process.exitCode = 2
    return
  }
  const compat = options.compat ?? (version.startsWith('6') ? '6.0' : '5.1')
  const files = options.inputs.length
    ? options.inputs.flatMap((input) => pythonFilesUnder(input, true))
    : defaultInputs()
  console.log(`radon ${version}, radonCompat '${compat}', ${files.length} files`)

  const radonStart = performance.now()
  const { figures, skipped } = radonFigures(files)
  console.log(
    `radon: ${((performance.now() - radonStart) / 1000).toFixed(1)} s, ` +
      `${skipped.length} files skipped (radon could not analyse them)`,
  )
  for (const reason of options.all ? skipped : skipped.slice(0, 40)) console.log(`  ${reason}`)

  const parser = await parserFor(loadLanguageRegistry().resolve('python'))
  const cyclomatic = new Tally()
  const endLines = new Tally()
  const maintainability = new Tally()
  const maintainabilityExact = new Tally()
  const raw = new Tally()
  const halsteadTotal = new Tally()
  const halsteadFunctions = new Tally()
  let bytes = 0
  let parseTime = 0
  let analyzeTime = 0

  for (const [file, expected] of figures) {
    const source = readFileSync(file, 'utf8')
    bytes += Buffer.byteLength(source)
    let start = performance.now()
    const tree = parse(parser, source)
    parseTime += performance.now() - start
    start = performance.now()
    const { units, file: metrics } = radonProfile.analyze(tree, source, { radonCompat: compat })
    analyzeTime += performance.now() - start

    const byKey = new Map(units.map((unit) => [`${unit.qualifiedName}:${unit.startLine}`, unit]))
    for (const block of expected.cc) {
      const key = `${radonName(block)}:${block.lineno}`
      const unit = byKey.get(key)
      cyclomatic.add(
        unit?.cyclomatic === block.complexity,
        () => `${file} ${key}: radon ${block.complexity}, ours ${unit?.cyclomatic ?? 'missing'}`,
      )
      endLines.add(
        unit?.endLine === block.endline,
        () => `${file} ${key}: radon ${block.endline}, ours ${unit?.endLine ?? 'missing'}`,
      )
    }
    const ourMi = metrics.maintainabilityIndex
    const difference = ourMi === undefined ? Infinity : Math.abs(ourMi - expected.mi)
    maintainability.add(difference <= 1, () => `${file}: radon ${expected.mi}, ours ${ourMi}`)
    maintainabilityExact.add(
      difference < 1e-6,
      () => `${file}: radon ${expected.mi}, ours ${ourMi}`,
    )
    raw.add(
      sameRaw(metrics.raw, expected.raw),
      () => `${file}: radon ${JSON.stringify(expected.raw)}, ours ${JSON.stringify(metrics.raw)}`,
    )
    halsteadTotal.add(
      sameHalstead(metrics.halstead, expected.hal.total),
      () =>
        `${file}: radon ${JSON.stringify(expected.hal.total.slice(0, 4))}, ` +
        `ours ${JSON.stringify(metrics.halstead)}`,
    )
    // radon hal lists functions in visiting order, which is source order.
    const ourFunctions = units.filter((unit) => unit.halstead)
    expected.hal.functions.forEach(([name, report], index) => {
      const unit = ourFunctions[index]
      halsteadFunctions.add(
        unit?.name === name && sameHalstead(unit.halstead, report),
        () =>
          `${file} ${name}: radon ${JSON.stringify(report.slice(0, 4))}, ` +
          `ours ${unit?.name} ${JSON.stringify(unit?.halstead)}`,
      )
    })

    if (options.saveExpected) {
      const target = join(dirname(file), `${basename(file, '.py')}.radon.json`)
      writeFileSync(target, JSON.stringify({ radon: version, ...expected }, null, 2) + '\n')
    }
  }

  const megabytes = bytes / 1e6
  const report: [string, Tally][] = [
    ['functions/classes with equal cc', cyclomatic],
    ['functions/classes with equal endline', endLines],
    ['files with |MI diff| <= 1.0', maintainability],
    ['files with exactly equal MI', maintainabilityExact],
    ['files with equal raw counts', raw],
    ['files with equal Halstead totals', halsteadTotal],
    ['functions with equal Halstead counts', halsteadFunctions],
  ]
  console.log(`\n${figures.size} files, ${megabytes.toFixed(2)} MB`)
  for (const [label, tally] of report)
    console.log(
      `${label.padEnd(40)} ${tally.percent().padStart(9)}  (${tally.equal}/${tally.total})`,
    )
  console.log(
    `\nparse ${(parseTime / megabytes).toFixed(0)} ms/MB, ` +
      `analyze ${(analyzeTime / megabytes).toFixed(0)} ms/MB (first run includes JIT warm-up)`,
  )
  for (const [label, tally] of report) {
    if (tally.mismatches.length === 0) continue
    console.log(`\nMismatches: ${label} (${tally.mismatches.length})`)
    const shown = options.all ? tally.mismatches : tally.mismatches.slice(0, 40)
    for (const mismatch of shown) console.log(`  ${mismatch}`)
    if (shown.length < tally.mismatches.length)
      console.log(`  … ${tally.mismatches.length - shown.length} more (--all shows them)`)
  }
}

await main()
