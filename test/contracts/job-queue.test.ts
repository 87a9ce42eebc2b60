import { spawn, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'
import { BullmqJobQueue } from '../../src/adapters/queue/bullmq.js'
import { DatabaseJobQueue } from '../../src/adapters/queue/database.js'
import { SqliteGenerationStore } from '../../src/adapters/store/sqlite.js'
import { DependencyError } from '../../src/errors.js'
import { systemClock } from '../../src/ports/clock.js'
import type { JobOutcome } from '../../src/ports/job-queue.js'
import type { JobStore } from '../../src/ports/job-store.js'
import { REDIS_URL, serviceAvailable } from '../helpers/services.js'
import { sampleJob } from './job-store.contract.js'
import { runJobQueueContract, type QueueHarness } from './job-queue.contract.js'

const silent = { debug() {}, info() {}, warn() {}, error() {} }
const iso = (ms: number) => new Date(ms).toISOString()
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Deletes every key under `prefix`. */
async function dropKeys(url: string, prefix: string): Promise<void> {
  const client = new Redis(url, { maxRetriesPerRequest: 1 })
  try {
    let cursor = '0'
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500)
      cursor = next
      if (keys.length > 0) await client.del(...keys)
    } while (cursor !== '0')
  } finally {
    client.disconnect()
  }
}

/**
 * A BullMQ worker in a child process that takes one job, says which, and never finishes it: the
 * test SIGKILLs it, as a worker dying mid-run.
 */
async function takeInChild(url: string, keyPrefix: string, stallMs: number): Promise<string> {
  const script = `
    import { Worker } from 'bullmq'
    import { Redis } from 'ioredis'
    const connection = new Redis(${JSON.stringify(url)}, { maxRetriesPerRequest: null })
    new Worker('jobs', async (job) => {
      process.stdout.write('took ' + job.id + '\\n')
      await new Promise(() => {})
    }, { connection, prefix: ${JSON.stringify(keyPrefix.replace(/:+$/, ''))},
         lockDuration: ${stallMs}, stalledInterval: ${stallMs}, maxStalledCount: 1000 })
  `
  const child: ChildProcess = spawn(process.execPath, ['--input-type=module', '-e', script], {
    cwd: process.cwd(),
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  try {
    return await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the child worker took no job')), 10_000)
      child.stdout!.on('data', (chunk: Buffer) => {
        const match = /took (\S+)/.exec(chunk.toString())
        if (match) {
          clearTimeout(timer)
          resolve(match[1]!)
        }
      })
      child.once('exit', (code) => reject(new Error(`the child worker exited with ${code}`)))
    })
  } finally {
    child.kill('SIGKILL')
  }
}

/** The job service's writes for a run's end, on a job store (the database queue reads them). */
async function settleInStore(
  store: JobStore,
  id: string,
  workerId: string,
  outcome: JobOutcome,
): Promise<void> {
  const now = Date.now()
  if (outcome.kind === 'done') {
    await store.finish(id, workerId, { now: iso(now), status: 'completed' })
  } else {
    const delayMs = outcome.kind === 'retry' ? outcome.delayMs : 0
    await store.requeue(id, {
      from: 'running',
      workerId,
      now: iso(now),
      availableAt: iso(now + delayMs),
    })
  }
}

const redisUp = await serviceAvailable('Redis', '127.0.0.1', 6379)

describe.skipIf(!redisUp)('BullMQ', () => {
  runJobQueueContract('bullmq', async ({ stallMs }) => {
    const keyPrefix = `verigen-test:${randomUUID()}:`
    const queue = new BullmqJobQueue({ url: REDIS_URL, keyPrefix, stallMs, logger: silent })
    const harness: QueueHarness = {
      queue,
      stallMs,
      removeKnowsState: true,
      store: async () => {},
      settle: async () => {},
      cancel: async () => {},
      takeAndDie: async (id) => {
        await queue.add(id)
        expect(await takeInChild(REDIS_URL, keyPrefix, stallMs)).toBe(id)
      },
      close: async () => {
        await queue.close()
        await dropKeys(REDIS_URL, keyPrefix)
      },
    }
    return harness
  })

  it('keeps its keys under the key prefix', async () => {
    const keyPrefix = `verigen-test:${randomUUID()}:`
    const queue = new BullmqJobQueue({ url: REDIS_URL, keyPrefix, stallMs: 2000, logger: silent })
    const client = new Redis(REDIS_URL)
    try {
      await queue.add('some-job', { delayMs: 60_000 })
      const keys = await client.keys(`${keyPrefix}*`)
      expect(keys).toContain(`${keyPrefix}jobs:some-job`)
      expect(keys.every((key) => key.startsWith(`${keyPrefix}jobs:`))).toBe(true)
      expect(await queue.ping()).toBeGreaterThanOrEqual(0)
    } finally {
      await queue.close()
      await dropKeys(REDIS_URL, keyPrefix)
      client.disconnect()
    }
  })
})

