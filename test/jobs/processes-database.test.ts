import { afterAll, beforeAll, describe, it } from 'vitest'
import { serviceAvailable } from '../helpers/services.js'
import {
  baseEnv,
  freshPostgres,
  killAll,
  SlowUpstream,
  startApi,
  startWorkerProcess,
  type AppProcess,
} from '../helpers/workers.js'
import { killWorkerMidway } from './kill-worker.js'

/**
 * The scaled setup without Redis: the queue is the PostgreSQL database itself, polled by two
 * `verigen worker` processes, with two API processes. A worker killed with SIGKILL loses no job.
 */
const postgresUp = await serviceAvailable('PostgreSQL', '127.0.0.1', 5432)

describe.skipIf(!postgresUp)('jobs across processes on the database queue (PostgreSQL)', () => {
  const upstream = new SlowUpstream(300, 500)
  const processes: AppProcess[] = []
  let database: Awaited<ReturnType<typeof freshPostgres>> | null = null

  beforeAll(async () => {
    await upstream.start()
    database = await freshPostgres()
    const environment = {
      ...baseEnv(upstream.url),
      DATABASE_URL: database.url,
      JOB_STALL_MS: '2000',
    }
    const started = await Promise.allSettled([
      startApi({ ...environment, WORKER_CONCURRENCY: '0' }),
      startApi({ ...environment, WORKER_CONCURRENCY: '0' }),
      startWorkerProcess(environment, 4),
      startWorkerProcess(environment, 4),
    ])
    for (const result of started) if (result.status === 'fulfilled') processes.push(result.value)
    for (const result of started) if (result.status === 'rejected') throw result.reason
  }, 90_000)

  afterAll(async () => {
    await killAll(processes)
    await upstream.close()
    await database?.drop()
  }, 30_000)

  it('completes every job exactly once when a worker is killed in the middle of its jobs', async () => {
    await killWorkerMidway({
      apis: [processes[0] as AppProcess, processes[1] as AppProcess],
      victim: processes[2] as AppProcess,
      survivor: processes[3] as AppProcess,
      sql: database!.sql,
      upstream,
      jobs: 60,
    })
  }, 90_000)
})
