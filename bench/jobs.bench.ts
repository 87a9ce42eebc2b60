import { spawn, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { Agent, request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import postgres from 'postgres'
import { generationBody } from './load.js'
import {
  projectRoot,
  reachable,
  spawnBuiltServer,
  startUpstream,
  stop,
  waitHealthy,
} from './server.js'
import { percentiles, round, type Percentiles } from './stats.js'

export interface JobsBackendResult {
  /** What held the jobs and dispatched them. */
  backend: { store: 'postgres' | 'sqlite'; queue: 'bullmq' | 'database' }
  enqueue_ms: {
    sequential: Percentiles
    /** `clients` submitting at once; latency per request. */
    concurrent: Percentiles & { clients: number; jobs_per_s: number }
  }
  /** Against a 20 ms upstream, one request at a time, a server with its worker inside. */
  job_overhead_ms: {
    generate_direct: Percentiles
    job_submit_to_completed: Percentiles
    added_p50: number
    added_p99: number
    /** From the job's own times (millisecond clock): where a job's time goes. */
    phases: {
      queued_to_started: Percentiles
      started_to_finished: Percentiles
      finished_to_client_saw_completed: Percentiles
    }
  }
  /** Against a 500 ms upstream; an API process without a worker, worker processes beside it. */
  throughput: {
    jobs: number
    concurrency_per_worker: number
    one_worker_jobs_per_s: number
    two_workers_jobs_per_s: number
    ratio: number
    /** Jobs over the whole run, first start to last finish (includes ramp-up and tail). */
    wall_jobs_per_s: { one_worker: number; two_workers: number }
    failed: number
    /** Share of the machine's CPU time in use while the workers ran (all processes). */
    machine_cpu_busy: { one_worker: number | null; two_workers: number | null }
  } | null
  /** GET /api/health on the API process, with no job and with `waiting` jobs queued. */
  health_ms: {
    empty_queue: Percentiles
    waiting: number
    full_queue: Percentiles
    /** GET /api/jobs/{id} of the last queued job (its place in the queue is counted). */
    get_last_queued_job: Percentiles
    /** POST /api/jobs latency while the queue filled, per slice of the fill (p50, ms). */
    enqueue_p50_while_filling: { waiting_before: number; p50: number }[]
    fill_s: number
  }
  seconds: number
}

export interface JobsBenchResult {
  note: string
  machine_cores_note: string
  backends: JobsBackendResult[]
}

const REQUEST_TIMEOUT_MS = 60_000
const RESPONSE_LIMIT = 4 * 1024 * 1024

interface Answer {
  status: number
  text: string
}

/** One HTTP request on `agent`, its answer read whole (bounded in size and time). */
function call(agent: Agent, method: string, url: string, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> =
      body === undefined
        ? {}
        : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }
    const req = request(
      url,
      { method, agent, headers, timeout: REQUEST_TIMEOUT_MS },
      (response) => {
        const parts: Buffer[] = []
        let size = 0
        response.on('data', (part: Buffer) => {
          size += part.length
          if (size > RESPONSE_LIMIT) return req.destroy(new Error(`answer of ${url} too large`))
          parts.push(part)
        })
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, text: Buffer.concat(parts).toString() }),
        )
        response.on('error', reject)
      },
    )
    req.on('timeout', () => req.destroy(new Error(`${method} ${url} timed out`)))
    req.on('error', reject)
    req.end(body)
  })
}

/** Reads a job's Server-Sent Events until the server ends the stream; answers the last event. */
function followToEnd(agent: Agent, url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, timeout: REQUEST_TIMEOUT_MS }, (response) => {
      let buffer = ''
      let last = ''
      response.setEncoding('utf8')
      response.on('data', (text: string) => {
        buffer += text
        let end: number
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end)
          buffer = buffer.slice(end + 2)
          const event = frame.split('\n').find((line) => line.startsWith('event: '))
          if (event) last = event.slice(7)
        }
        if (buffer.length > RESPONSE_LIMIT) req.destroy(new Error('event frame too large'))
      })
      response.on('end', () => resolve(last))
      response.on('error', reject)
    })
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)))
    req.on('error', reject)
    req.end()
  })
}

