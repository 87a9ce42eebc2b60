import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { Agent, request } from 'node:http'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { generationBody, load } from './load.js'
import { spawnBuiltServer, startUpstream, stop, waitHealthy } from './server.js'

/**
 * `npm run bench:soak` (not part of `npm run bench`): the built server for SOAK_MINUTES (default
 * 10) at half its measured capacity, half of the requests streaming, against the scripted
 * upstream of the other benchmarks. Records resident memory every 10 s and latency and errors per
 * minute; reports memory growth after the warm-up minute (goal ≤ 1 MiB/min), the error rate
 * (goal < 0.1 %) and the drift of p99 from the first third of the measured minutes to the last
 * (medians; goal ≤ 20 %).
 * Writes bench/results/soak-<date>.json. SOAK_UPSTREAM_DELAY_MS (default 20) is the upstream's delay.
 */
const minutes = Number(process.env.SOAK_MINUTES ?? 10)
const upstreamDelayMs = Number(process.env.SOAK_UPSTREAM_DELAY_MS ?? 20)
const SERVER_PORT = 18_631
const UPSTREAM_PORT = 18_632
const SAMPLE_MS = 10_000

interface Minute {
  minute: number
  requests: number
  errors: number
  streamed: number
  p50_ms: number
  p99_ms: number
}

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits

function percentile(sorted: number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? 0
}

/** Resident memory of a process, in MiB, from /proc (Linux). */
function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kib = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0)
  return round(kib / 1024)
}

/** Least-squares slope of (x, y) points. */
function slope(points: Array<[number, number]>): number {
  const n = points.length
  if (n < 2) return 0
  const meanX = points.reduce((sum, [x]) => sum + x, 0) / n
  const meanY = points.reduce((sum, [, y]) => sum + y, 0) / n
  const numerator = points.reduce((sum, [x, y]) => sum + (x - meanX) * (y - meanY), 0)
  const denominator = points.reduce((sum, [x]) => sum + (x - meanX) ** 2, 0)
  return denominator === 0 ? 0 : numerator / denominator
}

const body = generationBody()

/** One generation, blocking or streamed; resolves true when it completed. */
function generate(agent: Agent, index: number, streaming: boolean): Promise<boolean> {
  const payload = body(index)
  return new Promise((resolve) => {
    const outgoing = request(
      {
        host: '127.0.0.1',
        port: SERVER_PORT,
        method: 'POST',
        path: streaming ? '/api/generate/stream' : '/api/generate',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
        },
      },
      (response) => {
        let text = ''
        response.setEncoding('utf8')
        response.on('data', (chunk: string) => {
          if (streaming) text = (text + chunk).slice(-4096)
        })
        response.on('end', () =>
          resolve(response.statusCode === 200 && (!streaming || text.includes('event: completed'))),
        )
        response.on('error', () => resolve(false))
      },
    )
    outgoing.setTimeout(60_000, () => outgoing.destroy())
    outgoing.on('error', () => resolve(false))
    outgoing.end(payload)
  })
}

