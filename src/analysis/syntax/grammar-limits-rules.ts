import { z } from 'zod'

const validPattern = (pattern: string) => {
  try {
    new RegExp(pattern, 'gm')
    return true
  } catch {
    return false
  }
}

/**
 * One construct of the language that the tree-sitter grammar is known not to parse, and a stand-in
 * that it parses: a construct of the same kind (a value for a value, a type for a type), so that
 * swapping it in can neither make a broken file valid nor a valid one broken.
 */
export const grammarGapSchema = z.strictObject({
  /** What the construct is, for people: "`()`, the empty tuple, as a value". */
  construct: z.string().min(1),
  /**
   * A regular expression (JavaScript syntax, read with the `g` and `m` flags) matching the
   * construct where it occurs; lookbehinds keep it to the places the construct can stand.
   */
  pattern: z.string().min(1).refine(validPattern, 'not a valid regular expression'),
  /**
   * What replaces each match: it must be no longer than the shortest match, and the rest of the
   * match becomes blanks (line breaks kept), so every line and column stays where it was.
   */
  stand_in: z.string(),
  /** A minimal valid example on which the grammar fails; the tests parse it with and without. */
  example: z.string().min(1),
})

/**
 * The `grammar_limits` key of `languages/<id>/language.json`: for a language with no parser in
 * process but its tree-sitter grammar, what the syntax check knows of that grammar's gaps (see
 * `src/analysis/syntax/grammar-limits.ts`). The metrics always come from the main grammar.
 */
export const grammarLimitsSchema = z.strictObject({
  /**
   * A second grammar package for the same language (CommonJS, loaded on first use), asked only
   * when the main grammar finds errors: when it parses the file without any, the file is valid.
   */
  second_grammar: z
    .strictObject({ package: z.string().min(1), export: z.string().min(1).optional() })
    .optional(),
  /** Constructs the main grammar is known not to parse, each with its stand-in. */
  gaps: z.array(grammarGapSchema).default([]),
})

export type GrammarLimits = z.output<typeof grammarLimitsSchema>
export type GrammarGap = z.output<typeof grammarGapSchema>
