import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { extname, join } from 'node:path'
import { z } from 'zod'
import { UnsupportedLanguageError } from '../errors.js'
import { languagesDir } from '../paths.js'

const nodeTypes = z.array(z.string().min(1))

/**
 * How the analysis engine reads a language's syntax tree: tree-sitter node types and tokens,
 * grouped by the role they play in the metrics (see docs/analysis.md).
 */
export const analysisRulesSchema = z.strictObject({
  /** `radon` (Python), `eslint` (JavaScript/TypeScript) or `lizard` (the tree-based generic rules). */
  profile: z.enum(['radon', 'eslint', 'lizard']),
  /** Function-like nodes: each is a unit with its own metrics. */
  functions: nodeTypes,
  /** Nodes whose name prefixes the qualified names of what they contain. */
  classes: nodeTypes,
  /** Cyclomatic decision points: anonymous tokens (`if`, `&&`) and node types, +1 each. */
  cyclomatic: z.strictObject({ tokens: nodeTypes, nodes: nodeTypes }),
  /** Boolean operator tokens; a run of like operators is one cognitive increment. */
  logical_operators: nodeTypes,
  conditionals: nodeTypes,
  /** Else-if clauses that are nodes of their own (`elif`, `elsif`). */
  else_ifs: nodeTypes,
  loops: nodeTypes,
  switches: nodeTypes,
  catches: nodeTypes,
  ternaries: nodeTypes,
  /** break/continue/goto nodes: +1 cognitive when they carry a label. */
  jumps: nodeTypes,
  comments: nodeTypes,
  /** Literal nodes read as one operand, not descended into. */
  strings: nodeTypes,
  calls: nodeTypes,
  /** Named leaves whose text is an operator (Scala's `operator_identifier`). */
  operator_leaves: nodeTypes.optional(),
})

const guidance = z.array(z.string().min(1)).min(1)

/**
 * What the generation prompts say about a language: the files a generated project consists of
 * and the idioms, error handling, test and documentation conventions the model must follow.
 * The shared wording lives in `prompts/*.md`; only the language's facts live here.
 */
export const generationGuideSchema = z.strictObject({
  /** File name the generated code is saved as, e.g. `solution.py`. */
  code_file: z.string().min(1),
  /** File name of the generated tests, e.g. `test_solution.py`. */
  test_file: z.string().min(1),
  /** Idiom and best practices for production code. */
  guidelines: guidance,
  /** How code in this language reports and handles errors. */
  error_handling: guidance,
  /** Test framework conventions: layout, assertions, naming, how to run them. */
  test_conventions: guidance,
  /** How the tests reach the code under test, as a real project would (import, package, include). */
  test_import: z.string().min(1),
  /** How the generated code itself is documented (docstrings, Javadoc…). */
  doc_conventions: guidance,
})

/** The schema of `languages/<id>/language.json`: the whole contract of a language folder. */
export const languageFileSchema = z.strictObject({
  id: z.string().regex(/^[a-z][a-z0-9-]*$/, 'lowercase letters, digits and dashes'),
  name: z.string().min(1),
  aliases: z.array(z.string().min(1)),
  extensions: z.array(z.string().regex(/^\.[A-Za-z0-9.]+$/, 'a dot then letters, e.g. .py')).min(1),
  test_framework: z.string().min(1),
  doc_style: z.string().min(1),
  /** The tree-sitter grammar: an npm package and, when it holds several, the export to use. */
  grammar: z.strictObject({ package: z.string().min(1), export: z.string().min(1).optional() }),
  line_comment: z.string().min(1).optional(),
  block_comment: z.tuple([z.string().min(1), z.string().min(1)]).optional(),
  analysis: analysisRulesSchema,
  generation: generationGuideSchema,
})

export type LanguageFile = z.output<typeof languageFileSchema>

/** The analysis rules as sets, ready for lookups on every node. */
export interface LanguageRules {
  profile: 'radon' | 'eslint' | 'lizard'
  functions: ReadonlySet<string>
  classes: ReadonlySet<string>
  cyclomaticTokens: ReadonlySet<string>
  cyclomaticNodes: ReadonlySet<string>
  logicalOperators: ReadonlySet<string>
  conditionals: ReadonlySet<string>
  elseIfs: ReadonlySet<string>
  loops: ReadonlySet<string>
  /** Structures other than conditionals that nest: loops, switches, catches, ternaries. */
  nesting: ReadonlySet<string>
  jumps: ReadonlySet<string>
  comments: ReadonlySet<string>
  strings: ReadonlySet<string>
  calls: ReadonlySet<string>
  operatorLeaves: ReadonlySet<string>
}