/** Starts `node dist/cli.js worker --concurrency <n>`; its last stderr lines explain a failure. */
function spawnWorker(concurrency: number, environment: Record<string, string>): ChildProcess {
  const child = spawn(
    process.execPath,
    ['dist/cli.js', 'worker', '--concurrency', String(concurrency)],
    {
      cwd: projectRoot,
      env: {
        PATH: process.env.PATH ?? '',
        ENV_FILE: '/dev/null',
        LOG_LEVEL: 'warn',
        ...environment,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  )
  let tail = ''
  child.stderr?.setEncoding('utf8')
  child.stderr?.on('data', (text: string) => {
    tail = (tail + text).slice(-2000)
  })
  child.once('exit', (code, signal) => {
    if (code !== 0 && signal !== 'SIGTERM') console.error(`worker exited with ${code}: ${tail}`)
  })
  return child
}

/** Posts `count` jobs from `clients` connections at once; answers their ids and latencies. */
async function submitJobs(
  agent: Agent,
  port: number,
  count: number,
  clients: number,
  body: (index: number) => string,
): Promise<{ ids: string[]; latencies: number[]; seconds: number }> {
  const ids: string[] = []
  const latencies: number[] = []
  let next = 0
  const started = performance.now()
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < count) {
        const index = next++
        const sent = performance.now()
        const answer = await call(agent, 'POST', `http://127.0.0.1:${port}/api/jobs`, body(index))
        if (answer.status !== 202) {
          throw new Error(`POST /api/jobs answered ${answer.status}: ${answer.text.slice(0, 300)}`)
        }
        latencies.push(performance.now() - sent)
        ids.push((JSON.parse(answer.text) as { job_id: string }).job_id)
      }
    }),
  )
  return { ids, latencies, seconds: (performance.now() - started) / 1000 }
}

async function timedGets(agent: Agent, url: string, count: number): Promise<Percentiles> {
  const latencies: number[] = []
  for (let index = 0; index < count; index++) {
    const sent = performance.now()
    const answer = await call(agent, 'GET', url)
    if (answer.status !== 200) throw new Error(`GET ${url} answered ${answer.status}`)
    latencies.push(performance.now() - sent)
  }
  return percentiles(latencies)
}

/** The machine's CPU time so far, busy and in all (Linux `/proc/stat`); null elsewhere. */
function cpuTicks(): { busy: number; total: number } | null {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]?.split(/\s+/).slice(1, 9)
    const ticks = (fields ?? []).map(Number)
    const total = ticks.reduce((sum, value) => sum + value, 0)
    return { busy: total - (ticks[3] ?? 0) - (ticks[4] ?? 0), total }
  } catch {
    return null
  }
}

interface JobTimes {
  status: string
  created_at: string
  started_at: string | null
  finished_at: string | null
}

interface QueueCounts {
  waiting: number
  active: number
  failed: number
}

async function queueCounts(agent: Agent, port: number): Promise<QueueCounts> {
  const answer = await call(agent, 'GET', `http://127.0.0.1:${port}/api/health`)
  const health = JSON.parse(answer.text) as { services: { queue: QueueCounts } }
  return health.services.queue
}

/** The unique-prompt body of job `index` of a run named `run`: one model call, no cache. */
const jobBody = (run: string) => (index: number) =>
  generationBody()(index).replace('sum (', `sum (${run} `)

/**
 * Queues `jobs` jobs on the API process, then starts `workers` worker processes and waits until
 * every job has finished. Jobs per second come from the jobs' own start and finish times: the
 * steady rate drops the first and last tenth of finishes (ramp-up, the tail of the last batch).
 */
