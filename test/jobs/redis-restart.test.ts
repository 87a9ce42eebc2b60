import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readJson } from '../helpers/app.js'
import { sleep } from '../helpers/process.js'
import {
  alive,
  baseEnv,
  endsOf,
  getJob,
  killAll,
  settle,
  SlowUpstream,
  startApi,
  startWorkerProcess,
  submitJob,
  until,
  type AppProcess,
} from '../helpers/workers.js'

/**
 * Redis restarted while jobs wait and run: the API process and the worker process reconnect by
 * themselves (same pids), and every job completes once. Redis runs here, on a port of its own,
 * with its append-only file in a temporary directory, as a production Redis keeps its data.
 */
const REDIS_SERVER = '/usr/bin/redis-server'
const JOBS = 12

const installed = existsSync(REDIS_SERVER)
if (!installed && process.env.CI === 'true') {
  throw new Error(`${REDIS_SERVER} is missing, and CI=true requires it`)
}
if (!installed) console.warn(`${REDIS_SERVER} is missing; the Redis restart test is skipped`)

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** A redis-server of the test's own; `start` again reopens the same data. */
class OwnRedis {
  private child: ChildProcess | null = null
  private exited: Promise<void> = Promise.resolve()
  log = ''

  constructor(
    readonly port: number,
    private readonly directory: string,
    /** false: no append-only file either, so that a restart loses every key. */
    private readonly persistent = true,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`
  }

  async start(): Promise<void> {
    const child = spawn(
      REDIS_SERVER,
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        this.persistent ? 'yes' : 'no',
        '--dir',
        this.directory,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    child.stdout?.on('data', (chunk: Buffer) => (this.log += chunk.toString('utf8')))
    child.stderr?.on('data', (chunk: Buffer) => (this.log += chunk.toString('utf8')))
    this.exited = new Promise((resolve) => child.on('exit', () => resolve()))
    this.child = child
    const client = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0 })
    client.on('error', () => {})
    const ready = await until(async () => {
      try {
        if (client.status !== 'ready') await client.connect()
        return (await client.ping()) === 'PONG'
      } catch {
        return false
      }
    }, 10_000)
    client.disconnect()
    if (!ready) throw new Error(`redis-server did not start:\n${this.log}`)
  }

  /** SIGTERM (Redis writes its append-only file and exits), and wait for the exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill(signal)
    }
    await this.exited
  }
}

describe.skipIf(!installed)('jobs while Redis restarts', () => {
  const upstream = new SlowUpstream(600, 900)
  const directory = mkdtempSync(join(tmpdir(), 'verigen-redis-restart-'))
  const processes: AppProcess[] = []
  let redis: OwnRedis
  let forgetful: OwnRedis | null = null

  beforeAll(async () => {
    await upstream.start()
    redis = new OwnRedis(await freePort(), directory)
    await redis.start()
  }, 30_000)
  afterAll(async () => {
    await killAll(processes)
    await redis?.stop('SIGKILL')
    await forgetful?.stop('SIGKILL')
    await upstream.close()
    rmSync(directory, { recursive: true, force: true })
  }, 30_000)

  it('completes every job, queued or running, across a restart; no process restarts', async () => {
    const environment = {
      ...baseEnv(upstream.url),
      DATABASE_URL: `sqlite://${join(directory, 'verigen.db')}`,
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: 'verigen-restart:',
      JOB_STALL_MS: '3000',
    }
    const api = await startApi({ ...environment, WORKER_CONCURRENCY: '0' })
    processes.push(api)
    const worker = await startWorkerProcess(environment, 2)
    processes.push(worker)
    const pids = [api.child.pid, worker.child.pid]

    const ids: string[] = []
    for (let index = 0; index < JOBS; index++) {
      ids.push(await submitJob(api.url, `parse an ISO-8601 duration, job R${index}-X`))
    }
    // Some finished, some running, the rest waiting.
    const statuses = async () =>
      (await Promise.all(ids.map((id) => getJob(api.url, id)))).map((b) => b.status as string)
    expect(
      await until(async () => {
        const now = await statuses()
        return now.includes('completed') && now.filter((s) => s === 'running').length >= 1
      }, 15_000),
    ).toBe(true)
    const before = await statuses()
    expect(before.filter((status) => status === 'queued').length).toBeGreaterThanOrEqual(2)

