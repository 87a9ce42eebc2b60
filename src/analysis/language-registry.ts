import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { z } from 'zod'
import { languagesDir } from '../paths.js'
import { verificationRulesSchema } from '../verification/rules.js'
import { LanguageLookup } from './language-lookup.js'
import { regexSource } from './regex-source.js'
import { syntaxRulesSchema } from './syntax/preprocessor-rules.js'
import { grammarLimitsSchema } from './syntax/grammar-limits-rules.js'
import { contentHintsSchema } from './content-hints-rules.js'
import { describeProfile, isProfileId, PROFILES, type ProfileId } from './profiles/catalogue.js'

const nodeTypes = z.array(z.string().min(1))
const optionalNodeTypes = nodeTypes.default([])
/** Plain names (functions, methods, commands) as the callee's last segment spells them. */
const callNames = z.array(z.string().min(1)).default([])
/** Regular expression sources; each must compile. */
const patterns = z.array(regexSource).default([])

/**
 * How parameters are read off a function node (lizard's `parameter_count`), when the language's
 * profile does not count them itself. The list is the `parameters` field of the function or of
 * its declarator (C's `function_declarator`), else its first child of a `lists` type; without
 * one, the function's own children of an `items` type count.
 */
export const parameterRulesSchema = z.strictObject({
  /**
   * Node types of a value parameter list, e.g. `parameter_list`, `formal_parameters`; never a
   * type parameter list (`<T>`), which would be counted instead of the values.
   */
  lists: optionalNodeTypes,
  /**
   * When given, only a list's children of these types count; for grammars that put other nodes
   * beside the parameters in the list (Kotlin's default values and `vararg` modifiers).
   */
  list_items: optionalNodeTypes,
  /**
   * A lone parameter written without a list (`x -> x`) that stands in the `parameters` field:
   * Java's and Scala's `identifier`, C#'s `implicit_parameter`. It counts 1.
   */
  bare: optionalNodeTypes,
  /** Parameter nodes that sit directly under the function when it has no list node (Swift). */
  items: optionalNodeTypes,
  /** Parameters that are not counted, as a node type (Rust's receiver `self_parameter`)… */
  uncounted: optionalNodeTypes,
  /** …or by their whole text (`self`, `&mut self`, C's `(void)`). */
  uncounted_texts: z.array(z.string().min(1)).default([]),
})

/**
 * What the performance estimate recognises in a language: the library calls that cost more than
 * they look inside a loop, and the syntax of the patterns it flags. Every key may be left out;
 * the hotspot it feeds is then never reported for the language.
 */
export const performanceRulesSchema = z.strictObject({
  /** Calls that sort (`sorted`, `sort.Slice`): O(n log n), and a hotspot inside a loop. */
  sort_calls: callNames,
  /** Method calls that search a sequence linearly (`indexOf`, `contains`), flagged in loops. */
  search_calls: callNames,
  /** Calls that do I/O (`open`, `fetch`, `query`), flagged in loops. */
  io_calls: callNames,
  /** Patterns matching the whole callee of a call that compiles a regular expression (`re\\.compile`). */
  regex_compile_calls: patterns,
  /**
   * Patterns (case-insensitive) whose presence in a recursive function's text, or in the
   * text of its wrapper (see `decorator_wrappers`), marks the recursion as memoised.
   */
  memoisation_markers: patterns,
  /** Nodes that wrap a function together with its decorators (Python's `decorated_definition`). */
  decorator_wrappers: optionalNodeTypes,
  /** Assignment nodes checked for string building (`s += "…"`) inside loops. */
  concatenating_assignments: optionalNodeTypes,
  /** The operator tokens of those assignments that concatenate (`+=`, PHP's `.=`). */
  concatenation_operators: z.array(z.string().min(1)).default([]),
  /** Letters that may prefix a string literal's opening quote (Python's `f`, `r`, `b`). */
  string_prefixes: z.array(z.string().regex(/^[A-Za-z@$]+$/, 'letters')).default([]),
  /** Comparison nodes that may test membership (`x in items`), checked inside loops. */
  membership_tests: optionalNodeTypes,
  /** The membership operators among those comparisons' tokens (`in`, `not in`). */
  membership_operators: z.array(z.string().min(1)).default([]),
  /** Literal list nodes: membership in one is a linear search. */
  list_literals: optionalNodeTypes,
  /** How an assignment that builds a list starts after its `=` (`[`, `list(`). */
  list_builders: z.array(z.string().min(1)).default([]),
  /** Loop children that hold the iterated collection in their `right` field (Go's `range_clause`). */
  iteration_clauses: optionalNodeTypes,
})

