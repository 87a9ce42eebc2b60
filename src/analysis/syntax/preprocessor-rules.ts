import { z } from 'zod'

const words = z.array(z.string().min(1))

/**
 * The `syntax` key of `languages/<id>/language.json`: what the syntax check must know of a
 * language whose source a preprocessor rewrites before any parser sees it (C, C++, C#). A
 * tree-sitter grammar parses the file as written, so a macro or a preprocessor branch can look
 * like a syntax error where the compiler finds none; these rules say how to read such spots
 * (see `src/analysis/syntax/preprocessor.ts`).
 */
export const syntaxRulesSchema = z.strictObject({
  preprocessor: z
    .strictObject({
      /** What a directive line starts with, after blanks: `#`. */
      directive: z.string().min(1),
      /** What ends a directive line that continues on the next (C's backslash); absent if none. */
      continuation: z.string().min(1).optional(),
      /** Directives that open a conditional region (`if`, `ifdef`, `ifndef`). */
      opening: words,
      /** Of those, the ones whose condition is negated (`ifndef`). */
      negated: words.default([]),
      /** Directives that begin an alternative branch (`elif`, `else`). */
      branches: words,
      /** Directives that close a conditional region (`endif`). */
      closing: words,
      /**
       * Conditions (without `defined` and parentheses) known to be false when compiling this
       * language: `0`, and for C `__cplusplus`. A branch under one is not the branch kept.
       */
      false_conditions: words.default([]),
    })
    .optional(),
  macros: z
    .strictObject({
      /** A regular expression that an object-like macro's name matches in full (ALL_CAPS). */
      name_pattern: z.string().min(1),
      /** Words the pattern may match that are never macros. */
      keywords: words.default([]),
      /** Function-like macros whose arguments include a type (`va_arg(ap, char *)`). */
      type_argument_calls: words.default([]),
    })
    .optional(),
})

export type SyntaxRules = z.output<typeof syntaxRulesSchema>
