import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { BwrapSandbox } from '../src/adapters/sandbox/bwrap.js'
import { loadLanguageRegistry, type Language } from '../src/analysis/language-registry.js'
import type { Sandbox, SandboxRequest } from '../src/ports/sandbox.js'
import { parseReport } from '../src/verification/reports/index.js'
import { runTests, type RunLimits } from '../src/verification/test-run.js'
import { discoverToolchain } from '../src/verification/toolchains.js'
import { SAMPLES } from '../test/verification/samples.js'
import { percentiles, type Percentiles } from './sandbox.bench.js'

export interface VerifyLanguagesBenchResult {
  note: string
  runs: number
  /** The 1-minute load average before and after: the figures of a busy machine are wider. */
  load: { before: number; after: number }
  /** Languages whose runner is missing here, with the reason. */
  unavailable: Record<string, string>
  languages: Record<
    string,
    {
      runner: string
      version: string | null
      inside_ms: Percentiles
      outside_ms: Percentiles
      /** Of each pair's difference, inside minus outside. */
      added_ms: Percentiles
    }
  >
}

// Roomier than VERIFY_TIMEOUT_MS's default: a cold Go or Rust build on a busy machine must not
// turn a measurement into a time-limit error.
const LIMITS: RunLimits = { timeoutMs: 120_000, memoryMb: 512, outputBytes: 64 * 1024 }

/**
 * The sandbox's /tmp and /work are tmpfs; outside, a folder on disk made Go, Rust and Java
 * builds 0.1-0.3 s slower and hid the sandbox's cost behind that. Memory on both sides
 * leaves only the isolation to measure.
 */
const OUTSIDE_PARENT = existsSync('/dev/shm') ? '/dev/shm' : tmpdir()

/** A sandbox that keeps the last request, so the run outside uses exactly what `runTests` built. */
function recording(inner: Sandbox): Sandbox & { last: SandboxRequest | null } {
  const wrapper = {
    backend: inner.backend,
    last: null as SandboxRequest | null,
    probe: () => inner.probe(),
    run: (request: SandboxRequest) => {
      wrapper.last = request
      return inner.run(request)
    },
  }
  return wrapper
}

/**
 * The sandbox's paths as seen from the host: its private /tmp and /work become folders of `root`,
 * a mount becomes its host path. One pass, so a replaced path is never replaced again.
 */
