import { extname } from 'node:path'
import { UnsupportedLanguageError } from '../errors.js'

/** What finding a language needs of it (a `Language` of language-registry.ts). */
export interface NamedLanguage {
  id: string
  aliases: readonly string[]
  extensions: readonly string[]
  /** Extensions this language claims from their owner when the file's text matches a pattern. */
  content_hints?:
    | {
        extensions: readonly string[]
        patterns: readonly string[]
        ignore_under?: readonly string[] | undefined
      }
    | undefined
}

/**
 * How much of a file the content hints read: a header's first `namespace` or `template` comes
 * early, and the CLI reads no more than this of a file before choosing its worker.
 */
export const CONTENT_HINT_WINDOW = 64 * 1024

interface Claim<Language> {
  language: Language
  patterns: readonly RegExp[]
  ignoreUnder: readonly string[]
}

/**
 * The text without the regions under `#if`/`#ifdef` of one of the words (up to their `#else`
 * or `#endif`): a C header's `#ifdef __cplusplus` part may hold C++ and says nothing.
 */
function withoutRegionsUnder(text: string, words: readonly string[]): string {
  if (words.length === 0 || !words.some((word) => text.includes(word))) return text
  const kept: string[] = []
  let depth = 0
  let skipFrom = -1
  for (const line of text.split('\n')) {
    if (/^\s*#\s*if/.test(line)) {
      depth++
      const under = !/^\s*#\s*ifndef/.test(line) && words.some((word) => line.includes(word))
      if (skipFrom < 0 && under) skipFrom = depth
    } else if (skipFrom === depth && /^\s*#\s*(?:else|elif|endif)/.test(line)) {
      skipFrom = -1
    }
    if (/^\s*#\s*endif/.test(line)) depth--
    if (skipFrom < 0) kept.push(line)
  }
  return kept.join('\n')
}

/** Finds languages by id, alias or file extension. */
export class LanguageLookup<Language extends NamedLanguage> {
  private readonly byName = new Map<string, Language>()
  private readonly byExtension = new Map<string, Language>()
  private readonly claims = new Map<string, Array<Claim<Language>>>()

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
      const hints = language.content_hints
      if (!hints) continue
      const patterns = hints.patterns.map((pattern) => new RegExp(pattern, 'm'))
      const claim = { language, patterns, ignoreUnder: hints.ignore_under ?? [] }
      for (const extension of hints.extensions) {
        const key = extension.toLowerCase()
        this.claims.set(key, [...(this.claims.get(key) ?? []), claim])
      }
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

  /** Whether the language of a file with this name can depend on its content. */
  readsContent(filename: string): boolean {
    return this.claims.has(extname(filename).toLowerCase())
  }

  /**
   * The language a file name implies by its extension, if any; given the file's text, a language
   * whose content hints claim the extension and match the text's start is chosen instead
   * (a C++ header named `.h`).
   */
  detect(filename: string, content?: string): Language | undefined {
    const extension = extname(filename).toLowerCase()
    const claims = content === undefined ? undefined : this.claims.get(extension)
    if (claims) {
      const head = content!.slice(0, CONTENT_HINT_WINDOW)
      const claim = claims.find(({ patterns, ignoreUnder }) => {
        const text = withoutRegionsUnder(head, ignoreUnder)
        return patterns.some((pattern) => pattern.test(text))
      })
      if (claim) return claim.language
    }
    return this.byExtension.get(extension)
  }
}
