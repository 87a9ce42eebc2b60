import { execFile } from 'node:child_process'
import { parseArgs, promisify } from 'node:util'
import { loadLanguageRegistry, type LanguageRegistry } from '../analysis/language-registry.js'
import { loadConfig, type Config } from '../config.js'
import { createSandbox } from '../plugins/container.js'
import type { Sandbox } from '../ports/sandbox.js'
import { Verifier } from '../services/verification/verifier.js'
import type { RunLimits } from '../verification/test-run.js'

export const DOCTOR_USAGE = `Usage: verigen doctor [options]

Checks what this machine can verify: whether the bubblewrap sandbox starts,
and for each language whether its test runner works inside it (with its
version) or why not. Prints the apt-get line (Debian) that installs what is
missing. The sandbox is checked even when SANDBOX=off, which is then noted.

Options:
  --json      Print the findings as JSON
  --strict    Exit 1 also when a language that has a runner cannot run it
  -h, --help  Show this help

Exit codes:
  0  the sandbox works (languages without their runner answer "skipped")
  1  the sandbox does not work, so every verification answers "skipped";
     with --strict, also when a language's runner is missing
  2  usage or configuration error`

/** What `verigen doctor` found, as `--json` prints it. */
export interface DoctorReport {
  sandbox: { backend: string; works: boolean; reason: string | null }
  /** The server's own setting: with `off` it runs no tests whatever this machine has. */
  configured_sandbox: Config['verification']['sandbox']
  languages: {
    id: string
    name: string
    /** Whether the language has a runner in this version (a `verification` key). */
    runnable: boolean
    available: boolean
    runner: string | null
    version: string | null
    reason: string | null
  }[]
  /** Debian packages to install, for the sandbox and the runners that are missing. */
  missing_packages: string[]
  install: string | null
}

/**
 * Which of `packages` dpkg says are installed; null where dpkg is not there to ask (then every
 * package of a missing runner is listed).
 */
async function installedPackages(packages: string[]): Promise<Set<string> | null> {
  if (packages.length === 0) return new Set()
  let stdout: string
  try {
    ;({ stdout } = await promisify(execFile)('dpkg-query', [
      '-W',
      '-f=${Package} ${db:Status-Abbrev}\n',
      ...packages,
    ]))
  } catch (error) {
    // dpkg-query exits 1 when a package is unknown to it, still listing the others.
    const output = (error as { stdout?: unknown }).stdout
    if (typeof output !== 'string' || (error as { code?: unknown }).code === 'ENOENT') return null
    stdout = output
  }
  const installed = new Set<string>()
  for (const line of stdout.split('\n')) {
    const [name, status] = line.trim().split(/\s+/)
    if (name && status?.startsWith('ii')) installed.add(name.split(':')[0]!)
  }
  return installed
}

/** Checks the sandbox and every language's runner in it, as the server does at start-up. */
export async function examine(
  sandbox: Sandbox,
  registry: LanguageRegistry,
  limits: RunLimits,
  configured: Config['verification']['sandbox'],
): Promise<DoctorReport> {
  const verifier = new Verifier(sandbox, registry, { enabled: true, limits, concurrency: 4 })
  await verifier.start()
  const status = await sandbox.probe()
  const languages = registry.languages.map((language) => ({
    id: language.id,
    name: language.name,
    runnable: language.verification !== undefined,
    ...verifier.language(language),
  }))
  const wanted = [
    ...(status.available ? [] : ['bubblewrap']),
    ...registry.languages.flatMap((language) =>
      language.verification && !verifier.language(language).available
        ? language.verification.packages
        : [],
    ),
  ]
  const installed = await installedPackages([...new Set(wanted)])
  const missing = [...new Set(wanted)]
    .filter((name) => !installed?.has(name))
    // bubblewrap is reported only when dpkg confirms it is absent: the sandbox may fail for
    // another reason (user namespaces refused), which the reason says.
    .filter((name) => name !== 'bubblewrap' || installed !== null)
    .sort()
  return {
    sandbox: { backend: status.backend, works: status.available, reason: status.reason },
    configured_sandbox: configured,
    languages,
    missing_packages: missing,
    install: missing.length > 0 ? `apt-get install -y ${missing.join(' ')}` : null,
  }
}

export function formatReport(report: DoctorReport): string {
  const lines = [
    report.sandbox.works
      ? `Sandbox (${report.sandbox.backend}): works`
      : `Sandbox (${report.sandbox.backend}): does not work: ${report.sandbox.reason ?? 'no reason given'}`,
  ]
  if (report.configured_sandbox === 'off')
    lines.push('SANDBOX=off is set: the server runs no tests until it is unset or set to bwrap.')
  lines.push('', 'Language     Tests  Runner')
  for (const language of report.languages) {
    const runner = [language.runner, language.version].filter(Boolean).join(' ')
    const detail = language.available
      ? runner
      : [runner, language.reason].filter(Boolean).join(': ')
    lines.push(
      `${language.id.padEnd(12)} ${(language.available ? 'yes' : 'no').padEnd(6)} ${detail}`,
    )
  }
  const available = report.languages.filter((language) => language.available).length
  lines.push('', `${available} of ${report.languages.length} languages can run their tests here.`)
  if (report.install) lines.push('Install what is missing (Debian):', `  ${report.install}`)
  return lines.join('\n')
}

export async function doctorCommand(argv: string[]): Promise<number> {
  let values: { json?: boolean; strict?: boolean; help?: boolean }
  try {
    ;({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        json: { type: 'boolean' },
        strict: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }))
  } catch (error) {
    console.error(`verigen doctor: ${(error as Error).message}\n\n${DOCTOR_USAGE}`)
    return 2
  }
  if (values.help) {
    console.log(DOCTOR_USAGE)
    return 0
  }
  let config: Config
  try {
    config = loadConfig()
  } catch (error) {
    console.error(`verigen doctor: ${(error as Error).message}`)
    return 2
  }
  const { timeoutMs, memoryMb, outputBytes, sandbox: configured } = config.verification
  const report = await examine(
    createSandbox('bwrap'),
    loadLanguageRegistry(),
    { timeoutMs, memoryMb, outputBytes },
    configured,
  )
  console.log(values.json ? JSON.stringify(report, null, 2) : formatReport(report))
  if (!report.sandbox.works) return 1
  const missing = report.languages.some((language) => language.runnable && !language.available)
  return values.strict && missing ? 1 : 0
}
