import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { analyzeSource, type FunctionReport } from '../../src/analysis/engine.js'
import { loadLanguageRegistry, type Language } from '../../src/analysis/language-registry.js'

/**
 * Agreement of the lizard profile with the real lizard:
 *
 *   npx tsx bench/agreement/lizard.ts [--language ID] [--show N] [--json FILE] DIR|FILE ...
 *
 * Walks the inputs, keeps the files whose extension the language registry knows (only language
 * ID with `--language`), runs lizard 1.24.0 (`python3 lizard.py --csv -V -l <name>`) on them in
 * chunks and our engine in process, and prints per language the functions matched and the share
 * of them with equal cyclomatic complexity, parameter count and NLOC, then the N worst
 * disagreements (default 15).
 *
 * lizard is not a project dependency: LIZARD points at its lizard.py (default
 * /tmp/lizard/lizard.py, from `github:terryyin/lizard` at tag 1.24.0) and PYTHON at an
 * interpreter with pygments and pathspec (default Debian's /usr/bin/python3).
 *
 * Files with the same content are analysed once (the first path in walking order): lizard
 * silently skips a file whose content it has already seen.
 *
 * Matching: a lizard function matches one of ours in the same file when the last parts of
 * the names (after `::` or `.`: lizard writes `Class::method`, and a C++ definition outside its
 * class is named `Class::method` by both) are equal, spaces and type arguments aside, and lizard's start line lies within our function's lines; lizard's start line is the
 * line of the name, ours that of the first token of the declaration (an annotation, `static`,
 * a return type on the line before), so equal lines would miss those. When several of ours
 * qualify, the one starting last (the innermost) wins; each function matches at most once.
 * An anonymous function lizard lists (it names a Go func literal '') matches one of our
 * anonymous ones (`<lambda>`) by the same line rule.
 * Of ours, lizard is expected to list only named functions with a body (see expectedInLizard):
 * in most languages it reads a lambda as part of the enclosing function.
 *
 * Desync rule: a file in which more than DESYNC_SHARE of the functions either tool reports have
 * no partner on the other side, and at least DESYNC_MINIMUM of them, is taken to be one where
 * lizard's tokenizer lost track of the structure (a macro it reads as a function, a brace in a
 * preprocessor branch, a construct its state machine does not know). Such a file is excluded
 * from the figures and listed with its counts; unmatched functions of the other files are
 * counted and shown, not excluded.
 */

const LIZARD = process.env.LIZARD ?? '/tmp/lizard/lizard.py'
const PYTHON = process.env.PYTHON ?? '/usr/bin/python3'
/** Files per lizard run, and runs at once. */
const CHUNK = 100
const PARALLEL = 2
const DESYNC_SHARE = 0.2
const DESYNC_MINIMUM = 2
/** Our language id → lizard's `-l` name, where they differ. */
const LIZARD_NAMES: Record<string, string> = { c: 'cpp' }
/**
 * Functions of ours that lizard never lists, by language: C#'s property, indexer and event
 * accessors (lizard reads `get { … }` as a block of the class, not a function).
 */
const NOT_LISTED: Record<string, ReadonlySet<string>> = {
  csharp: new Set(['get', 'set', 'init', 'add', 'remove']),
}

interface Options {
  language: string | undefined
  show: number
  json: string | undefined
  inputs: string[]
}

function parseArguments(argv: readonly string[]): Options {
  const options: Options = { language: undefined, show: 15, json: undefined, inputs: [] }
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index] ?? ''
    if (argument === '--language') options.language = argv[++index]
    else if (argument === '--show') options.show = Number(argv[++index])
    else if (argument === '--json') options.json = argv[++index]
    else options.inputs.push(resolve(argument))
  }
  return options
}

function filesUnder(path: string): string[] {
  if (!existsSync(path)) return []
  if (statSync(path).isFile()) return [path]
  const files: string[] = []
  for (const entry of readdirSync(path, { withFileTypes: true }).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    const child = join(path, entry.name)
    if (entry.isFile()) files.push(child)
    else if (entry.isDirectory() && !entry.name.startsWith('.')) files.push(...filesUnder(child))
  }
  return files
}

