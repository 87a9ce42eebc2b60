import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spawnBuiltServer } from './server.js'

export interface StartupResult {
  runs: number
  /** Process spawn to the first 200 from /api/health, in milliseconds. */
  startup_ms: { min: number; median: number; max: number }
  /** Resident set size after start-up and 20 requests, then idle for one second. */
  idle_rss_mib: { min: number; median: number; max: number }
}

function stats(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b)
  const round = (value: number) => Math.round(value * 10) / 10
  return {
    min: round(sorted[0] ?? 0),
    median: round(sorted[Math.floor(sorted.length / 2)] ?? 0),
    max: round(sorted.at(-1) ?? 0),
  }
}

function readRssMib(pid: number): Promise<number> {
  return import('node:fs/promises')
    .then((fs) => fs.readFile(`/proc/${pid}/status`, 'utf8'))
    .then((status) => Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024)
}

async function once(port: number, directory: string): Promise<{ startup: number; rss: number }> {
  const started = performance.now()
  const child = spawnBuiltServer(port, join(directory, `${port}.db`))
  const url = `http://127.0.0.1:${port}/api/health`
  let startup: number
  for (;;) {
    try {
      const response = await fetch(url)
      if (response.status === 200) {
        await response.text()
        startup = performance.now() - started
        break
      }
    } catch {
      // not listening yet
    }
    if (performance.now() - started > 30_000)
      throw new Error('server did not become healthy in 30 s')
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  for (let index = 0; index < 20; index += 1) {
    await (await fetch(`http://127.0.0.1:${port}/api/languages`)).text()
  }
  await new Promise((resolve) => setTimeout(resolve, 1000))
  const rss = await readRssMib(child.pid!)
  child.kill('SIGTERM')
  await new Promise((resolve) => child.on('exit', resolve))
  return { startup, rss }
}

/** Start-up time and idle memory of the built server (`node dist/server.js`), default settings. */
export async function benchStartup(runs = 5): Promise<StartupResult> {
  const directory = mkdtempSync(join(tmpdir(), 'verigen-bench-'))
  const samples: { startup: number; rss: number }[] = []
  try {
    for (let index = 0; index < runs; index += 1)
      samples.push(await once(18_400 + index, directory))
  } finally {
    rmSync(directory, { recursive: true, force: true })
  }
  return {
    runs,
    startup_ms: stats(samples.map((sample) => sample.startup)),
    idle_rss_mib: stats(samples.map((sample) => sample.rss)),
  }
}