/** A registered language and what this installation can do with it. */
export interface Language extends Omit<LanguageFile, 'analysis'> {
  /** Whether the grammar package is installed, so that code in this language can be analysed. */
  analysis: boolean
  rules: LanguageRules
}

function compileRules(analysis: LanguageFile['analysis']): LanguageRules {
  return {
    profile: analysis.profile,
    functions: new Set(analysis.functions),
    classes: new Set(analysis.classes),
    cyclomaticTokens: new Set(analysis.cyclomatic.tokens),
    cyclomaticNodes: new Set(analysis.cyclomatic.nodes),
    logicalOperators: new Set(analysis.logical_operators),
    conditionals: new Set(analysis.conditionals),
    elseIfs: new Set(analysis.else_ifs),
    loops: new Set(analysis.loops),
    nesting: new Set([
      ...analysis.loops,
      ...analysis.switches,
      ...analysis.catches,
      ...analysis.ternaries,
    ]),
    jumps: new Set(analysis.jumps),
    comments: new Set(analysis.comments),
    strings: new Set(analysis.strings),
    calls: new Set(analysis.calls),
    operatorLeaves: new Set(analysis.operator_leaves ?? []),
  }
}

const require = createRequire(import.meta.url)

function grammarInstalled(packageName: string): boolean {
  try {
    require.resolve(`${packageName}/package.json`)
    return true
  } catch {
    return false
  }
}

/**
 * The supported languages, discovered from the folders under `languages/`: adding a language
 * is adding a folder, never editing a list.
 */
export class LanguageRegistry {
  private readonly byName = new Map<string, Language>()
  private readonly byExtension = new Map<string, Language>()

  constructor(readonly languages: readonly Language[]) {
    for (const language of languages) {
      for (const name of [language.id, ...language.aliases]) {
        const key = name.toLowerCase()
        const taken = this.byName.get(key)
        if (taken)
          throw new Error(
            `Language name '${name}' is claimed by both '${taken.id}' and '${language.id}'`,
          )
        this.byName.set(key, language)
      }
      for (const extension of language.extensions)
        this.byExtension.set(extension.toLowerCase(), language)
    }
  }

  /** The language ids, in registry order. */
  get ids(): string[] {
    return this.languages.map((language) => language.id)
  }

  /** Finds a language by id or alias, case-insensitively. */
  find(name: string): Language | undefined {
    return this.byName.get(name.trim().toLowerCase())
  }

  /** Like {@link find}, but an unknown name is the client's error. @throws UnsupportedLanguageError */
  resolve(name: string): Language {
    const language = this.find(name)
    if (!language) throw new UnsupportedLanguageError(name, this.ids)
    return language
  }

  /** The language a file name implies by its extension, if any. */
  detect(filename: string): Language | undefined {
    return this.byExtension.get(extname(filename).toLowerCase())
  }
}

/**
 * Reads and validates every `languages/<id>/language.json`.
 * @throws Error naming the file and the problem, so that a broken data file stops start-up.
 */
export function loadLanguageRegistry(directory = languagesDir): LanguageRegistry {
  const languages: Language[] = []
  const folders = readdirSync(directory, { withFileTypes: true })
    .filter(
      (entry) => entry.isDirectory() && existsSync(join(directory, entry.name, 'language.json')),
    )
    .map((entry) => entry.name)
    .sort()
  for (const folder of folders) {
    const path = join(directory, folder, 'language.json')
    let parsed: LanguageFile
    try {
      parsed = languageFileSchema.parse(JSON.parse(readFileSync(path, 'utf8')))
    } catch (error) {
      const reason =
        error instanceof z.ZodError
          ? error.issues
              .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
              .join('; ')
          : (error as Error).message
      throw new Error(`Invalid language file ${path}: ${reason}`, { cause: error })
    }
    if (parsed.id !== folder) {
      throw new Error(
        `Invalid language file ${path}: id '${parsed.id}' must equal its folder name '${folder}'`,
      )
    }
    languages.push({
      ...parsed,
      analysis: grammarInstalled(parsed.grammar.package),
      rules: compileRules(parsed.analysis),
    })
  }
  return new LanguageRegistry(languages)
}
