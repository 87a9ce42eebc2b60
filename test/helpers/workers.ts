import { spawn, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import postgres from 'postgres'
import { readJson } from './app.js'
import { CODE_REPLY } from './generation.js'
import { sleep, spawnServer, type ServerProcess } from './process.js'
import {
  CHAT,
  chatBody,
  chatReply,
  messageText,
  ScriptedLlmServer,
  type ScriptedHandler,
} from './scripted-llm.js'
import { recordArtifact, recordSecretsOf } from './secrets.js'
import { POSTGRES_URL } from './services.js'

const projectRoot = fileURLToPath(new URL('../..', import.meta.url))

/** A process of the application: an API server (with a url) or a worker (url ''). */
export interface AppProcess extends ServerProcess {
  /** The worker's id as it logged it at start; '' for an API process. */
  workerId: string
  /** The parsed JSON lines it wrote to stdout so far. */
  logs: () => Array<Record<string, unknown>>
}

/**
 * Settings every process of these suites shares: a scripted model, no sandbox, one analysis
 * worker (the machine runs several processes at once), no rate limit, no cache hits.
 */
export function baseEnv(upstreamUrl: string): Record<string, string> {
  return {
    LLM_PROVIDER: 'openai-compatible',
    LLM_BASE_URL: `${upstreamUrl}/v1`,
    LLM_MODEL: 'scripted-model',
    LLM_MAX_RETRIES: '0',
    LLM_TIMEOUT_MS: '60000',
    RATE_LIMIT_REQUESTS: '0',
    SANDBOX: 'off',
    VERIFY_DEFAULT: 'false',
    ANALYSIS_WORKERS: '1',
    LOG_LEVEL: 'info',
  }
}

const parseLines = (text: string) =>
  text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>]
      } catch {
        return []
      }
    })

/** How long a process may take to start: several start at once on a small machine. */
const START_MS = 45_000

/** Starts `src/server.ts` and waits until it listens. */
export async function startApi(environment: Record<string, string>): Promise<AppProcess> {
  const spawned = spawnServer(environment)
  const started = await waitForLine(
    { ...spawned, url: '', workerId: '', logs: () => parseLines(spawned.stdout()) },
    'server listening',
    'server',
  )
  return { ...started, url: String(started.logs().find(listening)?.url) }
}

const listening = (entry: Record<string, unknown>) => entry.msg === 'server listening'

