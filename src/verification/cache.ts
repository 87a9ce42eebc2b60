import type { Language } from '../analysis/language-registry.js'
import type { Sandbox } from '../ports/sandbox.js'
import { workspaceRequest, type RunLimits } from './workspace.js'

/** Room for a cache file; Go's (the standard library's vet facts, gzipped, base64) is ~200 KB. */
const CACHE_BYTES = 8 * 1024 * 1024

const built = new WeakMap<Sandbox, Map<string, Promise<string | null>>>()

/**
 * The language's shared cache file (`verification.cache`), built on first use and kept for the
 * sandbox's lifetime: the runs' code never touches it, since each run gets a fresh copy of the
 * text built from the scaffold alone. Null without a cache rule, or when building it failed.
 */
export function preparedCache(
  sandbox: Sandbox,
  language: Language,
  limits: RunLimits,
): Promise<string | null> {
  const rules = language.verification
  if (!rules?.cache) return Promise.resolve(null)
  const { command, file } = rules.cache
  let bySandbox = built.get(sandbox)
  if (!bySandbox) {
    bySandbox = new Map()
    built.set(sandbox, bySandbox)
  }
  let cache = bySandbox.get(language.id)
  if (!cache) {
    cache = sandbox
      .run({
        ...workspaceRequest(rules, language, { code: '', tests: '' }, limits),
        script: command,
        collect: [file],
        outputBytes: CACHE_BYTES,
      })
      .then(
        (result) => {
          const content = result.files[file]
          return result.exitCode === 0 && content ? content : null
        },
        () => null,
      )
    bySandbox.set(language.id, cache)
  }
  return cache
}
