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
  /**
   * Regular expressions of constructs the grammar is known not to parse (C++'s
   * `p->operator[](i)`): an error on a line one matches is a warning, reason `parser-limit`.
   */
  parser_limits: z.array(z.string().min(1)).optional(),
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
      /** Words that are never macros: keywords, and names the pattern matches that are not. */
      keywords: words.default([]),
      /** Function-like macros whose arguments include a type (`va_arg(ap, char *)`). */
      type_argument_calls: words.default([]),
      /**
       * Type words a qualifier macro may stand in front of (`static redisAtomic size_t n;`):
       * any other name directly before one of them is read as a macro.
       */
      type_words: words.default([]),
      /**
       * Calls blanked with their arguments wherever they stand, since no syntax depends on them
       * (`__attribute__ ((deprecated))` inside an initializer list).
       */
      blanked_calls: words.default([]),
      /**
       * Words after which a macro may still trail a declarator (`void f() const
       * LOCKS_EXCLUDED(mu);`); after any other keyword (`return FOO(x);`) it is a value.
       */
      trailing_after: words.default([]),
      /**
       * Words after which a name the pattern matches, followed by another name, is a type and
       * not a macro to blank: `typedef const X509_PUBKEY key_t;`.
       */
      type_after: words.default([]),
      /** Words after which a macro call stands for an attribute: `class FMT_API("x") name`. */
      tag_words: words.default([]),
      /** The word a macro between two blocks stands for (`} JSON_CATCH (e&) {`): `catch`. */
      handler_word: z.string().min(1).optional(),
      /** The word an access-specifier macro stands for (`JSON_PRIVATE_UNLESS_TESTED:`). */
      access_word: z.string().min(1).optional(),
    })
    .optional(),
})

export type SyntaxRules = z.output<typeof syntaxRulesSchema>
