import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { deserialize, serialize } from 'node:v8'
import { LanguageLookup } from '../../analysis/language-lookup.js'
import type { Language } from '../../analysis/language-registry.js'
import { languagesDir, version } from '../../paths.js'

/**
 * The registry, validated, as of the files it came from. Validating sixteen language files with
 * zod costs more than node's own start-up, and `verigen analyze` on one file should start in
 * about the time node does: so the validated languages (their rule sets and patterns included)
 * are kept in a per-user cache file, and validated again whenever a language file, the
 * registry's code or the version changes.
 */
const registryModule = fileURLToPath(
  new URL(
    `../../analysis/language-registry.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`,
    import.meta.url,
  ),
)

interface CacheFile {
  key: string
  languages: readonly Language[]
}

/** A folder only this user can write, or none: a cache others could write is not to be read. */
function cacheFolder(): string | undefined {
  const uid = process.getuid?.()
  if (uid === undefined) return undefined
  const folder = join(tmpdir(), `verigen-${uid}`)
  try {
    mkdirSync(folder, { recursive: true, mode: 0o700 })
    const info = statSync(folder)
    return info.uid === uid && (info.mode & 0o022) === 0 ? folder : undefined
  } catch {
    return undefined
  }
}

/** What the cached registry depends on: every language file, the registry's code, the version. */
function cacheKey(): string {
  let key = `${version}\0${process.version}\0`
  const stamp = (path: string) => {
    const info = statSync(path)
    key += `${path}\0${info.size}\0${info.mtimeMs}\0`
  }
  stamp(registryModule)
  for (const folder of readdirSync(languagesDir).sort()) {
    try {
      stamp(join(languagesDir, folder, 'language.json'))
    } catch {
      // Not a language folder.
    }
  }
  return key
}

/** The language registry, from the cache when it is current; else loaded, and cached. */
export async function loadLanguages(): Promise<LanguageLookup<Language>> {
  const folder = cacheFolder()
  // From source and built, the registry's code differs: one cache file each.
  const file =
    folder && join(folder, `languages-${registryModule.endsWith('.ts') ? 'ts' : 'js'}.bin`)
  let key: string | undefined
  try {
    key = cacheKey()
    if (file) {
      const cached = deserialize(readFileSync(file)) as CacheFile
      if (cached.key === key) return new LanguageLookup(cached.languages)
    }
  } catch {
    // No cache yet, or an unreadable one: load the files.
  }
  const { loadLanguageRegistry } = await import('../../analysis/language-registry.js')
  const registry = loadLanguageRegistry()
  if (file && key) {
    try {
      // Written aside and renamed: a concurrent run reads the old file or the new, never half.
      const partial = `${file}.${process.pid}`
      writeFileSync(
        partial,
        serialize({ key, languages: registry.languages } satisfies CacheFile),
        {
          mode: 0o600,
        },
      )
      renameSync(partial, file)
    } catch {
      // A cache that cannot be written only costs the next run its time.
    }
  }
  return registry
}