    await redis.stop()
    // While Redis is away a new job is refused quickly (503), not left waiting for it.
    const refusedAt = Date.now()
    const refused = await fetch(`${api.url}/api/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        prompt: 'parse an ISO-8601 duration, during the outage',
        programming_language: 'python',
        include_tests: false,
        include_docs: false,
        options: { cache: false },
      }),
    })
    expect(refused.status).toBe(503)
    expect((await readJson(refused)).code).toBe('APP_ERR_DEPENDENCY_DOWN')
    expect(Date.now() - refusedAt).toBeLessThan(8000)
    // Long enough for the running jobs to end while Redis is away: their ends reach BullMQ later.
    await sleep(2000)
    await redis.start()

    // After the restart a new job is taken as well.
    ids.push(await submitJob(api.url, 'parse an ISO-8601 duration, after the restart'))
    const done = await settle(api.url, ids, 40_000)
    const notDone = ids.filter((id) => done.get(id)?.status !== 'completed')
    expect(
      notDone,
      `not completed: ${notDone.map((id) => done.get(id)?.status).join(', ')}`,
    ).toEqual([])
    // Leases live in the database: no run was lost with Redis, none ran twice.
    for (const id of ids) expect(done.get(id).attempts, `attempts of ${id}`).toBe(1)

    // Once each, by the worker that was there all along.
    const ends = await endsOf([worker], ids.length)
    expect(ends).toHaveLength(ids.length)
    expect(new Set(ends)).toEqual(new Set(ids))
    expect([api.child.pid, worker.child.pid]).toEqual(pids)
    expect(alive(api) && alive(worker)).toBe(true)
    const health = await readJson(await fetch(`${api.url}/api/health`))
    expect(health.services.queue).toMatchObject({ status: 'ok', backend: 'bullmq' })
    expect(health.services.queue.workers.map((entry: { pid: number }) => entry.pid)).toContain(
      worker.child.pid,
    )
    // The history holds the job refused during the outage too, ended, and no other record.
    const history = await readJson(await fetch(`${api.url}/api/generations?limit=100`))
    expect(history.items).toHaveLength(ids.length + 1)
  }, 90_000)

  it('completes the waiting jobs of a Redis that lost its data in a restart', async () => {
    forgetful = new OwnRedis(await freePort(), mkdtempSync(join(directory, 'forgetful-')), false)
    await forgetful.start()
    const environment = {
      ...baseEnv(upstream.url),
      DATABASE_URL: `sqlite://${join(directory, 'forgetful.db')}`,
      REDIS_URL: forgetful.url,
      REDIS_KEY_PREFIX: 'verigen-forgetful:',
      JOB_STALL_MS: '3000',
    }
    const api = await startApi({ ...environment, WORKER_CONCURRENCY: '0' })
    processes.push(api)
    const worker = await startWorkerProcess(environment, 2)
    processes.push(worker)
    const ids: string[] = []
    for (let index = 0; index < 8; index++) {
      ids.push(await submitJob(api.url, `parse an ISO-8601 duration, job F${index}-X`))
    }
    expect(
      await until(
        async () => (await getJob(api.url, ids[0] as string)).status !== 'queued',
        15_000,
      ),
    ).toBe(true)
    const waitingIn = async () => {
      const client = new Redis(forgetful!.url)
      try {
        return await client.llen('verigen-forgetful:jobs:wait')
      } finally {
        client.disconnect()
      }
    }
    expect(await waitingIn()).toBeGreaterThan(0)
    await forgetful.stop()
    await forgetful.start()
    // Every waiting job is gone from Redis.
    expect(await waitingIn()).toBe(0)

    // The database still says queued: the maintenance sweep adds them to the new Redis again.
    const done = await settle(api.url, ids, 45_000)
    const notDone = ids.filter((id) => done.get(id)?.status !== 'completed')
    expect(
      notDone,
      `not completed: ${notDone.map((id) => done.get(id)?.status).join(', ')}`,
    ).toEqual([])
    const ends = await endsOf([worker], ids.length)
    expect(ends).toHaveLength(ids.length)
    expect(new Set(ends)).toEqual(new Set(ids))
    expect(alive(api) && alive(worker)).toBe(true)
  }, 90_000)
})
