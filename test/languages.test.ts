import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'
import { analyzeSource, type AnalysisReport } from '../src/analysis/engine.js'
import { languageFileSchema, loadLanguageRegistry } from '../src/analysis/language-registry.js'
import { parserFor } from '../src/analysis/parser.js'
import { PROFILES } from '../src/analysis/profiles/catalogue.js'
import { languagesDir, projectRoot } from '../src/paths.js'

/**
 * Every folder under `languages/` carries a realistic `fixture.<ext>` and, beside it,
 * `fixture.expected.json`: the units and figures the engine must give for it. The figures were
 * checked by hand against the reference tools' rules (docs: metrics-reference.md) before they were
 * accepted; `checked` says how, and `notes` lists any figure known to differ from the reference.
 * A new language folder without both files fails here.
 */

interface ExpectedFigures {
  source: string
  checked: string
  notes?: string[]
  syntax_valid: boolean
  lines: AnalysisReport['metrics']['lines']
  functions: ReturnType<typeof functionFigures>[]
  classes: ReturnType<typeof classFigures>[]
}

function functionFigures(unit: AnalysisReport['functions'][number]) {
  return {
    qualified_name: unit.qualified_name,
    kind: unit.kind,
    start_line: unit.start_line,
    end_line: unit.end_line,
    cyclomatic_complexity: unit.cyclomatic_complexity,
    cognitive_complexity: unit.cognitive_complexity,
    parameters: unit.parameters,
    max_nesting_depth: unit.max_nesting_depth,
    nloc: unit.nloc,
    body: unit.body,
  }
}

function classFigures(unit: AnalysisReport['classes'][number]) {
  return {
    qualified_name: unit.qualified_name,
    start_line: unit.start_line,
    end_line: unit.end_line,
    cyclomatic_complexity: unit.cyclomatic_complexity,
    methods: unit.methods,
  }
}

/** The language folders of `directory`, as the registry discovers them. */
function languageFolders(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
}

/** A folder's fixture and expected figures. @throws Error naming the file a folder lacks. */
function readFixture(
  directory: string,
  folder: string,
): { code: string; expected: ExpectedFigures } {
  const sources = readdirSync(join(directory, folder)).filter(
    (name) => name.startsWith('fixture.') && name !== 'fixture.expected.json',
  )
  if (sources.length !== 1) {
    throw new Error(
      `languages/${folder} needs exactly one fixture.<ext> source, found ${sources.length ? sources.join(', ') : 'none'}`,
    )
  }
  const expectedPath = join(directory, folder, 'fixture.expected.json')
  if (!existsSync(expectedPath)) {
    throw new Error(`languages/${folder} has no fixture.expected.json beside ${sources[0]}`)
  }
  const expected = JSON.parse(readFileSync(expectedPath, 'utf8')) as ExpectedFigures
  if (expected.source !== sources[0]) {
    throw new Error(`languages/${folder}/fixture.expected.json describes '${expected.source}'`)
  }
  return { code: readFileSync(join(directory, folder, sources[0]!), 'utf8'), expected }
}

const registry = loadLanguageRegistry()

describe.each(languageFolders(languagesDir))('languages/%s', (folder) => {
  it('has a valid language.json whose id is the folder name', () => {
    const parsed = languageFileSchema.safeParse(
      JSON.parse(readFileSync(join(languagesDir, folder, 'language.json'), 'utf8')),
    )
    expect(parsed.error?.issues ?? []).toEqual([])
    expect(parsed.data?.id).toBe(folder)
  })

  it('gives the checked figures for its fixture', async () => {
    const { code, expected } = readFixture(languagesDir, folder)
    expect(expected.checked.length, 'say how the figures were checked').toBeGreaterThan(0)
    expect(expected.functions.length, 'a fixture has several functions').toBeGreaterThan(1)
    const report = await analyzeSource(code, registry.resolve(folder))
    expect({
      syntax_valid: report.syntax_valid,
      lines: report.metrics.lines,
      functions: report.functions.map(functionFigures),
      classes: report.classes.map(classFigures),
    }).toEqual({
      syntax_valid: expected.syntax_valid,
      lines: expected.lines,
      functions: expected.functions,
      classes: expected.classes,
    })
  })
})

