import { z } from 'zod'

const validPattern = (pattern: string) => {
  try {
    new RegExp(pattern, 'm')
    return true
  } catch {
    return false
  }
}

/**
 * The `content_hints` key of `languages/<id>/language.json`: an extension another language owns
 * that this one claims when the file's text says so. `.h` is C's, but many C++ headers are
 * named `.h`; a header holding `namespace x {` or `template <` is C++, and parsing it with the C
 * grammar flags nearly every line. Read by `detect` in language-lookup.ts.
 */
export const contentHintsSchema = z.strictObject({
  /** Extensions (with the dot) this language claims from their owner when a pattern matches. */
  extensions: z.array(z.string().regex(/^\.[A-Za-z0-9.]+$/)).min(1),
  /**
   * Regular expressions (JavaScript syntax, read with the `m` flag) of constructs only this
   * language has, tested on the start of the file (see `CONTENT_HINT_WINDOW`).
   */
  patterns: z
    .array(z.string().min(1).refine(validPattern, 'not a valid regular expression'))
    .min(1),
  /**
   * Words whose `#if`/`#ifdef` regions are not read (up to their `#else` or `#endif`): a C
   * header's `#ifdef __cplusplus` part may hold C++ without the header being C++.
   */
  ignore_under: z.array(z.string().min(1)).default([]),
})

export type ContentHints = z.output<typeof contentHintsSchema>
