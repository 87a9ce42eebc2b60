import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generationResultSchema } from '../../src/schemas/generation.js'
import { readJson } from '../helpers/app.js'
import { postGeneration } from '../helpers/generation.js'
import { REDIS_URL, serviceAvailable } from '../helpers/services.js'
import { collectSse, readSse } from '../helpers/sse.js'
import {
  alive,
  baseEnv,
  deleteRedisKeys,
  freshPostgres,
  getJob,
  killAll,
  settle,
  SlowUpstream,
  startApi,
  startWorkerProcess,
  uniquePrefix,
  until,
  type AppProcess,
} from '../helpers/workers.js'
import { killWorkerMidway } from './kill-worker.js'

/**
 * The scaled setup in separate operating-system processes: two API processes without workers and
 * two `verigen worker` processes, on one PostgreSQL database and one Redis. A worker killed with
 * SIGKILL in the middle of its jobs loses none: they come back after JOB_STALL_MS and run once
 * more elsewhere, and every job ends completed exactly once, seen alike from both API processes.
 */
const JOBS = 100
const redisUp = await serviceAvailable('Redis', '127.0.0.1', 6379)
const postgresUp = await serviceAvailable('PostgreSQL', '127.0.0.1', 5432)

describe.skipIf(!redisUp || !postgresUp)('jobs across API and worker processes', () => {
  const upstream = new SlowUpstream(300, 500)
  const processes: AppProcess[] = []
  const prefix = uniquePrefix('processes')
  let database: Awaited<ReturnType<typeof freshPostgres>> | null = null
  let apis: AppProcess[] = []
  let workers: AppProcess[] = []

  beforeAll(async () => {
    await upstream.start()
    database = await freshPostgres()
    const environment = {
      ...baseEnv(upstream.url),
      DATABASE_URL: database.url,
      REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
      JOB_STALL_MS: '2000',
      JOB_ATTEMPTS: '3',
    }
    // All at once, as a deployment starts them: one migrates the new database, the others wait.
    const started = await Promise.allSettled([
      startApi({ ...environment, WORKER_CONCURRENCY: '0' }),
      startApi({ ...environment, WORKER_CONCURRENCY: '0' }),
      startWorkerProcess(environment, 4),
      startWorkerProcess(environment, 4),
    ])
    for (const result of started) if (result.status === 'fulfilled') processes.push(result.value)
    for (const result of started) if (result.status === 'rejected') throw result.reason
    apis = processes.slice(0, 2)
    workers = processes.slice(2)
  }, 90_000)

  afterAll(async () => {
    await killAll(processes)
    await upstream.close()
    await database?.drop()
    await deleteRedisKeys(REDIS_URL, prefix)
  }, 30_000)

  it('completes every job exactly once when a worker is killed in the middle of its jobs', async () => {
    await killWorkerMidway({
      apis: apis as [AppProcess, AppProcess],
      victim: workers[0] as AppProcess,
      survivor: workers[1] as AppProcess,
      sql: database!.sql,
      upstream,
      jobs: JOBS,
    })
    expect(apis.every(alive)).toBe(true)
  }, 90_000)

  it('answers POST /api/generate and /api/generate/stream through the queue, as before', async () => {
    const api = apis[0] as AppProcess
    const response = await postGeneration(api.url, 'parse an ISO-8601 duration, blocking')
    expect(response.status).toBe(200)
    const body = await readJson(response)
    // The same fields as a generation run in the API process answers, no more, no fewer.
    expect(Object.keys(body).sort()).toEqual(Object.keys(generationResultSchema.shape).sort())
    expect(generationResultSchema.safeParse(body).success).toBe(true)
    expect(body).toMatchObject({ status: 'completed', programming_language: 'python' })
    expect(body.code).toContain('def parse_duration')
    // It ran as a job on a worker process.
    expect(await getJob(api.url, body.id)).toMatchObject({ status: 'completed', attempts: 1 })
    const record = await readJson(await fetch(`${apis[1]!.url}/api/generations/${body.id}`))
    expect(record.status).toBe('completed')

    const stream = await postGeneration(
      api.url,
      'parse an ISO-8601 duration, streamed',
      '/api/generate/stream',
    )
    expect(stream.status).toBe(200)
    expect(stream.headers.get('content-type')).toContain('text/event-stream')
    const { events } = await collectSse(stream)
    const names = events.map((event) => event.event)
    expect(names[0]).toBe('started')
    expect(names).toContain('code.done')
    expect(names.filter((name) => name === 'completed')).toHaveLength(1)
    expect(names.at(-1)).toBe('completed')
    const result = events.at(-1)?.data
    expect(Object.keys(result).sort()).toEqual(Object.keys(generationResultSchema.shape).sort())
    expect(result).toMatchObject({ status: 'completed', programming_language: 'python' })
    expect(events[0]?.data.id).toBe(result.id)
    expect((await getJob(api.url, result.id)).status).toBe('completed')
  }, 30_000)

  it('finishes a job whose API process dies while a client streams it; the other API answers for it', async () => {
    const [apiA, apiB] = apis as [AppProcess, AppProcess]
    upstream.hold('API-DIES')
    const stream = await postGeneration(
      apiA.url,
      'parse an ISO-8601 duration API-DIES',
      '/api/generate/stream',
    )
    expect(stream.status).toBe(200)
    let id = ''
    for await (const item of readSse(stream)) {
      if ('event' in item && item.event.event === 'started') {
        id = item.event.data.id as string
        break
      }
    }
    expect(id).not.toBe('')
    expect(await until(() => upstream.callsWith('API-DIES') === 1, 10_000)).toBe(true)
    apiA.child.kill('SIGKILL')
    await apiA.exit
    upstream.release('API-DIES')

    // The client's process died without cancelling: the worker completes the job, once.
    const done = await settle(apiB.url, [id], 15_000)
    expect(done.get(id)).toMatchObject({ status: 'completed', attempts: 1, error: null })
    const { events } = await collectSse(await fetch(`${apiB.url}/api/jobs/${id}/events`))
    const names = events.map((event) => event.event)
    expect(names.filter((name) => name === 'completed')).toHaveLength(1)
    expect(names.at(-1)).toBe('completed')
    expect(upstream.callsWith('API-DIES')).toBe(1)
  }, 30_000)
})