describe('a language folder without a fixture', () => {
  const directory = mkdtempSync(join(tmpdir(), 'verigen-languages-'))
  mkdirSync(join(directory, 'go'))
  copyFileSync(join(languagesDir, 'go', 'language.json'), join(directory, 'go', 'language.json'))

  it('fails, naming the folder', () => {
    expect(languageFolders(directory)).toEqual(['go'])
    expect(() => readFixture(directory, 'go')).toThrow(
      'languages/go needs exactly one fixture.<ext> source, found none',
    )
  })

  it('fails without the expected figures beside its source', () => {
    copyFileSync(join(languagesDir, 'go', 'fixture.go'), join(directory, 'go', 'fixture.go'))
    expect(() => readFixture(directory, 'go')).toThrow(
      'languages/go has no fixture.expected.json beside fixture.go',
    )
  })
})

describe('language.json profiles', () => {
  const withProfile = (profile: string) => {
    const directory = mkdtempSync(join(tmpdir(), 'verigen-languages-'))
    mkdirSync(join(directory, 'go'))
    const file = JSON.parse(readFileSync(join(languagesDir, 'go', 'language.json'), 'utf8'))
    file.analysis.profile = profile
    writeFileSync(join(directory, 'go', 'language.json'), JSON.stringify(file))
    return () => loadLanguageRegistry(directory)
  }

  it('refuses a profile no code implements', () => {
    expect(withProfile('sonar')).toThrow(
      /go\/language\.json: analysis\.profile: unknown profile 'sonar'; known: radon, eslint, lizard/,
    )
  })

  it('refuses a reference tool profile on a grammar it was not written for', () => {
    expect(withProfile('radon')).toThrow(
      /analysis\.profile: profile 'radon' is written for tree-sitter-python, not 'tree-sitter-go'/,
    )
  })
})

/**
 * The engine is language-blind: no string literal in `src/analysis/` spells a node type of an
 * installed grammar. The exceptions are the profiles written for one reference tool over the
 * grammars the catalogue lists for them (`profiles/radon*.ts` over tree-sitter-python,
 * `profiles/eslint*.ts` over tree-sitter-javascript/typescript), and the report's own vocabulary
 * that happens to spell a node type somewhere (unit kinds, `none`, body kinds).
 */
describe('the analysis engine', () => {
  const REPORT_WORDS = new Set([
    'class',
    'method',
    'function',
    'closure',
    'lambda',
    'none',
    'block',
    'expression',
    // A report field (FunctionReport.qualified_name), also a node type of tree-sitter-php.
    'qualified_name',
  ])
  const grammarBound = Object.entries(PROFILES)
    .filter(([, profile]) => profile.grammars.length > 0)
    .map(([id]) => id)

  function sources(directory: string): string[] {
    return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
      const path = join(directory, entry.name)
      if (entry.isDirectory()) return sources(path)
      return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : []
    })
  }

  it('names no node type of any grammar outside the grammar-bound profiles', async () => {
    const nodeTypes = new Set<string>()
    for (const language of registry.languages) {
      const grammar = (await parserFor(language)).getLanguage() as unknown as {
        nodeTypeInfo: { type: string; named: boolean }[]
      }
      for (const info of grammar.nodeTypeInfo) if (info.named) nodeTypes.add(info.type)
    }
    expect(nodeTypes.has('range_clause')).toBe(true)
    const found: string[] = []
    for (const path of sources(join(projectRoot, 'src', 'analysis'))) {
      const file = relative(projectRoot, path)
      if (file.includes('profiles/') && grammarBound.some((id) => basename(file).startsWith(id)))
        continue
      const code = readFileSync(path, 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/\/\/.*$/gm, '')
        // Field names (`name`, `body`, `parameters`) are shared by most grammars.
        .replace(/childr?e?n?ForFieldName\('\w+'\)/g, '')
      for (const match of code.matchAll(/'(\w+)'/g)) {
        const word = match[1]!
        if (nodeTypes.has(word) && !REPORT_WORDS.has(word)) found.push(`${file}: '${word}'`)
      }
    }
    expect(found).toEqual([])
  })
})
