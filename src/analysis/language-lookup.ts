import { extname } from 'node:path'
import { UnsupportedLanguageError } from '../errors.js'

/** What finding a language needs of it (a `Language` of language-registry.ts). */
export interface NamedLanguage {
  id: string
  aliases: readonly string[]
  extensions: readonly string[]
}

/** Finds languages by id, alias or file extension. */
export class LanguageLookup<Language extends NamedLanguage> {
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