// SOAK_BUILD=false soaks dist/ as it is (a checkout that does not compile right now, say).
if (process.env.SOAK_BUILD !== 'false') {
  execFileSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit' })
}
const directory = mkdtempSync(join(tmpdir(), 'verigen-soak-'))
const upstream = await startUpstream(UPSTREAM_PORT, upstreamDelayMs)
const server = spawnBuiltServer(SERVER_PORT, join(directory, 'soak.db'), {
  LLM_PROVIDER: 'openai-compatible',
  LLM_BASE_URL: `http://127.0.0.1:${UPSTREAM_PORT}/v1`,
  LLM_MODEL: 'bench-model',
  RATE_LIMIT_REQUESTS: '0',
  GENERATION_CONCURRENCY: '512',
})
try {
  await waitHealthy(SERVER_PORT)
  const pid = server.pid as number

  // Capacity: closed-loop blocking generations from 50 clients for 10 s.
  const ramp = await load(`http://127.0.0.1:${SERVER_PORT}/api/generate`, body, 50, 10)
  const rate = Math.max(1, Math.floor(ramp.requests_per_s / 2))
  console.log(`capacity ${ramp.requests_per_s}/s; soaking at ${rate}/s for ${minutes} min`)

  const agent = new Agent({ keepAlive: true, maxSockets: 512 })
  const memory: Array<{ second: number; rss_mib: number }> = []
  const perMinute: Minute[] = []
  let latencies: number[] = []
  let errors = 0
  let streamed = 0
  let issued = 0
  let index = 0
  const started = performance.now()
  const end = started + minutes * 60_000
  const inFlight = new Set<Promise<void>>()
  let nextSample = started
  let nextMinute = started + 60_000

  const closeMinute = () => {
    latencies.sort((a, b) => a - b)
    perMinute.push({
      minute: perMinute.length + 1,
      requests: latencies.length + errors,
      errors,
      streamed,
      p50_ms: round(percentile(latencies, 0.5)),
      p99_ms: round(percentile(latencies, 0.99)),
    })
    console.log(JSON.stringify({ ...perMinute.at(-1), rss_mib: memory.at(-1)?.rss_mib }))
    latencies = []
    errors = 0
    streamed = 0
  }

  // Open loop: requests start on schedule whatever the answers do, as independent clients would.
  while (performance.now() < end) {
    const now = performance.now()
    if (now >= nextSample) {
      memory.push({ second: Math.round((now - started) / 1000), rss_mib: rssMiB(pid) })
      nextSample += SAMPLE_MS
    }
    if (now >= nextMinute) {
      closeMinute()
      nextMinute += 60_000
    }
    const due = Math.floor(((now - started) / 1000) * rate)
    while (issued < due) {
      issued++
      const streaming = index % 2 === 1
      const sent = performance.now()
      const call = generate(agent, index++, streaming).then((ok) => {
        if (ok) latencies.push(performance.now() - sent)
        else errors++
        if (streaming) streamed++
        inFlight.delete(call)
      })
      inFlight.add(call)
    }
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  await Promise.all(inFlight)
  closeMinute()
  memory.push({ second: Math.round((performance.now() - started) / 1000), rss_mib: rssMiB(pid) })
  agent.destroy()

  // The first minute warms up (JIT, caches, pools); growth and drift are measured after it.
  const afterWarmup = memory.filter((sample) => sample.second >= 60)
  const growth = round(
    slope(afterWarmup.map((sample) => [sample.second / 60, sample.rss_mib] as [number, number])),
  )
  const total = perMinute.reduce((sum, minute) => sum + minute.requests, 0)
  const failed = perMinute.reduce((sum, minute) => sum + minute.errors, 0)
  const measured = perMinute.slice(1).filter((minute) => minute.requests > 0)
  // One minute's p99 swings with whatever else the machine does: the drift compares the median
  // p99 of the first third of the measured minutes with that of the last third.
  const third = Math.max(1, Math.floor(measured.length / 3))
  const firstP99 = median(measured.slice(0, third).map((minute) => minute.p99_ms))
  const lastP99 = median(measured.slice(-third).map((minute) => minute.p99_ms))
  const drift = firstP99 > 0 ? round(((lastP99 - firstP99) / firstP99) * 100, 1) : 0
  const errorRate = total > 0 ? round((failed / total) * 100, 3) : 0
  const results = {
    date: new Date().toISOString(),
    machine: { node: process.version, cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown' },
    note: 'One model call per generation (include_tests/include_docs false, cache off), half of them streamed; open-loop arrivals at half the capacity measured first. Upstream, server and load generator share the machine.',
    minutes,
    upstream_delay_ms: upstreamDelayMs,
    capacity: ramp,
    rate_per_s: rate,
    requests: total,
    errors: failed,
    error_rate_percent: errorRate,
    rss_growth_mib_per_min: growth,
    p99_drift_percent: drift,
    goals: {
      rss_growth_at_most_1_mib_per_min: growth <= 1,
      error_rate_below_0_1_percent: errorRate < 0.1,
      // Latency that falls over time is not the drift the goal guards against.
      p99_drift_at_most_20_percent: drift <= 20,
    },
    per_minute: perMinute,
    memory,
  }
  console.log(JSON.stringify({ ...results, per_minute: undefined, memory: undefined }, null, 2))
  const folder = new URL('./results/', import.meta.url)
  mkdirSync(folder, { recursive: true })
  writeFileSync(
    new URL(`soak-${results.date.slice(0, 16).replace(/:/g, '')}.json`, folder),
    `${JSON.stringify(results, null, 2)}\n`,
  )
} finally {
  await Promise.all([stop(server), stop(upstream)])
  rmSync(directory, { recursive: true, force: true })
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  if (sorted.length === 0) return 0
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}
