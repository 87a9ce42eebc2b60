import { join } from 'node:path'
import type { Language } from '../analysis/language-registry.js'
import { projectRoot } from '../paths.js'
import type { SandboxFile, SandboxMount, SandboxRequest } from '../ports/sandbox.js'
import type { VerificationRules } from './rules.js'

/** The limits of one sandbox run, from VERIFY_TIMEOUT_MS, VERIFY_MEMORY_MB and VERIFY_OUTPUT_BYTES. */
export interface RunLimits {
  timeoutMs: number
  memoryMb: number
  outputBytes: number
}

/** The code and the tests, saved under the language's `code_file` and `test_file`. */
export interface TestFiles {
  code: string
  tests: string
}

/**
 * The server's own `node_modules`, for runners installed with it (Jest). Dependencies sit in
 * the package's own folder both in a checkout and in a global install.
 */
const nodeModules = join(projectRoot, 'node_modules')

/**
 * `{memory_mb}` and `{node_modules}` in a command, env value or mount, and `{file}` in a syntax
 * check; any other brace is left alone (shell `${VAR}` included).
 */
export function expandPlaceholders(
  text: string,
  limits: RunLimits,
  file: string | null = null,
): string {
  return text.replace(/\{(memory_mb|node_modules|file)\}/g, (whole, name: string) => {
    if (name === 'memory_mb') return String(limits.memoryMb)
    if (name === 'node_modules') return nodeModules
    return file ?? whole
  })
}

/** Every run's locale: UTF-8 names and messages read the same in every runner. */
const BASE_ENV: Readonly<Record<string, string>> = { LANG: 'C.UTF-8' }

/**
 * What every sandbox run of a language shares: the code, the tests and the scaffold under
 * `/work`, the language's mounts and environment, and the limits.
 */
export function workspaceRequest(
  rules: VerificationRules,
  language: Language,
  files: TestFiles,
  limits: RunLimits,
): Omit<SandboxRequest, 'script' | 'collect'> {
  const written: SandboxFile[] = Object.entries(rules.scaffold).map(([path, content]) => ({
    path,
    content,
  }))
  written.push(
    { path: language.generation.code_file, content: files.code },
    { path: language.generation.test_file, content: files.tests },
  )
  const mounts: SandboxMount[] = rules.mounts.map((mount) => {
    const { host, path } = typeof mount === 'string' ? { host: mount, path: mount } : mount
    return { host: expandPlaceholders(host, limits), path: expandPlaceholders(path, limits) }
  })
  const env: Record<string, string> = { ...BASE_ENV }
  for (const [name, value] of Object.entries(rules.env)) {
    env[name] = expandPlaceholders(value, limits)
  }
  return {
    files: written,
    env,
    mounts,
    timeoutMs: limits.timeoutMs,
    memoryMb: limits.memoryMb,
    outputBytes: limits.outputBytes,
  }
}