describe('BullMQ across a Redis restart', () => {
  const binary = '/usr/bin/redis-server'
  const PASSWORD = 'sekret-restart-password'
  if (!existsSync(binary) && process.env.CI === 'true') {
    it('needs redis-server', () => {
      throw new Error(`${binary} is missing, and CI=true requires it`)
    })
    return
  }
  const dir = mkdtempSync(join(tmpdir(), 'verigen-redis-'))
  const servers: ChildProcess[] = []
  afterAll(() => {
    for (const server of servers) server.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  })

  async function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
      const server = createServer()
      server.once('error', reject)
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number }
        server.close(() => resolve(port))
      })
    })
  }

  async function startRedis(port: number): Promise<ChildProcess> {
    const server = spawn(
      binary,
      [
        ...['--port', String(port), '--bind', '127.0.0.1', '--requirepass', PASSWORD],
        ...['--save', '', '--appendonly', 'yes', '--dir', dir],
      ],
      { stdio: 'ignore' },
    )
    servers.push(server)
    const deadline = Date.now() + 10_000
    while (!(await answers(port))) {
      if (Date.now() > deadline) throw new Error(`redis-server did not start on port ${port}`)
      await sleep(50)
    }
    return server
  }

  async function answers(port: number): Promise<boolean> {
    const client = new Redis({
      port,
      host: '127.0.0.1',
      password: PASSWORD,
      lazyConnect: true,
      retryStrategy: () => null,
      maxRetriesPerRequest: 0,
    })
    client.on('error', () => {})
    try {
      await client.connect()
      return (await client.ping()) === 'PONG'
    } catch {
      return false
    } finally {
      client.disconnect()
    }
  }

  async function stop(server: ChildProcess): Promise<void> {
    const exited = new Promise((resolve) => server.once('exit', resolve))
    server.kill('SIGTERM')
    await exited
  }

  it.skipIf(!existsSync(binary))(
    'the worker resumes after Redis comes back, and every job runs; calls meanwhile fail quickly',
    async () => {
      const port = await freePort()
      const url = `redis://:${PASSWORD}@127.0.0.1:${port}`
      let server = await startRedis(port)
      const warnings: string[] = []
      const logger = { ...silent, warn: (fields: object) => warnings.push(JSON.stringify(fields)) }
      const queue = new BullmqJobQueue({ url, keyPrefix: 'verigen:', stallMs: 1500, logger })
      const handled = new Set<string>()
      const consumer = queue.consume(
        async (id) => {
          await sleep(100)
          handled.add(id)
          return { kind: 'done' }
        },
        { concurrency: 1, workerId: 'worker-a' },
      )
      try {
        const before = Array.from({ length: 10 }, (_, i) => `before-${i}`)
        for (const id of before) await queue.add(id)
        while (handled.size < 2) await sleep(20)
        await stop(server)

        const started = Date.now()
        await expect(queue.add('during')).rejects.toBeInstanceOf(DependencyError)
        expect(Date.now() - started).toBeLessThan(7000)
        await expect(queue.ping()).rejects.toBeInstanceOf(DependencyError)

        server = await startRedis(port)
        const after = ['after-0', 'after-1', 'during']
        const deadline = Date.now() + 10_000
        for (const id of after) {
          // The producer's connection may need a moment to find the server again.
          for (;;) {
            try {
              await queue.add(id)
              break
            } catch (error) {
              if (Date.now() > deadline) throw error
              await sleep(200)
            }
          }
        }
        const all = [...before, ...after]
        const waitUntil = Date.now() + 20_000
        while (!all.every((id) => handled.has(id)) && Date.now() < waitUntil) await sleep(50)
        expect(all.filter((id) => !handled.has(id))).toEqual([])
        expect(await queue.ping()).toBeGreaterThanOrEqual(0)
        expect(warnings.length).toBeGreaterThan(0)
        expect(warnings.join('\n')).not.toContain(PASSWORD)
      } finally {
        await consumer.close()
        await queue.close()
        await stop(server)
      }
    },
    60_000,
  )
})

describe('database (SQLite)', () => {
  runJobQueueContract('database', async ({ stallMs }) => {
    const database = await SqliteGenerationStore.open('sqlite://:memory:')
    const store = database.jobs
    const queue = new DatabaseJobQueue({ store, clock: systemClock, stallMs, logger: silent })
    const harness: QueueHarness = {
      queue,
      stallMs,
      removeKnowsState: false,
      store: async (id, delayMs = 0) => {
        const now = Date.now()
        const { record, job } = sampleJob(0, {
          record: { id, createdAt: iso(now), updatedAt: iso(now) },
          job: { queuedAt: iso(now), availableAt: iso(now + delayMs) },
        })
        await store.create(record, job)
      },
      settle: (id, workerId, outcome) => settleInStore(store, id, workerId, outcome),
      cancel: async (id) => {
        const cancelled = await store.cancelQueued(id, iso(Date.now()), {
          code: null,
          detail: 'cancelled',
        })
        expect(cancelled).toBe(true)
      },
      takeAndDie: async (id) => {
        await harness.store(id)
        const now = Date.now()
        const view = await store.claimNext({
          workerId: 'dead',
          now: iso(now),
          leaseUntil: iso(now + stallMs),
        })
        expect(view?.record.id).toBe(id)
      },
      close: async () => {
        await queue.close()
        await database.close()
      },
    }
    return harness
  })
})
