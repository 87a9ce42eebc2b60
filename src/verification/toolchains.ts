import type { Language } from '../analysis/language-registry.js'
import type { Sandbox } from '../ports/sandbox.js'
import { preparedCache } from './cache.js'
import type { RunLimits } from './test-run.js'
import { workspaceRequest } from './workspace.js'

export interface Toolchain {
  available: boolean
  /** The runner's name from the language's rules (`pytest`), null without rules. */
  runner: string | null
  /** As the version command printed it, when it ran. */
  version: string | null
  /** Why the tests cannot run here, naming the Debian packages that would make them; null when they can. */
  reason: string | null
}

function firstLine(text: string): string {
  const line = text.split('\n').find((candidate) => candidate.trim() !== '') ?? ''
  return line.trim().slice(0, 200)
}

const found = new WeakMap<Sandbox, Map<string, Promise<Toolchain>>>()

/**
 * Whether a language's runner works in the sandbox, and which version: its version command
 * runs there with the language's mounts and environment, as a test run would. Asked once per
 * sandbox and language: what is installed does not change while the server runs.
 */
export function discoverToolchain(
  sandbox: Sandbox,
  language: Language,
  limits: RunLimits,
): Promise<Toolchain> {
  let bySandbox = found.get(sandbox)
  if (!bySandbox) {
    bySandbox = new Map()
    found.set(sandbox, bySandbox)
  }
  // By the rules, not the id alone: a language whose rules differ is another toolchain.
  const key = `${language.id} ${JSON.stringify(language.verification ?? null)}`
  let toolchain = bySandbox.get(key)
  if (!toolchain) {
    toolchain = discover(sandbox, language, limits)
    bySandbox.set(key, toolchain)
  }
  return toolchain
}

async function discover(
  sandbox: Sandbox,
  language: Language,
  limits: RunLimits,
): Promise<Toolchain> {
  const rules = language.verification
  if (!rules) {
    return {
      available: false,
      runner: null,
      version: null,
      reason: `no test runner for ${language.name}`,
    }
  }
  const unavailable = (why: string): Toolchain => ({
    available: false,
    runner: rules.runner,
    version: null,
    reason: why,
  })
  const status = await sandbox.probe()
  if (!status.available) return unavailable(`sandbox unavailable: ${status.reason ?? 'unknown'}`)
  const install = `apt-get install ${rules.packages.join(' ')}`
  try {
    const result = await sandbox.run({
      ...workspaceRequest(rules, language, { code: '', tests: '' }, limits),
      script: rules.version.command,
      collect: [],
    })
    const version = new RegExp(rules.version.pattern, 'm').exec(result.output)?.[1]
    if (result.exitCode === 0 && version) {
      // Built now, at start-up, rather than by the first run that needs it.
      await preparedCache(sandbox, language, limits)
      return { available: true, runner: rules.runner, version, reason: null }
    }
    const said = firstLine(result.output)
    return unavailable(
      `${rules.runner} did not run in the sandbox (${result.limit ? `${result.limit} limit` : said || `exit ${result.exitCode ?? result.signal}`}); install: ${install}`,
    )
  } catch (error) {
    return unavailable(
      `the sandbox could not run ${rules.runner}: ${error instanceof Error ? error.message : String(error)}`,
    )
  }
}
