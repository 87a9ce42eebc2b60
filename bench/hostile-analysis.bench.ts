import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { analyzeSource } from '../src/analysis/engine.js'
import { loadLanguageRegistry } from '../src/analysis/language-registry.js'
import { AnalysisPool } from '../src/analysis/worker-pool.js'
import { spawnBuiltServer, stop, waitHealthy } from './server.js'

/**
 * Inputs of a few kilobytes whose analysis is superlinear in their nesting or length (found by
 * trying shapes against each grammar): each took seconds on the request thread before every
 * analysis moved to the worker processes.
 */
const HOSTILE = [
  { name: 'kotlin: 16,000 bytes of nested braces', language: 'kotlin', code: nest('{', '}', 8000) },
  { name: 'swift: 16,000 bytes of nested braces', language: 'swift', code: nest('{', '}', 8000) },
  {
    name: 'python: 16,000 bytes of nested parentheses',
    language: 'python',
    code: nest('(', ')', 8000),
  },
  { name: 'scala: 16,000 bytes of nested brackets', language: 'scala', code: nest('[', ']', 8000) },
  {
    name: 'javascript: a chain of 4,000 additions',
    language: 'javascript',
    code: `x = ${Array.from({ length: 4000 }, (_, index) => `a${index % 10}`).join(' + ')}\n`,
  },
]

const SMALL_PYTHON =
  'def area(width, height):\n    if width < 0 or height < 0:\n        raise ValueError("negative")\n    return width * height\n'

function nest(open: string, close: string, depth: number): string {
  return open.repeat(depth) + close.repeat(depth)
}

const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits

function percentile(values: number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? 0
}

/** What one small analysis costs in this process, and through a worker (the round trip). */
async function roundTrip() {
  const language = loadLanguageRegistry().resolve('python')
  const pool = new AnalysisPool({ size: 1, timeoutMs: 10_000, memoryBytes: 512 * 1024 ** 2 })
  try {
    const runs = 300
    for (let index = 0; index < 30; index += 1) {
      await analyzeSource(SMALL_PYTHON, language)
      await pool.run(SMALL_PYTHON, 'python')
    }
    const inThread: number[] = []
    const throughWorker: number[] = []
    for (let index = 0; index < runs; index += 1) {
      let started = performance.now()
      JSON.stringify(await analyzeSource(SMALL_PYTHON, language))
      inThread.push(performance.now() - started)
      started = performance.now()
      await pool.run(SMALL_PYTHON, 'python')
      throughWorker.push(performance.now() - started)
    }
    return {
      input_bytes: SMALL_PYTHON.length,
      in_request_thread_ms_p50: round(percentile(inThread, 0.5), 2),
      through_worker_ms_p50: round(percentile(throughWorker, 0.5), 2),
      through_worker_ms_p99: round(percentile(throughWorker, 0.99), 2),
    }
  } finally {
    await pool.close()
  }
}

/** The server's own event-loop delay (prom-client reads perf_hooks.monitorEventLoopDelay). */
async function eventLoopMaxMs(base: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text()
  return round(Number(/^nodejs_eventloop_lag_max_seconds ([\d.e+-]+)/m.exec(text)?.[1] ?? 0) * 1000)
}

function post(base: string, path: string, body: unknown) {
  const started = performance.now()
  return fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  }).then(async (response) => {
    const json = (await response.json()) as Record<string, unknown>
    return { status: response.status, json, ms: round(performance.now() - started, 0) }
  })
}