interface Figures {
  name: string
  start: number
  end: number
  cyclomatic: number
  parameters: number
  nloc: number
}

/** Splits one CSV line as lizard writes it: fields optionally quoted, `""` for a quote. */
function csvFields(line: string): string[] {
  const fields: string[] = []
  let index = 0
  while (index <= line.length) {
    if (line[index] === '"') {
      let value = ''
      index++
      while (index < line.length) {
        if (line[index] === '"' && line[index + 1] === '"') {
          value += '"'
          index += 2
        } else if (line[index] === '"') {
          index++
          break
        } else value += line[index++]
      }
      fields.push(value)
      index++ // the comma
    } else {
      const comma = line.indexOf(',', index)
      const stop = comma < 0 ? line.length : comma
      fields.push(line.slice(index, stop))
      index = stop + 1
    }
  }
  return fields
}

/** One lizard run; resolves to its functions by file. */
function runLizard(lizardName: string, files: readonly string[]): Promise<Map<string, Figures[]>> {
  return new Promise((done, fail) => {
    const child = spawn(PYTHON, [LIZARD, '--csv', '-V', '-l', lizardName, ...files])
    const chunks: Buffer[] = []
    const errors: Buffer[] = []
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk))
    child.stderr.on('data', (chunk: Buffer) => errors.push(chunk))
    child.on('error', fail)
    child.on('close', () => {
      const byFile = new Map<string, Figures[]>()
      for (const line of Buffer.concat(chunks).toString('utf8').split('\n')) {
        if (!line || line.startsWith('NLOC,')) continue
        // NLOC,CCN,token,PARAM,length,location,file,function,long_name,start,end
        const fields = csvFields(line)
        if (fields.length < 11) continue
        const file = fields[6] ?? ''
        const list = byFile.get(file) ?? []
        list.push({
          name: fields[7] ?? '',
          nloc: Number(fields[0]),
          cyclomatic: Number(fields[1]),
          parameters: Number(fields[3]),
          start: Number(fields[9]),
          end: Number(fields[10]),
        })
        byFile.set(file, list)
      }
      if (byFile.size === 0 && errors.length > 0)
        process.stderr.write(Buffer.concat(errors).toString('utf8').slice(0, 2000))
      done(byFile)
    })
  })
}

async function lizardFigures(
  lizardName: string,
  files: readonly string[],
): Promise<Map<string, Figures[]>> {
  const chunks: string[][] = []
  for (let start = 0; start < files.length; start += CHUNK)
    chunks.push(files.slice(start, start + CHUNK))
  const all = new Map<string, Figures[]>()
  let next = 0
  const worker = async () => {
    while (next < chunks.length) {
      const chunk = chunks[next++]!
      for (const [file, list] of await runLizard(lizardName, chunk)) all.set(file, list)
    }
  }
  await Promise.all(Array.from({ length: PARALLEL }, worker))
  return all
}

/** The `-l` names lizard accepts, read from its language readers' `language_names`. */
function lizardLanguages(): Set<string> {
  const folder = join(dirname(LIZARD), 'lizard_languages')
  const names = new Set<string>()
  for (const file of readdirSync(folder).filter((name) => name.endsWith('.py'))) {
    const match = /language_names\s*=\s*\[([^\]]*)\]/.exec(readFileSync(join(folder, file), 'utf8'))
    for (const name of match?.[1]?.matchAll(/['"]([^'"]+)['"]/g) ?? []) names.add(name[1] ?? '')
  }
  return names
}

const squeeze = (name: string) => name.replace(/\s+/g, '')
/**
 * The last part of lizard's name without type arguments: `Class::method` → `method`, `a.b.c` →
 * `c`, `Parse<T>` → `Parse`.
 */
function shortName(name: string): string {
  const squeezed = squeeze(name).replace(/<[^<>]*(?:<[^<>]*>[^<>]*)*>$/, '')
  if (squeezed.includes('operator')) return squeezed.slice(squeezed.lastIndexOf('operator'))
  const parts = squeezed.split(/::|\./)
  return parts[parts.length - 1] ?? squeezed
}

interface Pair {
  file: string
  lizard: Figures
  ours: FunctionReport
}