async function throughputRun(
  agent: Agent,
  apiPort: number,
  workers: number,
  jobs: number,
  concurrency: number,
  environment: Record<string, string>,
): Promise<{ steady: number; wall: number; failed: number; cpuBusy: number | null }> {
  const { ids } = await submitJobs(agent, apiPort, jobs, 4, jobBody(`w${workers}-${randomUUID()}`))
  const before = cpuTicks()
  const children = Array.from({ length: workers }, () => spawnWorker(concurrency, environment))
  let cpuBusy: number | null = null
  try {
    const deadline = Date.now() + 120_000
    for (;;) {
      const counts = await queueCounts(agent, apiPort)
      if (counts.waiting === 0 && counts.active === 0) break
      if (Date.now() > deadline) throw new Error(`jobs did not finish: ${JSON.stringify(counts)}`)
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
    const after = cpuTicks()
    if (before && after) cpuBusy = round((after.busy - before.busy) / (after.total - before.total))
  } finally {
    await Promise.all(children.map(stop))
  }
  const starts: number[] = []
  const finishes: number[] = []
  let failed = 0
  for (const id of ids) {
    const answer = await call(agent, 'GET', `http://127.0.0.1:${apiPort}/api/jobs/${id}`)
    const job = JSON.parse(answer.text) as JobTimes
    if (job.status !== 'completed') failed++
    if (job.started_at) starts.push(Date.parse(job.started_at))
    if (job.finished_at) finishes.push(Date.parse(job.finished_at))
  }
  finishes.sort((a, b) => a - b)
  const edge = Math.floor(finishes.length / 10)
  const first = finishes[edge] ?? 0
  const last = finishes[finishes.length - 1 - edge] ?? 0
  const steady = last > first ? (finishes.length - 2 * edge - 1) / ((last - first) / 1000) : 0
  const wall = finishes.length / (((finishes.at(-1) ?? 0) - Math.min(...starts)) / 1000)
  return { steady: round(steady), wall: round(wall), failed, cpuBusy }
}

interface Backend {
  store: 'postgres' | 'sqlite'
  queue: 'bullmq' | 'database'
  environment: Record<string, string>
  cleanup: () => Promise<void>
}

export interface BenchJobsOptions {
  /** Generations and jobs timed one after the other for the job's added latency. */
  overheadSamples: number
  /** Jobs per throughput run (0: no throughput runs). */
  throughputJobs: number
  /** Waiting jobs for the health measurement (0: not measured). */
  fillTo: number
  /** The same for SQLite when PostgreSQL was measured too. */
  backupFillTo: number
  /** One backend only. */
  only?: 'postgres' | 'sqlite'
}

const PORTS = { fast: 18_661, slow: 18_662, inside: 18_671, api: 18_672 }

async function benchBackend(
  backend: Backend,
  options: BenchJobsOptions,
): Promise<JobsBackendResult> {
  const started = performance.now()
  const llm = (upstreamPort: number) => ({
    LLM_PROVIDER: 'openai-compatible',
    LLM_BASE_URL: `http://127.0.0.1:${upstreamPort}/v1`,
    LLM_MODEL: 'bench-model',
    RATE_LIMIT_REQUESTS: '0',
    GENERATION_CONCURRENCY: '512',
    VERIFY_DEFAULT: 'false',
    JOB_QUEUE_MAX: String(options.fillTo + 10_000),
    ...backend.environment,
  })
  const agent = new Agent({ keepAlive: true, maxSockets: 16 })
  const children: ChildProcess[] = []
  // DATABASE_URL in the environment replaces the SQLite file spawnBuiltServer would name.
  const databasePath = '/nonexistent/unused.db'
  try {
    // 2. A job against the same generation run directly, on one server with its worker inside.
    const inside = spawnBuiltServer(PORTS.inside, databasePath, {
      ...llm(PORTS.fast),
      WORKER_CONCURRENCY: '4',
    })
    children.push(inside)
    await waitHealthy(PORTS.inside)
    const base = `http://127.0.0.1:${PORTS.inside}/api`
    const direct: number[] = []
    const viaJob: number[] = []
    const phases = { wait: [] as number[], run: [] as number[], seen: [] as number[] }
    const body = jobBody(`overhead-${randomUUID()}`)
    const samples = options.overheadSamples
    for (let index = -20; index < samples; index++) {
      const generateSent = performance.now()
      const generated = await call(agent, 'POST', `${base}/generate`, body(2 * index))
      if (generated.status !== 200) throw new Error(`generate answered ${generated.status}`)
      const generateMs = performance.now() - generateSent
      const jobSent = performance.now()
      const accepted = await call(agent, 'POST', `${base}/jobs`, body(2 * index + 1))
      if (accepted.status !== 202) throw new Error(`POST /api/jobs answered ${accepted.status}`)
      const { events_url: eventsUrl } = JSON.parse(accepted.text) as { events_url: string }
      const last = await followToEnd(agent, `http://127.0.0.1:${PORTS.inside}${eventsUrl}`)
      if (last !== 'completed') throw new Error(`a job ended with the event '${last}'`)
      const seenMs = Date.now()
      if (index < 0) continue // warm-up
      direct.push(generateMs)
      viaJob.push(performance.now() - jobSent)
      const { job_id: id } = JSON.parse(accepted.text) as { job_id: string }
      const job = JSON.parse((await call(agent, 'GET', `${base}/jobs/${id}`)).text) as JobTimes
      const [created, begun, finished] = [job.created_at, job.started_at, job.finished_at].map(
        (time) => Date.parse(time ?? ''),
      ) as [number, number, number]
      phases.wait.push(begun - created)
      phases.run.push(finished - begun)
      phases.seen.push(seenMs - finished)
    }
    await stop(inside)
    const generateDirect = percentiles(direct)
    const jobCompleted = percentiles(viaJob)

    // An API process without a worker; worker processes join it for the throughput runs.
    const apiEnvironment = { ...llm(PORTS.slow), WORKER_CONCURRENCY: '0' }
    const api = spawnBuiltServer(PORTS.api, databasePath, apiEnvironment)
    children.push(api)
    await waitHealthy(PORTS.api)
    const healthUrl = `http://127.0.0.1:${PORTS.api}/api/health`
    await timedGets(agent, healthUrl, 20)
    const emptyHealth = await timedGets(agent, healthUrl, 200)

    // 3. Throughput with one and with two worker processes.
    let throughput: JobsBackendResult['throughput'] = null
    if (options.throughputJobs > 0) {
      const { throughputJobs: jobs } = options
      const workerEnvironment = { ...llm(PORTS.slow), WORKER_CONCURRENCY: '4' }
      const one = await throughputRun(agent, PORTS.api, 1, jobs, 4, workerEnvironment)
      const two = await throughputRun(agent, PORTS.api, 2, jobs, 4, workerEnvironment)
      throughput = {
        jobs,
        concurrency_per_worker: 4,
        one_worker_jobs_per_s: one.steady,
        two_workers_jobs_per_s: two.steady,
        ratio: round(two.steady / one.steady),
        wall_jobs_per_s: { one_worker: one.wall, two_workers: two.wall },
        failed: one.failed + two.failed,
        machine_cpu_busy: { one_worker: one.cpuBusy, two_workers: two.cpuBusy },
      }
    }

    // 1. Enqueue latency, no worker running: one client, then several at once.
    const enqueueBody = jobBody(`enqueue-${randomUUID()}`)
    await submitJobs(agent, PORTS.api, 50, 1, (index) => enqueueBody(-index - 1)) // warm-up
    const sequential = await submitJobs(agent, PORTS.api, 500, 1, enqueueBody)
    const clients = 8
    const concurrent = await submitJobs(agent, PORTS.api, 500, clients, (index) =>
      enqueueBody(1000 + index),
    )
    let lastId = concurrent.ids.at(-1) ?? ''

    // 4. Health with the queue full of waiting jobs (those of the enqueue runs, then up to fillTo).
    const fillStarted = performance.now()
    const slices: { waiting_before: number; p50: number }[] = []
    let waiting = (await queueCounts(agent, PORTS.api)).waiting
    const slice = 1000
    const fillBody = jobBody(`fill-${randomUUID()}`)
    while (waiting < options.fillTo) {
      const count = Math.min(slice, options.fillTo - waiting)
      const batch = await submitJobs(agent, PORTS.api, count, 8, (index) =>
        fillBody(waiting + index),
      )
      slices.push({ waiting_before: waiting, p50: percentiles(batch.latencies).p50 })
      lastId = batch.ids.at(-1) ?? lastId
      waiting += count
    }
    const fillSeconds = (performance.now() - fillStarted) / 1000
    const counted = await queueCounts(agent, PORTS.api)
    await timedGets(agent, healthUrl, 10)
    const health = {
      empty_queue: emptyHealth,
      waiting: counted.waiting,
      full_queue: await timedGets(agent, healthUrl, 200),
      get_last_queued_job: await timedGets(
        agent,
        `http://127.0.0.1:${PORTS.api}/api/jobs/${lastId}`,
        50,
      ),
      enqueue_p50_while_filling: slices,
      fill_s: round(fillSeconds),
    }
    await stop(api)

    return {
      backend: { store: backend.store, queue: backend.queue },
      enqueue_ms: {
        sequential: percentiles(sequential.latencies),
        concurrent: {
          ...percentiles(concurrent.latencies),
          clients,
          jobs_per_s: Math.round(500 / concurrent.seconds),
        },
      },
      job_overhead_ms: {
        generate_direct: generateDirect,
        job_submit_to_completed: jobCompleted,
        added_p50: round(jobCompleted.p50 - generateDirect.p50),
        added_p99: round(jobCompleted.p99 - generateDirect.p99),
        phases: {
          queued_to_started: percentiles(phases.wait),
          started_to_finished: percentiles(phases.run),
          finished_to_client_saw_completed: percentiles(phases.seen),
        },
      },
      throughput,
      health_ms: health,
      seconds: round((performance.now() - started) / 1000),
    }
  } finally {
    agent.destroy()
    await Promise.all(children.map(stop))
    await backend.cleanup()
  }
}

/** PostgreSQL (a schema of its own in db `test`) and Redis (a key prefix of its own), if both answer. */
async function postgresRedisBackend(): Promise<Backend | null> {
  if (!(await reachable('127.0.0.1', 5432)) || !(await reachable('127.0.0.1', 6379))) return null
  const id = randomUUID().replaceAll('-', '').slice(0, 12)
  const schema = `bench_jobs_${id}`
  const prefix = `verigen-bench-jobs-${id}:`
  const admin = postgres('postgres://postgres@127.0.0.1:5432/test', {
    max: 1,
    onnotice: () => {},
  })
  await admin.unsafe(`CREATE SCHEMA ${schema}`)
  return {
    store: 'postgres',
    queue: 'bullmq',
    environment: {
      DATABASE_URL: `postgres://postgres@127.0.0.1:5432/test?search_path=${schema}`,
      REDIS_URL: 'redis://127.0.0.1:6379',
      REDIS_KEY_PREFIX: prefix,
    },
    async cleanup() {
      await admin.unsafe(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
      await admin.end()
      const redis = new Redis('redis://127.0.0.1:6379', { lazyConnect: true })
      await redis.connect()
      let cursor = '0'
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000)
        cursor = next
        if (keys.length > 0) await redis.del(...keys)
      } while (cursor !== '0')
      await redis.quit()
    },
  }
}

