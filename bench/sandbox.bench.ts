import { spawn } from 'node:child_process'
import { pathToFileURL } from 'node:url'
import { BwrapSandbox } from '../src/adapters/sandbox/bwrap.js'

export interface Percentiles {
  p50: number
  p95: number
}

export interface SandboxBenchResult {
  runs: number
  /** Which cgroup hierarchy limited the runs, or why none did. */
  cgroups: string
  commands: Record<
    string,
    { outside_ms: Percentiles; inside_ms: Percentiles; added_ms: Percentiles }
  >
}

const COMMANDS = ['/bin/true', '/usr/bin/python3 -c pass']

export function percentiles(values: number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b)
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0
  const round = (value: number) => Math.round(value * 10) / 10
  return { p50: round(at(0.5)), p95: round(at(0.95)) }
}

/** The same command as the sandbox runs it (`/bin/sh -c`), without the sandbox. */
function outside(command: string): Promise<number> {
  const started = performance.now()
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', command], { stdio: 'ignore' })
    child.once('error', reject)
    child.once('close', () => resolve(performance.now() - started))
  })
}

/**
 * What the sandbox adds to one run: a trivial command inside it against the same command
 * outside, alternating in one process so that both see the same machine load.
 */
export async function benchSandbox(runs = 50): Promise<SandboxBenchResult> {
  const sandbox = new BwrapSandbox()
  const status = await sandbox.probe()
  if (!status.available) throw new Error(`the sandbox is unavailable: ${status.reason}`)
  const support = await sandbox.cgroupSupport()
  const commands: SandboxBenchResult['commands'] = {}
  for (const command of COMMANDS) {
    const inside: number[] = []
    const plain: number[] = []
    for (let index = 0; index < runs; index += 1) {
      plain.push(await outside(command))
      const started = performance.now()
      const result = await sandbox.run({
        files: [],
        script: command,
        env: {},
        mounts: [],
        collect: [],
        timeoutMs: 10_000,
        memoryMb: 512,
        outputBytes: 65_536,
      })
      if (result.exitCode !== 0) throw new Error(`'${command}' failed in the sandbox`)
      inside.push(performance.now() - started)
    }
    const added = inside.map((value, index) => value - plain[index]!)
    commands[command] = {
      outside_ms: percentiles(plain),
      inside_ms: percentiles(inside),
      added_ms: percentiles(added),
    }
  }
  return { runs, cgroups: support.version ?? `none (${support.reason})`, commands }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(JSON.stringify(await benchSandbox(), null, 2))
}