function hostPaths(request: SandboxRequest, root: string): (text: string) => string {
  const map = new Map<string, string>([
    ['/tmp', join(root, 'tmp')],
    ['/work', join(root, 'work')],
  ])
  for (const mount of request.mounts) map.set(mount.path, mount.host)
  const escaped = [...map.keys()].map((path) => path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
  const pattern = new RegExp(`(?<![\\w./-])(${escaped.join('|')})(?=/|[^\\w.-]|$)`, 'g')
  return (text) => text.replace(pattern, (path) => map.get(path) ?? path)
}

/**
 * The same request without the sandbox: its files in a fresh folder, its script through
 * `/bin/sh -c` with only its environment (and the PATH, HOME and TMPDIR the sandbox would set).
 * Throws unless the report it leaves shows passing tests, so a broken mapping cannot pass for
 * a fast run. Returns the milliseconds from writing the files to reading the report.
 */
async function runOutside(request: SandboxRequest, language: Language): Promise<number> {
  const root = mkdtempSync(join(OUTSIDE_PARENT, 'verigen-bench-outside-'))
  const host = hostPaths(request, root)
  const work = join(root, 'work')
  try {
    const started = performance.now()
    mkdirSync(join(root, 'tmp'))
    for (const file of request.files) {
      mkdirSync(dirname(join(work, file.path)), { recursive: true })
      writeFileSync(join(work, file.path), host(file.content))
    }
    const env: Record<string, string> = { PATH: '/usr/bin:/bin', HOME: '/tmp', TMPDIR: '/tmp' }
    for (const [name, value] of Object.entries(request.env)) env[name] = value
    for (const name of Object.keys(env)) env[name] = host(env[name]!)
    const output: Buffer[] = []
    await new Promise<void>((resolve, reject) => {
      const child = spawn('/bin/sh', ['-c', host(request.script)], { cwd: work, env })
      child.stdout.on('data', (part: Buffer) => output.push(part))
      child.stderr.on('data', (part: Buffer) => output.push(part))
      child.once('error', reject)
      child.once('close', () => resolve())
    })
    const rules = language.verification!
    const source = rules.report.file
      ? readFileSync(join(work, rules.report.file), 'utf8')
      : Buffer.concat(output).toString()
    const elapsed = performance.now() - started
    const counts = parseReport(rules.report.format, source, {
      testFile: language.generation.test_file,
    })?.counts
    if (!counts || counts.passed === 0 || counts.failed + counts.errors > 0) {
      throw new Error(`${language.id} did not pass outside the sandbox:\n${Buffer.concat(output)}`)
    }
    return elapsed
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
}

/**
 * What the sandbox adds to a whole test run, per language: the hand-written passing sample
 * through `runTests` in bubblewrap, and the very same script, files and environment outside it.
 * Inside and outside alternate, so that the load of a shared machine hits both alike; one
 * warm-up pair first brings the toolchain into the host's page cache.
 */
export async function benchVerifyLanguages(
  runs = 7,
  only: readonly string[] = [],
): Promise<VerifyLanguagesBenchResult> {
  const sandbox = recording(new BwrapSandbox())
  const status = await sandbox.probe()
  if (!status.available) throw new Error(`the sandbox is unavailable: ${status.reason}`)
  const registry = loadLanguageRegistry()
  const load = () => Math.round(loadavg()[0]! * 100) / 100
  const loadBefore = load()
  const unavailable: Record<string, string> = {}
  const languages: VerifyLanguagesBenchResult['languages'] = {}
  for (const [id, sample] of Object.entries(SAMPLES)) {
    if (only.length > 0 && !only.includes(id)) continue
    const language = registry.resolve(id)
    const toolchain = await discoverToolchain(sandbox, language, LIMITS)
    if (!toolchain.available) {
      unavailable[id] = toolchain.reason ?? 'unavailable'
      continue
    }
    const files = { code: sample.code, tests: sample.tests }
    const runInside = async () => {
      const started = performance.now()
      const result = await runTests(sandbox, language, files, LIMITS, { runner: null })
      if (result.status !== 'passed') {
        throw new Error(`${id} did not pass in the sandbox: ${result.reason}\n${result.output}`)
      }
      return performance.now() - started
    }
    // The warm-up also records the request; runTests builds the same one every time.
    await runInside()
    const request = sandbox.last!
    await runOutside(request, language)
    const inside: number[] = []
    const outside: number[] = []
    for (let index = 0; index < runs; index += 1) {
      // Alternating which goes first, so neither always runs on the other's warm caches.
      if (index % 2 === 0) {
        inside.push(await runInside())
        outside.push(await runOutside(request, language))
      } else {
        outside.push(await runOutside(request, language))
        inside.push(await runInside())
      }
    }
    languages[id] = {
      runner: toolchain.runner ?? '',
      version: toolchain.version,
      inside_ms: percentiles(inside),
      outside_ms: percentiles(outside),
      added_ms: percentiles(inside.map((value, index) => value - outside[index]!)),
    }
  }
  return {
    note: `Each language's hand-written passing sample (two tests): a whole run (compile and test steps, report read back) through runTests in bubblewrap, against the same script, files and environment with /bin/sh -c in a folder of ${OUTSIDE_PARENT} (the sandbox's /work and /tmp are tmpfs); ${runs} alternating pairs after one warm-up. p95 of so few runs is about the slowest.`,
    runs,
    load: { before: loadBefore, after: load() },
    unavailable,
    languages,
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(JSON.stringify(await benchVerifyLanguages(7, process.argv.slice(2)), null, 2))
}