/**
 * Where a function's body is, for the report's `body` span (the stub gate replaces it). The body
 * is the function's `body` field; these tables cover the grammars that give it no field or wrap it.
 */
export const bodyRulesSchema = z.strictObject({
  /**
   * Body node types that hold statements (a braced block, Python's indented block, Kotlin's
   * `function_body` in braces): the report's kind `block`. Any other body is an `expression`.
   */
  blocks: optionalNodeTypes,
  /** Child node types that are the body of a function whose grammar gives it no `body` field. */
  nodes: optionalNodeTypes,
  /** Function node types whose body is their last named child, without a field (Scala's lambdas). */
  last_child: optionalNodeTypes,
  /**
   * Tokens a body node may start with before an expression (Kotlin's `= x`, C#'s `=> x`): the
   * body is then that expression, without the token.
   */
  expression_markers: z.array(z.string().min(1)).default([]),
})

/**
 * How the analysis engine reads a language's syntax tree: tree-sitter node types and tokens,
 * grouped by the role they play in the metrics (see docs/analysis.md). The engine itself names
 * no node type of any grammar: everything it reacts to is listed here.
 */
export const analysisRulesSchema = z.strictObject({
  /**
   * The metric profile, the reference tool whose counting rules the figures follow: `radon`
   * (Python), `eslint` (JavaScript/TypeScript) or `lizard` (the tree-based generic rules driven by
   * the tables below). A profile other than `lizard` is one tool's rule set written for the
   * grammars it names (see `src/analysis/profiles/index.ts`); the loader checks the pairing.
   */
  profile: z.string().min(1),
  /** Function-like nodes: each is a unit with its own metrics. */
  functions: nodeTypes,
  /**
   * The function-like nodes that are anonymous functions (lambdas, closures, arrows, blocks): a
   * unit of kind `lambda`, named `<lambda>` when it has no name.
   */
  lambdas: optionalNodeTypes,
  /** Nodes whose name prefixes the qualified names of what they contain; a function in one is a method. */
  classes: nodeTypes,
  /**
   * Nodes whose name prefixes qualified names like a class's, but whose functions are functions,
   * not methods (C++ namespaces, Rust modules).
   */
  namespaces: optionalNodeTypes,
  /**
   * Named leaves that spell a name (`identifier`, Go's `field_identifier`): a function's or
   * class's declared name is the first one found, and readability counts their spellings.
   */
  names: optionalNodeTypes,
  /** Cyclomatic decision points: anonymous tokens (`if`, `&&`) and node types, +1 each. */
  cyclomatic: z.strictObject({
    tokens: nodeTypes,
    nodes: nodeTypes,
    /**
     * Nodes that take one decision back, −1 each: with Kotlin's when-branch node among the
     * nodes and its `when` node here, a `when` of n branches counts n − 1, as lizard does.
     */
    discounts: optionalNodeTypes,
    /**
     * Whether a lambda's decisions also count in the function it sits in (lizard does not see
     * most lambdas as functions of their own); the lambda keeps its own figure too.
     */
    lambdas_in_enclosing: z.boolean().default(false),
    /**
     * Function node types whose decisions also count in the unit they are nested in, which lizard
     * reads as one function: C#'s local functions, the methods of a C++ class defined inside a
     * function. Each keeps its own unit and figure too.
     */
    nested_in_enclosing: optionalNodeTypes,
    /**
     * Node or token types that are a decision only right after a sibling of the listed types:
     * lizard's tokenizer reads Swift's `?` after `)` or `]` (`(any Error)?`, `f()?.x`) as a
     * ternary, but not after a name (`String?`, `x?.y`).
     */
    after: z.record(z.string().min(1), nodeTypes).default({}),
    /**
     * Parents under which a name that spells a decision token counts as one: lizard's
     * tokenizer reads Swift's parameter label `for` (`func task(for request: R)`) as the loop.
     */
    names_under: optionalNodeTypes,
    /**
     * Whether a function whose body starts on a line after the token before it (`def f =⏎
     * body`) gives the body's decisions to the unit around it: lizard's Scala reader ends the
     * function at that line break.
     */
    detached_bodies: z.boolean().default(false),
    /**
     * Decision tokens and nodes that are no decision under some parent nodes: type → those
     * parents. C++'s `&&` under `reference_declarator` declares an r-value reference (`T&& x`),
     * under `ref_qualifier` qualifies a member function (`void f() &&`): no logical operator.
     */
    not_under: z.record(z.string().min(1), nodeTypes).default({}),
    /**
     * Whether only the decisions of a named function's body count in it: lizard's C-like readers
     * count none in the declaration before the body (parameters and their default values, the
     * return type, a constructor's initializers `: a_(x ? 1 : 2)`, `params object?[] a`). Lambdas
     * keep theirs.
     */
    body_only: z.boolean().default(false),
  }),
  /** Boolean operator tokens; a run of like operators is one cognitive increment. */
  logical_operators: nodeTypes,
  /** Nodes that only parenthesise an expression: a run of logical operators continues through them. */
  parentheses: optionalNodeTypes,
  conditionals: nodeTypes,
  /** Else-if clauses that are nodes of their own (`elif`, `elsif`). */
  else_ifs: nodeTypes,
  /**
   * The `else` token. A conditional right after it, or first in an `else_clauses` wrapper, is an
   * else-if (+1 cognitive, no nesting); anything else there is a plain else (+1).
   */
  else_keyword: z.string().min(1).optional(),
  /** Nodes that wrap what follows `else` (`else_clause`). */
  else_clauses: optionalNodeTypes,
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
  parameters: parameterRulesSchema.prefault({}),
  performance: performanceRulesSchema.prefault({}),
  bodies: bodyRulesSchema.prefault({}),
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
export const languageFileSchema = z
  .strictObject({
    id: z.string().regex(/^[a-z][a-z0-9-]*$/, 'lowercase letters, digits and dashes'),
    name: z.string().min(1),
    aliases: z.array(z.string().min(1)),
    extensions: z
      .array(z.string().regex(/^\.[A-Za-z0-9.]+$/, 'a dot then letters, e.g. .py'))
      .min(1),
    test_framework: z.string().min(1),
    doc_style: z.string().min(1),
    /** The tree-sitter grammar: an npm package and, when it holds several, the export to use. */
    grammar: z.strictObject({ package: z.string().min(1), export: z.string().min(1).optional() }),
    line_comment: z.string().min(1).optional(),
    block_comment: z.tuple([z.string().min(1), z.string().min(1)]).optional(),
    /** Extensions of another language this one claims when the file's text says so (C++'s `.h`). */
    content_hints: contentHintsSchema.optional(),
    analysis: analysisRulesSchema,
    generation: generationGuideSchema,
    /** How the generated tests run in the sandbox; a language without it is never verified. */
    verification: verificationRulesSchema.optional(),
    /** What the syntax check must know of a preprocessor and its macros (C, C++, C#). */
    syntax: syntaxRulesSchema.optional(),
    /** The known gaps of the tree-sitter grammar of a language with no other parser (Kotlin, Swift, Scala). */
    grammar_limits: grammarLimitsSchema.optional(),
  })
  .superRefine((file, context) => {
    const profile = file.analysis.profile
    if (!isProfileId(profile)) {
      context.addIssue({
        code: 'custom',
        path: ['analysis', 'profile'],
        message: `unknown profile '${profile}'; known: ${Object.keys(PROFILES).join(', ')}`,
      })
      return
    }
    const grammars = describeProfile(profile).grammars
    if (grammars.length > 0 && !grammars.includes(file.grammar.package)) {
      context.addIssue({
        code: 'custom',
        path: ['analysis', 'profile'],
        message: `profile '${profile}' is written for ${grammars.join(', ')}, not '${file.grammar.package}'`,
      })
    }
  })

export type LanguageFile = z.output<typeof languageFileSchema>

/** The analysis rules as sets, ready for lookups on every node. */
export interface LanguageRules {
  profile: ProfileId
  functions: ReadonlySet<string>
  lambdas: ReadonlySet<string>
  classes: ReadonlySet<string>
  namespaces: ReadonlySet<string>
  names: ReadonlySet<string>
  cyclomaticTokens: ReadonlySet<string>
  cyclomaticNodes: ReadonlySet<string>
  cyclomaticDiscounts: ReadonlySet<string>
  lambdasInEnclosing: boolean
  nestedInEnclosing: ReadonlySet<string>
  /** Type → the previous-sibling types after which it is a decision. */
  cyclomaticAfter: ReadonlyMap<string, ReadonlySet<string>>
  cyclomaticNamesUnder: ReadonlySet<string>
  detachedBodies: boolean
  /** Decision token or node type → the parent node types under which it is no decision. */
  cyclomaticNotUnder: ReadonlyMap<string, ReadonlySet<string>>
  cyclomaticBodyOnly: boolean
  logicalOperators: ReadonlySet<string>
  parentheses: ReadonlySet<string>
  conditionals: ReadonlySet<string>
  elseIfs: ReadonlySet<string>
  /** The `else` token; null when the language has none (then nothing ever equals it). */
  elseKeyword: string | null
  elseClauses: ReadonlySet<string>
  loops: ReadonlySet<string>
  /** Structures other than conditionals that nest: loops, switches, catches, ternaries. */
  nesting: ReadonlySet<string>
  jumps: ReadonlySet<string>
  comments: ReadonlySet<string>
  strings: ReadonlySet<string>
  calls: ReadonlySet<string>
  operatorLeaves: ReadonlySet<string>
  parameters: ParameterRules
  performance: PerformanceRules
  bodies: BodyRules
}

export interface BodyRules {
  blocks: ReadonlySet<string>
  nodes: ReadonlySet<string>
  lastChild: ReadonlySet<string>
  expressionMarkers: ReadonlySet<string>
}

export interface ParameterRules {
  lists: ReadonlySet<string>
  listItems: ReadonlySet<string>
  bare: ReadonlySet<string>
  items: ReadonlySet<string>
  uncounted: ReadonlySet<string>
  uncountedTexts: ReadonlySet<string>
}

/** The performance tables, with their patterns compiled once per language. */
export interface PerformanceRules {
  sortCalls: ReadonlySet<string>
  searchCalls: ReadonlySet<string>
  ioCalls: ReadonlySet<string>
  /** Matches a whole callee that compiles a regular expression; null when none is listed. */
  regexCompile: RegExp | null
  /** Finds a memoisation marker in a function's text; null when none is listed. */
  memoisation: RegExp | null
  decoratorWrappers: ReadonlySet<string>
  concatenationOperators: ReadonlySet<string>
  /** Optional string-literal prefix, as a regular expression group (`(f|r|b)?`), or ''. */
  stringPrefix: string
  /** Matches text that starts with a string literal: an optional prefix, then a quote. */
  stringStart: RegExp
  membershipTests: ReadonlySet<string>
  membershipOperators: ReadonlySet<string>
  listLiterals: ReadonlySet<string>
  /** Alternatives, escaped, of how a list-building assignment starts after its `=`. */
  listBuilders: string | null
  iterationClauses: ReadonlySet<string>
  /** Nodes the walk hands to the estimate when they sit in a loop: assignments and comparisons. */
  insideLoops: ReadonlySet<string>
}

/** A registered language and what this installation can do with it. */
export interface Language extends Omit<LanguageFile, 'analysis'> {
  /** Whether the grammar package is installed, so that code in this language can be analysed. */
  analysis: boolean
  rules: LanguageRules
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

function alternatives(sources: readonly string[], flags = ''): RegExp | null {
  return sources.length > 0 ? new RegExp(`^(?:${sources.join('|')})$`, flags) : null
}

function compilePerformance(
  performance: LanguageFile['analysis']['performance'],
): PerformanceRules {
  const stringPrefix =
    performance.string_prefixes.length > 0
      ? `(${performance.string_prefixes.map(escapeRegExp).join('|')})?`
      : ''
  return {
    sortCalls: new Set(performance.sort_calls),
    searchCalls: new Set(performance.search_calls),
    ioCalls: new Set(performance.io_calls),
    regexCompile: alternatives(performance.regex_compile_calls),
    memoisation:
      performance.memoisation_markers.length > 0
        ? new RegExp(performance.memoisation_markers.join('|'), 'i')
        : null,
    decoratorWrappers: new Set(performance.decorator_wrappers),
    concatenationOperators: new Set(performance.concatenation_operators),
    stringPrefix,
    stringStart: new RegExp(`^${stringPrefix}["'\`]`),
    membershipTests: new Set(performance.membership_tests),
    membershipOperators: new Set(performance.membership_operators),
    listLiterals: new Set(performance.list_literals),
    listBuilders:
      performance.list_builders.length > 0
        ? performance.list_builders.map(escapeRegExp).join('|')
        : null,
    iterationClauses: new Set(performance.iteration_clauses),
    insideLoops: new Set([
      ...performance.membership_tests,
      ...performance.concatenating_assignments,
    ]),
  }
}

function compileRules(analysis: LanguageFile['analysis']): LanguageRules {
  return {
    profile: analysis.profile as ProfileId,
    functions: new Set(analysis.functions),
    lambdas: new Set(analysis.lambdas),
    classes: new Set(analysis.classes),
    namespaces: new Set(analysis.namespaces),
    names: new Set(analysis.names),
    cyclomaticTokens: new Set(analysis.cyclomatic.tokens),
    cyclomaticNodes: new Set(analysis.cyclomatic.nodes),
    cyclomaticDiscounts: new Set(analysis.cyclomatic.discounts),
    lambdasInEnclosing: analysis.cyclomatic.lambdas_in_enclosing,
    nestedInEnclosing: new Set(analysis.cyclomatic.nested_in_enclosing),
    cyclomaticAfter: new Map(
      Object.entries(analysis.cyclomatic.after).map(([type, previous]) => [
        type,
        new Set(previous),
      ]),
    ),
    cyclomaticNamesUnder: new Set(analysis.cyclomatic.names_under),
    detachedBodies: analysis.cyclomatic.detached_bodies,
    cyclomaticNotUnder: new Map(
      Object.entries(analysis.cyclomatic.not_under).map(([type, parents]) => [
        type,
        new Set(parents),
      ]),
    ),
    cyclomaticBodyOnly: analysis.cyclomatic.body_only,
    logicalOperators: new Set(analysis.logical_operators),
    parentheses: new Set(analysis.parentheses),
    conditionals: new Set(analysis.conditionals),
    elseIfs: new Set(analysis.else_ifs),
    elseKeyword: analysis.else_keyword ?? null,
    elseClauses: new Set(analysis.else_clauses),
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
    parameters: {
      lists: new Set(analysis.parameters.lists),
      listItems: new Set(analysis.parameters.list_items),
      bare: new Set(analysis.parameters.bare),
      items: new Set(analysis.parameters.items),
      uncounted: new Set(analysis.parameters.uncounted),
      uncountedTexts: new Set(analysis.parameters.uncounted_texts),
    },
    performance: compilePerformance(analysis.performance),
    bodies: {
      blocks: new Set(analysis.bodies.blocks),
      nodes: new Set(analysis.bodies.nodes),
      lastChild: new Set(analysis.bodies.last_child),
      expressionMarkers: new Set(analysis.bodies.expression_markers),
    },
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
 * is adding a folder, never editing a list. The lookups live in language-lookup.ts, without
 * zod, for the CLI's start-up from a cached registry (src/commands/analyze/languages.ts).
 */
export class LanguageRegistry extends LanguageLookup<Language> {}

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
