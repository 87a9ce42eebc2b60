import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { analyzeSource } from '../../src/analysis/engine.js'
import { loadLanguageRegistry, type Language } from '../../src/analysis/language-registry.js'
import { parse, parserFor, type SyntaxNode } from '../../src/analysis/parser.js'

/**
 * Syntax verdicts on a corpus of valid code:
 *
 *   npx tsx bench/agreement/syntax.ts [--skip FOLDER]... DIR|FILE ...
 *
 * Every file whose extension names a language is analysed. Per language it prints the files,
 * those the report calls invalid (the verdict: the language's authority where one exists),
 * those whose tree-sitter tree alone holds an error (the verdict before any authority), the
 * warnings, and each flagged file with its first error. On released code every flagged file is a
 * false syntax error. Always exits 0: it measures, it does not gate. `--skip testdata` leaves out
 * every folder of that name: corpora keep deliberately invalid files in such folders (Go's
 * `testdata`, CPython's `test`).
 */

/** Generated or minified files larger than this say nothing about a language's syntax. */
const MAX_FILE_BYTES = 1_000_000
const skippedFolders = new Set(['node_modules', '.git'])

const registry = loadLanguageRegistry()

interface Tally {
  files: number
  bytes: number
  flagged: number
  treeFlagged: number
  warnings: number
  checkers: Map<string, number>
  examples: string[]
  /** Files tree-sitter alone flags but the verdict finds valid: the authority overruled it. */
  overruled: string[]
}

/** Where a tree's first error is: the first node, in source order, that is an error or missing. */
function firstTreeError(node: SyntaxNode): SyntaxNode | null {
  if (node.isError || node.isMissing) return node
  for (const child of node.children) {
    if (!child.hasError && !child.isMissing) continue
    const found = firstTreeError(child)
    if (found) return found
  }
  return null
}

function* filesUnder(path: string): Generator<string> {
  const stat = statSync(path)
  if (stat.isFile()) {
    yield path
    return
  }
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    if (entry.isDirectory() && skippedFolders.has(entry.name)) continue
    const child = join(path, entry.name)
    if (entry.isDirectory()) yield* filesUnder(child)
    else if (entry.isFile()) yield child
  }
}

const percent = (part: number, whole: number) =>
  whole === 0 ? '0.0' : ((part / whole) * 100).toFixed(1)

async function main(): Promise<void> {
  const roots: string[] = []
  const args = process.argv.slice(2)
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index]!
    if (arg === '--skip' && args[index + 1]) skippedFolders.add(args[++index]!)
    else roots.push(resolve(arg))
  }
  if (roots.length === 0) {
    console.error('usage: npx tsx bench/agreement/syntax.ts [--skip FOLDER]... DIR|FILE ...')
    return
  }
  const tallies = new Map<string, Tally>()
  for (const root of roots) {
    for (const path of filesUnder(root)) {
      if (!registry.detect(path)?.analysis && !registry.readsContent(path)) continue
      if (statSync(path).size > MAX_FILE_BYTES) continue
      const code = readFileSync(path, 'utf8')
      const language: Language | undefined = registry.detect(path, code)
      if (!language?.analysis) continue
      let tally = tallies.get(language.id)
      if (!tally) {
        tally = {
          files: 0,
          bytes: 0,
          flagged: 0,
          treeFlagged: 0,
          warnings: 0,
          checkers: new Map(),
          examples: [],
          overruled: [],
        }
        tallies.set(language.id, tally)
      }
      const report = await analyzeSource(code, language)
      const tree = parse(await parserFor(language), code)
      tally.files += 1
      tally.bytes += Buffer.byteLength(code)
      tally.warnings += report.syntax_warnings.length
      const where = relative(process.cwd(), path)
      if (tree.rootNode.hasError) {
        tally.treeFlagged += 1
        const at = firstTreeError(tree.rootNode)?.startPosition
        if (report.syntax_valid && at) {
          const line = code.split('\n')[at.row]?.trim().slice(0, 80) ?? ''
          tally.overruled.push(`${where}:${at.row + 1}:${at.column + 1}  | ${line}`)
        }
      }
      if (!report.syntax_valid) {
        tally.flagged += 1
        tally.checkers.set(
          report.syntax_checker,
          (tally.checkers.get(report.syntax_checker) ?? 0) + 1,
        )
        const first = report.syntax_errors[0]
        tally.examples.push(
          first
            ? `${where}:${first.line}:${first.column} ${first.message}  | ${first.source_line.trim().slice(0, 80)}`
            : where,
        )
      }
    }
  }
  console.log('language     files      KB  flagged       tree-sitter alone  warnings')
  for (const [id, tally] of [...tallies].sort(([a], [b]) => a.localeCompare(b))) {
    console.log(
      `${id.padEnd(10)} ${String(tally.files).padStart(7)} ${String(Math.round(tally.bytes / 1024)).padStart(7)}` +
        `  ${String(tally.flagged).padStart(5)} (${percent(tally.flagged, tally.files).padStart(5)} %)` +
        `  ${String(tally.treeFlagged).padStart(5)} (${percent(tally.treeFlagged, tally.files).padStart(5)} %)` +
        `  ${String(tally.warnings).padStart(8)}`,
    )
  }
  for (const [id, tally] of tallies) {
    if (tally.overruled.length > 0) {
      console.log(
        `\n${id}: ${tally.overruled.length} flagged by tree-sitter alone, valid by the verdict`,
      )
      for (const file of tally.overruled) console.log(`  ${file}`)
    }
    if (tally.examples.length === 0) continue
    console.log(`\n${id}: ${tally.flagged} flagged`)
    for (const example of tally.examples) console.log(`  ${example}`)
  }
}

await main()