/** Probes /api/health every 5 ms until `until` settles; answers the latencies. */
async function probeHealth(base: string, until: Promise<unknown>): Promise<number[]> {
  let done = false
  void until.finally(() => (done = true))
  const latencies: number[] = []
  while (!done) {
    const started = performance.now()
    await (await fetch(`${base}/api/health`)).text()
    latencies.push(performance.now() - started)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  return latencies
}

/** CPU time the process `pid` has used, in milliseconds (Linux, 10 ms ticks). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 10
}

/**
 * Runs `load` against the server while probing it: the event loop's worst delay meanwhile, and
 * the CPU time the server process itself used (the analyses run in its workers).
 */
async function underLoad<T>(base: string, pid: number, load: () => Promise<T>) {
  await eventLoopMaxMs(base) // resets the histogram
  const cpuBefore = cpuMs(pid)
  const running = load()
  const health = await probeHealth(base, running)
  const result = await running
  return {
    result,
    event_loop_max_ms: await eventLoopMaxMs(base),
    server_cpu_ms: cpuMs(pid) - cpuBefore,
    health_ms: { samples: health.length, max: round(Math.max(...health)) },
  }
}

/**
 * The built server under hostile analyses (default settings, ANALYSIS_TIMEOUT_MS 5000): the
 * event loop's worst delay while they run, the time each takes to be refused, a small analysis
 * from another client while a batch of hostile files runs, and a body at ANALYSIS_BODY_LIMIT.
 */
export async function benchHostileAnalysis() {
  const port = 18_530
  const data = mkdtempSync(join(tmpdir(), 'verigen-bench-hostile-'))
  const child = spawnBuiltServer(port, join(data, 'bench.db'), {
    RATE_LIMIT_REQUESTS: '0',
    ANALYSIS_TIMEOUT_MS: '5000',
  })
  const base = `http://127.0.0.1:${port}`
  const pid = child.pid!
  try {
    await waitHealthy(port)
    await post(base, '/api/analyze', { code: SMALL_PYTHON, programming_language: 'python' })
    // The same measurement with nothing to do: what the machine's own scheduling costs.
    const idle = await underLoad(
      base,
      pid,
      () => new Promise((resolve) => setTimeout(resolve, 3000)),
    )

    const single = []
    for (const input of HOSTILE) {
      const outcome = await underLoad(base, pid, () =>
        post(base, '/api/analyze', { code: input.code, programming_language: input.language }),
      )
      single.push({
        input: input.name,
        status: outcome.result.status,
        code: outcome.result.json.code ?? null,
        answered_ms: outcome.result.ms,
        event_loop_max_ms: outcome.event_loop_max_ms,
        server_cpu_ms: outcome.server_cpu_ms,
        health_max_ms: outcome.health_ms.max,
      })
    }

    const files = HOSTILE.slice(0, 3).map((input, index) => ({
      filename: `hostile-${index}.${input.language === 'kotlin' ? 'kt' : input.language === 'swift' ? 'swift' : 'py'}`,
      code: input.code,
    }))
    const fairness = await underLoad(base, pid, async () => {
      const batch = post(base, '/api/analyze/batch', { files })
      await new Promise((resolve) => setTimeout(resolve, 200))
      const other = await post(base, '/api/analyze', {
        code: SMALL_PYTHON,
        programming_language: 'python',
      })
      return { batch: await batch, other }
    })

    // A body near ANALYSIS_BODY_LIMIT whose analysis is quick: what parsing the body costs.
    const largest = 'x = 1\n'.repeat(Math.floor((1024 * 1024) / 6))
    const largestBody = await underLoad(base, pid, () =>
      post(base, '/api/analyze', { code: largest, programming_language: 'python' }),
    )

    return {
      settings: { ANALYSIS_TIMEOUT_MS: 5000, ANALYSIS_WORKERS: 'default' },
      round_trip: await roundTrip(),
      idle_3_s: {
        event_loop_max_ms: idle.event_loop_max_ms,
        server_cpu_ms: idle.server_cpu_ms,
        health_max_ms: idle.health_ms.max,
      },
      hostile_single: single,
      batch_of_three_hostile_files_and_another_client: {
        batch_ms: fairness.result.batch.ms,
        batch_statuses: (fairness.result.batch.json.results as { status: string }[]).map(
          (result) => result.status,
        ),
        other_client_status: fairness.result.other.status,
        other_client_ms: fairness.result.other.ms,
        event_loop_max_ms: fairness.event_loop_max_ms,
        server_cpu_ms: fairness.server_cpu_ms,
      },
      one_mib_file_of_assignments: {
        status: largestBody.result.status,
        answered_ms: largestBody.result.ms,
        event_loop_max_ms: largestBody.event_loop_max_ms,
        server_cpu_ms: largestBody.server_cpu_ms,
        health_max_ms: largestBody.health_ms.max,
      },
    }
  } finally {
    await stop(child)
    rmSync(data, { recursive: true, force: true })
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await benchHostileAnalysis(), null, 2))
}
