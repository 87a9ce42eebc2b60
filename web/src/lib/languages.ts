/** What the UI needs of one entry of `GET /api/languages`. */
export interface LanguageInfo {
  id: string
  name: string
  aliases: string[]
  extensions: string[]
  analysis?: boolean
  verification?: { available: boolean; runner?: string | null; reason?: string | null }
}

/** The body of `GET /api/languages`. */
export interface LanguagesResponse {
  languages: LanguageInfo[]
}

/**
 * The Verigen language id for a file name, from the `extensions` each language lists, or null
 * when none matches. The longest matching extension wins, so a name like `x.d.ts` would prefer
 * `.d.ts` over `.ts` if a language listed it; matching ignores case (`MAIN.PY`).
 */
export function detectLanguage(
  filename: string,
  languages: readonly Pick<LanguageInfo, 'id' | 'extensions'>[],
): string | null {
  // Only the last path segment counts: a folder named `lib.py/` says nothing about the file.
  const base = (filename.split(/[\\/]/).pop() ?? '').toLowerCase()
  let best: { id: string; length: number } | null = null
  for (const language of languages) {
    for (const extension of language.extensions) {
      const suffix = extension.toLowerCase()
      // A bare `.py` (nothing before the dot) is a hidden file, not a Python file.
      if (base.length > suffix.length && base.endsWith(suffix)) {
        if (!best || suffix.length > best.length) best = { id: language.id, length: suffix.length }
      }
    }
  }
  return best?.id ?? null
}

/** The display name of a language id, or the id itself when the list does not know it. */
export function languageName(id: string, languages: readonly LanguageInfo[]): string {
  return languages.find((language) => language.id === id)?.name ?? id
}