/** Starts `verigen worker --concurrency N` and waits for its "worker started" line. */
export async function startWorkerProcess(
  environment: Record<string, string>,
  concurrency: number,
): Promise<AppProcess> {
  recordSecretsOf(environment)
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli.ts', 'worker', '--concurrency', String(concurrency)],
    {
      cwd: projectRoot,
      env: { PATH: process.env.PATH ?? '', ENV_FILE: '/dev/null', ...environment },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let out = ''
  let err = ''
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')))
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')))
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  child.on('close', () => {
    recordArtifact('process', out)
    recordArtifact('process', err)
  })
  const started = await waitForLine(
    {
      child,
      url: '',
      workerId: '',
      stdout: () => out,
      stderr: () => err,
      exit,
      logs: () => parseLines(out),
    },
    'worker started',
    'worker',
  )
  const line = started.logs().find((entry) => entry.msg === 'worker started')
  return { ...started, workerId: String(line?.worker_id) }
}

/** Waits for the log line `message`; kills the process when it does not come in time. */
async function waitForLine(
  started: AppProcess,
  message: string,
  what: string,
): Promise<AppProcess> {
  const deadline = Date.now() + START_MS
  while (Date.now() < deadline) {
    if (started.logs().some((entry) => entry.msg === message)) return started
    const exited = await Promise.race([started.exit.then(() => true), sleep(50).then(() => false)])
    if (exited) throw new Error(`${what} exited early:\n${started.stderr()}`)
  }
  started.child.kill('SIGKILL')
  throw new Error(`${what} did not start:\n${started.stdout()}\n${started.stderr()}`)
}

/** SIGKILLs every process still alive in `processes` and waits for them; empties the list. */
export async function killAll(processes: AppProcess[]): Promise<void> {
  await Promise.all(
    processes.splice(0).map(async (running) => {
      if (running.child.exitCode === null && running.child.signalCode === null) {
        running.child.kill('SIGKILL')
      }
      await running.exit
    }),
  )
}

/** Whether the process is still running (neither exited nor killed). */
export const alive = (running: AppProcess) =>
  running.child.exitCode === null && running.child.signalCode === null

/** The ids of the jobs a process logged as finished, one entry per log line. */
export function finishedJobs(running: AppProcess): string[] {
  return running
    .logs()
    .filter((entry) => entry.msg === 'job finished')
    .map((entry) => String(entry.job_id))
}

/**
 * The jobs the processes logged as finished, once at least `count` are (a worker logs a job's end
 * just after it records it, so a client may see the job completed a moment earlier), plus a short
 * grace for a second end of one job to show.
 */
export async function endsOf(processes: AppProcess[], count: number): Promise<string[]> {
  const all = () => processes.flatMap(finishedJobs)
  await until(() => all().length >= count, 10_000)
  await sleep(300)
  return all()
}

/** A job request: Python code only, never from the cache; `prompt` tells the upstream what to do. */
export function jobRequest(prompt: string): object {
  return {
    prompt,
    programming_language: 'python',
    include_tests: false,
    include_docs: false,
    options: { cache: false },
  }
}

/** POST /api/jobs; answers the job id. */
export async function submitJob(url: string, prompt: string): Promise<string> {
  const response = await fetch(`${url}/api/jobs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(jobRequest(prompt)),
  })
  const body = await readJson(response)
  if (response.status !== 202) {
    throw new Error(`POST /api/jobs answered ${response.status}: ${JSON.stringify(body)}`)
  }
  return body.job_id as string
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function getJob(url: string, id: string): Promise<any> {
  return readJson(await fetch(`${url}/api/jobs/${id}`))
}

/** Polls the jobs until none is queued or running, or `timeoutMs` passes; answers their bodies. */
export async function settle(
  url: string,
  ids: string[],
  timeoutMs: number,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
): Promise<Map<string, any>> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const bodies = new Map<string, any>()
  const deadline = Date.now() + timeoutMs
  let pending = [...ids]
  while (pending.length > 0 && Date.now() < deadline) {
    const read = await Promise.all(pending.map((id) => getJob(url, id)))
    for (const [index, body] of read.entries()) bodies.set(pending[index] as string, body)
    pending = pending.filter(
      (id) => bodies.get(id)?.status === 'queued' || bodies.get(id)?.status === 'running',
    )
    if (pending.length > 0) await sleep(200)
  }
  return bodies
}

/** Polls until `condition` holds or `timeoutMs` passes; answers whether it held. */
export async function until(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await condition()) return true
    await sleep(50)
  }
  return condition()
}

/** The prompt of a chat request (the user's text with its frame). */
export const promptOfRequest = (request: Parameters<ScriptedHandler>[0]) =>
  messageText(chatBody(request).messages[1] ?? { role: 'user', content: '' })

/**
 * A scripted upstream whose code replies take `minMs`–`maxMs`; prompts containing a word of
 * `held` wait until that word is released.
 */
export class SlowUpstream extends ScriptedLlmServer {
  private readonly holds = new Map<string, Array<() => void>>()
  private readonly heldWords = new Set<string>()

  constructor(minMs: number, maxMs: number) {
    super()
    this.on(CHAT, async (request, response) => {
      const prompt = promptOfRequest(request)
      const word = [...this.heldWords].find((held) => prompt.includes(held))
      if (word) {
        await new Promise<void>((resolve) => {
          this.holds.set(word, [...(this.holds.get(word) ?? []), resolve])
          response.once('close', () => resolve())
        })
        if (response.destroyed) return
      }
      const delayMs = minMs + Math.round(Math.random() * (maxMs - minMs))
      return chatReply(CODE_REPLY, { delayMs })(request, response)
    })
  }

  /** Prompts with `word` wait from now on until `release(word)`. */
  hold(word: string): void {
    this.heldWords.add(word)
  }

  release(word: string): void {
    this.heldWords.delete(word)
    for (const resolve of this.holds.get(word) ?? []) resolve()
    this.holds.delete(word)
  }

  /** Chat calls whose prompt contains `word`. */
  callsWith(word: string): number {
    return this.requests(CHAT).filter((request) => promptOfRequest(request).includes(word)).length
  }
}

/** A PostgreSQL database of its own, dropped by `drop()`. */
export async function freshPostgres(): Promise<{
  url: string
  sql: postgres.Sql
  drop: () => Promise<void>
}> {
  const admin = postgres(POSTGRES_URL, { max: 1, onnotice: () => {} })
  const name = `verigen_jobs_${randomUUID().replaceAll('-', '').slice(0, 12)}`
  await admin.unsafe(`CREATE DATABASE ${name}`)
  const url = new URL(POSTGRES_URL)
  url.pathname = `/${name}`
  const sql = postgres(url.toString(), { max: 2, onnotice: () => {} })
  return {
    url: url.toString(),
    sql,
    drop: async () => {
      await sql.end({ timeout: 1 }).catch(() => {})
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {})
      await admin.end({ timeout: 1 })
    },
  }
}

/** A Redis key prefix no other test file uses. */
export const uniquePrefix = (name: string) => `verigen-test-${name}-${randomUUID().slice(0, 8)}:`

/** Deletes every key under `prefix` in the Redis at `url`. */
export async function deleteRedisKeys(url: string, prefix: string): Promise<void> {
  const { Redis } = await import('ioredis')
  const redis = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true })
  try {
    await redis.connect()
    let cursor = '0'
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500)
      cursor = next
      if (keys.length > 0) await redis.del(...keys)
    } while (cursor !== '0')
  } finally {
    redis.disconnect()
  }
}
