import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import { BwrapSandbox } from '../../src/adapters/sandbox/bwrap.js'
import { LanguageRegistry, loadLanguageRegistry } from '../../src/analysis/language-registry.js'
import { examine, formatReport, type DoctorReport } from '../../src/commands/doctor.js'
import { sandboxOrSkip } from '../sandbox/helpers.js'

const projectRoot = fileURLToPath(new URL('../..', import.meta.url))
const LIMITS = { timeoutMs: 20_000, memoryMb: 512, outputBytes: 65_536 }
const registry = loadLanguageRegistry()

function verigen(environment: Record<string, string>, ...args: string[]) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    cwd: projectRoot,
    encoding: 'utf8',
    env: { ...process.env, ENV_FILE: '/dev/null', ...environment },
  })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

describe('verigen doctor', () => {
  let sandboxWorks = false
  beforeAll(async () => {
    sandboxWorks = (await sandboxOrSkip()) !== null
  })

  it('lists every language with its runner and version, or why it cannot run', (context) => {
    if (!sandboxWorks) return context.skip()
    const { status, stdout } = verigen({}, 'doctor')
    expect(status).toBe(0)
    expect(stdout).toMatch(/^Sandbox \(bwrap\): works$/m)
    expect(stdout).toMatch(/^python {7}yes {4}pytest \d+\.\d+/m)
    expect(stdout).toMatch(/^kotlin {7}no {5}no test runner for Kotlin in this version$/m)
    expect(stdout).toMatch(/^\d+ of \d+ languages can run their tests here\.$/m)
    expect(stdout).not.toContain('SANDBOX=off')
  }, 60_000)

  it('prints the same findings as JSON, noting a server configured with SANDBOX=off', (context) => {
    if (!sandboxWorks) return context.skip()
    const { status, stdout } = verigen({ SANDBOX: 'off' }, 'doctor', '--json')
    expect(status).toBe(0)
    const report = JSON.parse(stdout) as DoctorReport
    expect(report.sandbox).toEqual({ backend: 'bwrap', works: true, reason: null })
    expect(report.configured_sandbox).toBe('off')
    expect(report.languages.map((language) => language.id)).toEqual(registry.ids)
    expect(report.languages.find((language) => language.id === 'python')).toMatchObject({
      runnable: true,
      available: true,
      runner: 'pytest',
      reason: null,
    })
    // CI installs every runner (.ci/run); a machine missing one gets its packages listed.
    const missing = report.languages.filter((language) => language.runnable && !language.available)
    if (process.env.CI === 'true') expect(missing).toEqual([])
    expect(report.install === null).toBe(report.missing_packages.length === 0)
  }, 60_000)

  it('documents its exit codes and refuses an unknown option with 2', () => {
    const help = verigen({}, 'doctor', '--help')
    expect(help.status).toBe(0)
    expect(help.stdout).toContain('1  the sandbox does not work')
    const wrong = verigen({}, 'doctor', '--fast')
    expect(wrong.status).toBe(2)
    expect(wrong.stderr).toContain("Unknown option '--fast'")
    expect(verigen({}, '--help').stdout).toContain('doctor')
  }, 30_000)

  it('says why the sandbox does not work, and every runnable language then cannot run', async () => {
    const report = await examine(
      new BwrapSandbox({ bwrap: '/nonexistent/bwrap' }),
      registry,
      LIMITS,
      'bwrap',
    )
    expect(report.sandbox.works).toBe(false)
    expect(report.sandbox.reason).toBeTruthy()
    for (const language of report.languages.filter((entry) => entry.runnable)) {
      expect(language.available).toBe(false)
      expect(language.reason).toBe(`sandbox unavailable: ${report.sandbox.reason}`)
    }
    expect(formatReport(report)).toContain(
      `Sandbox (bwrap): does not work: ${report.sandbox.reason}`,
    )
  })

  it('lists the Debian packages of a runner that does not run, leaving out the installed ones', async (context) => {
    if (!sandboxWorks) return context.skip()
    const python = registry.resolve('python')
    const broken = new LanguageRegistry([
      {
        ...python,
        verification: {
          ...python.verification!,
          packages: ['python3-pytest', 'verigen-absent-package'],
          version: { command: '/nonexistent/pytest --version', pattern: '(\\d+)' },
        },
      },
    ])
    const report = await examine(new BwrapSandbox(), broken, LIMITS, 'bwrap')
    expect(report.languages[0]).toMatchObject({ id: 'python', available: false })
    expect(report.missing_packages).toEqual(['verigen-absent-package'])
    expect(report.install).toBe('apt-get install -y verigen-absent-package')
    expect(formatReport(report)).toMatch(
      /Install what is missing \(Debian\):\n {2}apt-get install -y verigen-absent-package$/,
    )
  }, 60_000)
})