function sqliteBackend(): Backend {
  const directory = mkdtempSync(join(tmpdir(), 'verigen-bench-jobs-'))
  return {
    store: 'sqlite',
    queue: 'database',
    environment: { DATABASE_URL: `sqlite://${join(directory, 'jobs.db')}` },
    async cleanup() {
      rmSync(directory, { recursive: true, force: true })
    },
  }
}

/**
 * Jobs: what queueing a generation costs (enqueue latency, the added latency of a job against the
 * same generation run directly), how many jobs per second one and two worker processes run against
 * an I/O-bound upstream, and what a queue of 10,000 waiting jobs does to /api/health. Runs on
 * PostgreSQL + Redis (BullMQ) when both answer on 127.0.0.1, and on SQLite with the database queue.
 */
export async function benchJobs(options: Partial<BenchJobsOptions> = {}): Promise<JobsBenchResult> {
  const settings: BenchJobsOptions = {
    overheadSamples: 100,
    throughputJobs: 80,
    fillTo: 10_000,
    backupFillTo: 0,
    ...options,
  }
  const fast = await startUpstream(PORTS.fast, 20)
  const slow = await startUpstream(PORTS.slow, 500)
  const backends: JobsBackendResult[] = []
  try {
    const scaled = settings.only === 'sqlite' ? null : await postgresRedisBackend()
    if (scaled) backends.push(await benchBackend(scaled, settings))
    else if (settings.only !== 'sqlite') {
      console.warn('jobs bench: PostgreSQL or Redis not reachable; SQLite only')
    }
    if (settings.only !== 'postgres') {
      // Filling SQLite to 10,000 takes minutes (each POST /api/jobs scans the queue): a smaller
      // fill when the PostgreSQL run measured the full one.
      const fillTo = scaled ? settings.backupFillTo : settings.fillTo
      backends.push(await benchBackend(sqliteBackend(), { ...settings, fillTo }))
    }
  } finally {
    await Promise.all([fast, slow].map(stop))
  }
  for (const result of backends) {
    const { enqueue_ms: enqueue, job_overhead_ms: overhead, throughput, health_ms: health } = result
    console.log(
      [
        `jobs [${result.backend.store}+${result.backend.queue}] (${result.seconds} s)`,
        `  enqueue p50/p99 ${enqueue.sequential.p50}/${enqueue.sequential.p99} ms sequential, ${enqueue.concurrent.p50}/${enqueue.concurrent.p99} ms with ${enqueue.concurrent.clients} clients (${enqueue.concurrent.jobs_per_s}/s)`,
        `  generate ${overhead.generate_direct.p50}/${overhead.generate_direct.p99} ms, job ${overhead.job_submit_to_completed.p50}/${overhead.job_submit_to_completed.p99} ms: +${overhead.added_p50}/+${overhead.added_p99} ms (p50 wait ${overhead.phases.queued_to_started.p50}, run ${overhead.phases.started_to_finished.p50}, seen ${overhead.phases.finished_to_client_saw_completed.p50} ms after its end)`,
        throughput
          ? `  throughput ${throughput.one_worker_jobs_per_s} jobs/s (1 worker), ${throughput.two_workers_jobs_per_s} jobs/s (2 workers): ×${throughput.ratio}; machine CPU busy ${throughput.machine_cpu_busy.one_worker}/${throughput.machine_cpu_busy.two_workers}`
          : '  throughput not measured',
        `  health p50/p99 ${health.empty_queue.p50}/${health.empty_queue.p99} ms empty, ${health.full_queue.p50}/${health.full_queue.p99} ms with ${health.waiting} waiting; GET of the last queued job ${health.get_last_queued_job.p50}/${health.get_last_queued_job.p99} ms; filled in ${health.fill_s} s`,
      ].join('\n'),
    )
  }
  return {
    note: 'Upstreams answer after 20 ms (overhead) and 500 ms (throughput); one model call per job (no tests, no docs, cache off), unique prompts. Upstreams, server, workers and this client share the machine.',
    machine_cores_note:
      'The throughput runs are I/O-bound (each job waits 500 ms on the upstream), so two worker processes should nearly double jobs/s even on 2 cores, unless the CPU is saturated: machine_cpu_busy tells (other work on the machine counts too).',
    backends,
  }
}
