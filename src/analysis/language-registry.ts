import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { extname, join } from 'node:path'
import { z } from 'zod'
import { UnsupportedLanguageError } from '../errors.js'
import { languagesDir } from '../paths.js'

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
})

export type LanguageFile = z.output<typeof languageFileSchema>

/** A registered language and what this installation can do with it. */
export interface Language extends LanguageFile {
  /** Whether the grammar package is installed, so that code in this language can be analysed. */
  analysis: boolean
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
    languages.push({ ...parsed, analysis: grammarInstalled(parsed.grammar.package) })
  }
  return new LanguageRegistry(languages)
}