interface FileResult {
  pairs: Pair[]
  lizardOnly: Figures[]
  oursOnly: FunctionReport[]
  total: number
}

/**
 * Whether lizard lists a function of ours: not an anonymous one (lizard counts a lambda's
 * decisions in the enclosing function), not a declaration without a body (an abstract or
 * interface method, a prototype), not one of the language's NOT_LISTED.
 */
function expectedInLizard(unit: FunctionReport, language: string): boolean {
  return (
    unit.kind !== 'lambda' &&
    !unit.name.startsWith('<') &&
    unit.body !== null &&
    !NOT_LISTED[language]?.has(unit.name)
  )
}

function matchFunctions(
  file: string,
  language: string,
  theirs: Figures[],
  ours: FunctionReport[],
): FileResult {
  const named = ours.filter((unit) => expectedInLizard(unit, language))
  const used = new Set<FunctionReport>()
  const pairs: Pair[] = []
  const lizardOnly: Figures[] = []
  for (const figures of theirs) {
    const name = shortName(figures.name)
    let best: FunctionReport | undefined
    for (const unit of ours) {
      // lizard names an anonymous function it lists (a Go func literal) '', ours `<lambda>`.
      const same = name === '' ? unit.name.startsWith('<') : shortName(unit.name) === name
      if (used.has(unit) || !same) continue
      if (unit.start_line > figures.start || unit.end_line < figures.start) continue
      if (!best || unit.start_line > best.start_line) best = unit
    }
    if (best) {
      used.add(best)
      pairs.push({ file, lizard: figures, ours: best })
    } else lizardOnly.push(figures)
  }
  const oursOnly = named.filter((unit) => !used.has(unit))
  return { pairs, lizardOnly, oursOnly, total: Math.max(theirs.length, named.length) }
}

interface LanguageSummary {
  language: string
  files: number
  excludedFiles: number
  matched: number
  cyclomatic: number
  parameters: number
  nloc: number
  lizardOnly: number
  oursOnly: number
}

const percent = (equal: number, total: number) =>
  total === 0 ? 'n/a' : `${((100 * equal) / total).toFixed(2)} %`

