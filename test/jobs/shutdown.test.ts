import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { REDIS_URL, serviceAvailable } from '../helpers/services.js'
import { collectSse } from '../helpers/sse.js'
import {
  alive,
  baseEnv,
  deleteRedisKeys,
  endsOf,
  finishedJobs,
  freshPostgres,
  getJob,
  killAll,
  settle,
  SlowUpstream,
  startApi,
  startWorkerProcess,
  submitJob,
  uniquePrefix,
  until,
  type AppProcess,
} from '../helpers/workers.js'

/**
 * SIGTERM to a `verigen worker` process: it takes no new job, lets its running jobs finish for
 * SHUTDOWN_TIMEOUT_MS, hands the rest back to the queue, and exits 0. JOB_STALL_MS is long here,
 * so that a job another worker finishes soon after came back by the hand-back, not by a stall.
 */
const redisUp = await serviceAvailable('Redis', '127.0.0.1', 6379)
const postgresUp = await serviceAvailable('PostgreSQL', '127.0.0.1', 5432)

describe.skipIf(!redisUp || !postgresUp)('a worker process stopped with SIGTERM', () => {
  const upstream = new SlowUpstream(100, 200)
  const prefix = uniquePrefix('shutdown')
  const workers: AppProcess[] = []
  let api: AppProcess | null = null
  let database: Awaited<ReturnType<typeof freshPostgres>> | null = null
  let environment: Record<string, string> = {}

  beforeAll(async () => {
    await upstream.start()
    database = await freshPostgres()
    environment = {
      ...baseEnv(upstream.url),
      DATABASE_URL: database.url,
      REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
      JOB_STALL_MS: '30000',
    }
    api = await startApi({ ...environment, WORKER_CONCURRENCY: '0' })
  }, 60_000)
  afterEach(async () => {
    await killAll(workers)
  })
  afterAll(async () => {
    await killAll([...workers, ...(api ? [api] : [])])
    await upstream.close()
    await database?.drop()
    await deleteRedisKeys(REDIS_URL, prefix)
  }, 30_000)

  const workerOf = async (id: string) =>
    (
      await database!.sql<
        { worker_id: string | null }[]
      >`SELECT worker_id FROM jobs WHERE id = ${id}`
    )[0]?.worker_id ?? null
  /** Whether the process logged that it stopped within SHUTDOWN_TIMEOUT_MS. */
  const stoppedInTime = (worker: AppProcess) =>
    worker.logs().find((line) => line.msg === 'server stopped')?.timed_out === false
  const statusOf = async (id: string) => (await getJob(api!.url, id)).status as string
  const start = async (extra: Record<string, string>, concurrency: number) => {
    const worker = await startWorkerProcess({ ...environment, ...extra }, concurrency)
    workers.push(worker)
    return worker
  }

  it('finishes its running jobs within SHUTDOWN_TIMEOUT_MS, takes no new one, and exits 0', async () => {
    const url = api!.url
    upstream.hold('FINISH-A')
    const first = await start({ SHUTDOWN_TIMEOUT_MS: '15000' }, 2)
    const running = [
      await submitJob(url, 'parse an ISO-8601 duration FINISH-A one'),
      await submitJob(url, 'parse an ISO-8601 duration FINISH-A two'),
    ]
    expect(
      await until(async () => {
        const owners = await Promise.all(running.map(workerOf))
        const statuses = await Promise.all(running.map(statusOf))
        return (
          owners.every((owner) => owner === first.workerId) &&
          statuses.every((s) => s === 'running')
        )
      }, 10_000),
    ).toBe(true)
    expect(await until(() => upstream.callsWith('FINISH-A') === 2, 5000)).toBe(true)
    const waiting = [
      await submitJob(url, 'parse an ISO-8601 duration WAITS-A one'),
      await submitJob(url, 'parse an ISO-8601 duration WAITS-A two'),
    ]

    first.child.kill('SIGTERM')
    // Its slots free up while it stops: it must take neither of the waiting jobs.
    await new Promise((resolve) => setTimeout(resolve, 500))
    upstream.release('FINISH-A')
    const code = await Promise.race([
      first.exit,
      new Promise((r) => setTimeout(() => r('hung'), 14_000)),
    ])
    expect(code).toBe(0)
    expect(stoppedInTime(first)).toBe(true)

    for (const id of running) {
      expect(await getJob(url, id)).toMatchObject({ status: 'completed', attempts: 1 })
    }
    expect(finishedJobs(first).sort()).toEqual([...running].sort())
    for (const id of waiting) {
      expect(await getJob(url, id)).toMatchObject({ status: 'queued', attempts: 0 })
    }
    expect(upstream.callsWith('WAITS-A')).toBe(0)

    // The next worker runs them.
    const second = await start({ SHUTDOWN_TIMEOUT_MS: '15000' }, 2)
    const done = await settle(url, waiting, 15_000)
    for (const id of waiting) {
      expect(done.get(id)).toMatchObject({ status: 'completed', attempts: 1 })
    }
    // A finished job keeps no worker id: the logs tell who finished it.
    expect((await endsOf([second], waiting.length)).sort()).toEqual([...waiting].sort())
  }, 90_000)

  it('hands a job longer than SHUTDOWN_TIMEOUT_MS back to the queue; another worker completes it', async () => {
    const url = api!.url
    upstream.hold('HANGS-B')
    const first = await start({ SHUTDOWN_TIMEOUT_MS: '2000' }, 1)
    const slow = await submitJob(url, 'parse an ISO-8601 duration HANGS-B')
    const behind = await submitJob(url, 'parse an ISO-8601 duration BEHIND-B')
    expect(
      await until(
        async () =>
          (await workerOf(slow)) === first.workerId && (await statusOf(slow)) === 'running',
        10_000,
      ),
    ).toBe(true)
    expect(await until(() => upstream.callsWith('HANGS-B') === 1, 5000)).toBe(true)

    const signalled = Date.now()
    first.child.kill('SIGTERM')
    const code = await Promise.race([
      first.exit,
      new Promise((r) => setTimeout(() => r('hung'), 10_000)),
    ])
    expect(code).toBe(0)
    // Stopped within its shutdown time (plus the start of Node), not after the job.
    expect(Date.now() - signalled).toBeLessThan(6000)
    expect(stoppedInTime(first)).toBe(true)
    // Handed back: queued again at once, the cut run counted as no attempt (a rolling restart must
    // not use up JOB_ATTEMPTS), no end logged by the stopped worker.
    expect(await getJob(url, slow)).toMatchObject({ status: 'queued', attempts: 0 })
    expect(finishedJobs(first)).toEqual([])
    expect(await getJob(url, behind)).toMatchObject({ status: 'queued', attempts: 0 })

    upstream.release('HANGS-B')
    const handedBackAt = Date.now()
    const second = await start({ SHUTDOWN_TIMEOUT_MS: '2000' }, 1)
    const done = await settle(url, [slow, behind], 20_000)
    expect(done.get(slow)).toMatchObject({ status: 'completed', attempts: 1, error: null })
    expect(done.get(behind)).toMatchObject({ status: 'completed', attempts: 1 })
    // Well before JOB_STALL_MS (30 s): the hand-back brought it back, not stall detection.
    expect(Date.now() - handedBackAt).toBeLessThan(20_000)
    // It kept its place in line (JobOutcome 'handback': "back to the queue as it was"): the next
    // worker, with one slot, runs it before the job queued after it.
    expect(await endsOf([second], 2)).toEqual([slow, behind])
    expect(upstream.callsWith('HANGS-B')).toBe(2)

    // Its events are those of the run that completed it, ending with one completed.
    const { events } = await collectSse(await fetch(`${url}/api/jobs/${slow}/events`))
    const names = events.map((event) => event.event)
    expect(names.filter((name) => name === 'completed')).toHaveLength(1)
    expect(names.at(-1)).toBe('completed')
    expect(alive(second)).toBe(true)
  }, 90_000)
})