async function compareLanguage(
  language: Language,
  files: string[],
  show: number,
): Promise<LanguageSummary> {
  const lizardName = LIZARD_NAMES[language.id] ?? language.id
  const theirs = await lizardFigures(lizardName, files)
  const included: FileResult[] = []
  const excluded: string[] = []
  for (const file of files) {
    const report = await analyzeSource(readFileSync(file, 'utf8'), language)
    const result = matchFunctions(file, language.id, theirs.get(file) ?? [], report.functions)
    const unmatched = result.lizardOnly.length + result.oursOnly.length
    if (unmatched >= DESYNC_MINIMUM && unmatched > DESYNC_SHARE * result.total)
      excluded.push(
        `${file}: ${result.pairs.length} matched, ${result.lizardOnly.length} only in lizard ` +
          `(${result.lizardOnly
            .slice(0, 3)
            .map((f) => `${f.name}:${f.start}`)
            .join(', ')}), ${result.oursOnly.length} only ours (${result.oursOnly
            .slice(0, 3)
            .map((f) => `${f.name}:${f.start_line}`)
            .join(', ')})`,
      )
    else included.push(result)
  }
  const pairs = included.flatMap((result) => result.pairs)
  const summary: LanguageSummary = {
    language: language.id,
    files: files.length,
    excludedFiles: excluded.length,
    matched: pairs.length,
    cyclomatic: pairs.filter((pair) => pair.ours.cyclomatic_complexity === pair.lizard.cyclomatic)
      .length,
    parameters: pairs.filter((pair) => pair.ours.parameters === pair.lizard.parameters).length,
    nloc: pairs.filter((pair) => pair.ours.nloc === pair.lizard.nloc).length,
    lizardOnly: included.reduce((sum, result) => sum + result.lizardOnly.length, 0),
    oursOnly: included.reduce((sum, result) => sum + result.oursOnly.length, 0),
  }

  console.log(`\n## ${language.id} (lizard -l ${lizardName})`)
  if (excluded.length > 0) {
    console.log(
      `\nExcluded by the desync rule (> ${DESYNC_SHARE * 100} % of the functions unmatched, ` +
        `at least ${DESYNC_MINIMUM}):`,
    )
    for (const line of excluded) console.log(`  ${line}`)
  }
  const worst = pairs
    .filter(
      (pair) =>
        pair.ours.cyclomatic_complexity !== pair.lizard.cyclomatic ||
        pair.ours.parameters !== pair.lizard.parameters,
    )
    .sort(
      (a, b) =>
        Math.abs(b.ours.cyclomatic_complexity - b.lizard.cyclomatic) -
          Math.abs(a.ours.cyclomatic_complexity - a.lizard.cyclomatic) ||
        Math.abs(b.ours.parameters - b.lizard.parameters) -
          Math.abs(a.ours.parameters - a.lizard.parameters),
    )
  if (worst.length > 0 && show > 0) {
    console.log(`\nWorst disagreements (ccn and params, ours vs lizard), ${worst.length} in all:`)
    for (const pair of worst.slice(0, show))
      console.log(
        `  ${pair.file}:${pair.lizard.start} ${pair.lizard.name}: ccn ${pair.ours.cyclomatic_complexity} vs ` +
          `${pair.lizard.cyclomatic}, params ${pair.ours.parameters} vs ${pair.lizard.parameters}, ` +
          `nloc ${pair.ours.nloc} vs ${pair.lizard.nloc}`,
      )
  }
  if (show > 0 && (summary.lizardOnly > 0 || summary.oursOnly > 0)) {
    console.log(`\nUnmatched in included files (first ${show} each side):`)
    let shown = 0
    for (const result of included)
      for (const figures of result.lizardOnly)
        if (shown++ < show) console.log(`  lizard only: ${figures.name} line ${figures.start}`)
    shown = 0
    for (const result of included)
      for (const unit of result.oursOnly)
        if (shown++ < show)
          console.log(`  ours only: ${unit.qualified_name} (${unit.kind}) line ${unit.start_line}`)
  }
  return summary
}

async function main(): Promise<void> {
  const options = parseArguments(process.argv.slice(2))
  if (!existsSync(LIZARD)) {
    console.error(`lizard.py not found at ${LIZARD}: set LIZARD to lizard 1.24.0's lizard.py.`)
    return
  }
  const registry = loadLanguageRegistry()
  const known = lizardLanguages()
  const byLanguage = new Map<Language, string[]>()
  const seen = new Set<string>()
  let duplicates = 0
  for (const file of options.inputs.flatMap(filesUnder)) {
    const language = registry.detect(file)
    if (!language || !language.analysis || language.rules.profile !== 'lizard') continue
    if (options.language && language.id !== options.language) continue
    if (!known.has(LIZARD_NAMES[language.id] ?? language.id)) continue
    const hash = createHash('md5').update(readFileSync(file)).digest('hex')
    if (seen.has(hash)) {
      duplicates++
      continue
    }
    seen.add(hash)
    byLanguage.set(language, [...(byLanguage.get(language) ?? []), file])
  }
  console.log(
    `lizard ${LIZARD}; ${seen.size} files, ${duplicates} duplicates skipped; desync rule: a file ` +
      `is excluded when > ${DESYNC_SHARE * 100} % (and ≥ ${DESYNC_MINIMUM}) of its functions are unmatched`,
  )
  const summaries: LanguageSummary[] = []
  for (const [language, files] of byLanguage)
    summaries.push(await compareLanguage(language, files, options.show))

  console.log(
    '\n| language | files | excluded | matched | ccn equal | params equal | nloc equal | lizard only | ours only |',
  )
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|')
  for (const s of summaries)
    console.log(
      `| ${s.language} | ${s.files} | ${s.excludedFiles} | ${s.matched} | ` +
        `${percent(s.cyclomatic, s.matched)} | ${percent(s.parameters, s.matched)} | ` +
        `${percent(s.nloc, s.matched)} | ${s.lizardOnly} | ${s.oursOnly} |`,
    )
  if (options.json) writeFileSync(options.json, JSON.stringify(summaries, null, 2) + '\n')
}

await main()
