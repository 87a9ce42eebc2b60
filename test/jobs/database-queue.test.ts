import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readJson } from '../helpers/app.js'
import { collectSse } from '../helpers/sse.js'
import {
  baseEnv,
  endsOf,
  finishedJobs,
  killAll,
  settle,
  SlowUpstream,
  startApi,
  submitJob,
  until,
  type AppProcess,
} from '../helpers/workers.js'

/**
 * The one-machine setup: no Redis, the queue is the SQLite database, the worker runs inside the
 * API process. kill -9 while jobs wait and run, then a start on the same file: every job
 * completes exactly once, the ones that were running on their second run.
 */
const JOBS = 10

describe('jobs in the database queue across a kill -9', () => {
  const upstream = new SlowUpstream(800, 1200)
  const directory = mkdtempSync(join(tmpdir(), 'verigen-database-queue-'))
  const file = join(directory, 'verigen.db')
  const processes: AppProcess[] = []

  beforeAll(async () => {
    await upstream.start()
  })
  afterAll(async () => {
    await killAll(processes)
    await upstream.close()
    rmSync(directory, { recursive: true, force: true })
  }, 30_000)

  it('completes every job once after the process is killed and started again', async () => {
    const environment = {
      ...baseEnv(upstream.url),
      DATABASE_URL: `sqlite://${file}`,
      WORKER_CONCURRENCY: '2',
      JOB_STALL_MS: '1000',
    }
    const first = await startApi(environment)
    processes.push(first)
    const prompts = new Map<string, string>()
    for (let index = 0; index < JOBS; index++) {
      const prompt = `parse an ISO-8601 duration, job D${index}-X`
      prompts.set(await submitJob(first.url, prompt), prompt)
    }
    const ids = [...prompts.keys()]

    // Both slots busy, the rest waiting.
    const running = () =>
      Promise.all(
        ids.map(async (id) => (await readJson(await fetch(`${first.url}/api/jobs/${id}`))).status),
      ).then((statuses) => statuses.filter((status) => status === 'running').length)
    expect(await until(async () => (await running()) === 2, 15_000)).toBe(true)
    first.child.kill('SIGKILL')
    await first.exit

    // What the dead process left: the file as it stood at the kill.
    const database = new Database(file, { readonly: true })
    const left = database
      .prepare(
        `SELECT j.id AS id, g.status AS status FROM jobs j JOIN generations g ON g.id = j.id`,
      )
      .all() as Array<{ id: string; status: string }>
    database.close()
    const orphans = left.filter((row) => row.status === 'running').map((row) => row.id)
    expect(orphans.length).toBeGreaterThanOrEqual(1)
    expect(left.filter((row) => row.status === 'queued').length).toBeGreaterThanOrEqual(1)

    const second = await startApi(environment)
    processes.push(second)
    const done = await settle(second.url, ids, 40_000)
    const notDone = ids.filter((id) => done.get(id)?.status !== 'completed')
    expect(
      notDone,
      `not completed: ${notDone.map((id) => done.get(id)?.status).join(', ')}`,
    ).toEqual([])
    for (const id of ids) {
      expect(done.get(id), id).toMatchObject({ status: 'completed', error: null, result: { id } })
      expect(done.get(id).attempts, `attempts of ${id}`).toBe(orphans.includes(id) ? 2 : 1)
    }
    // Ended once: across both lives of the process, each job's end is logged once.
    const ends = await endsOf([first, second], JOBS)
    expect(ends).toHaveLength(JOBS)
    expect(new Set(ends)).toEqual(new Set(ids))
    for (const id of orphans) expect(finishedJobs(second)).toContain(id)
    for (const id of ids) {
      if (!orphans.includes(id)) expect(upstream.callsWith(prompts.get(id) as string)).toBe(1)
    }
    // One record in the history per job.
    const history = await readJson(await fetch(`${second.url}/api/generations?limit=100`))
    expect(history.items.map((item: { id: string }) => item.id).sort()).toEqual([...ids].sort())
  }, 120_000)

  it('fails a job after JOB_ATTEMPTS runs cut short by a dying process; a retry runs it again', async () => {
    const environment = {
      ...baseEnv(upstream.url),
      DATABASE_URL: `sqlite://${join(directory, 'attempts.db')}`,
      WORKER_CONCURRENCY: '1',
      JOB_STALL_MS: '1000',
      JOB_ATTEMPTS: '2',
    }
    upstream.hold('DIES-EACH-TIME')
    let server = await startApi(environment)
    processes.push(server)
    const id = await submitJob(server.url, 'parse an ISO-8601 duration DIES-EACH-TIME')
    for (const attempt of [1, 2]) {
      const url = server.url
      expect(
        await until(async () => {
          const body = await readJson(await fetch(`${url}/api/jobs/${id}`))
          return body.status === 'running' && body.attempts === attempt
        }, 15_000),
      ).toBe(true)
      expect(await until(() => upstream.callsWith('DIES-EACH-TIME') === attempt, 5000)).toBe(true)
      server.child.kill('SIGKILL')
      await server.exit
      server = await startApi(environment)
      processes.push(server)
    }
    // Its third start is past JOB_ATTEMPTS: it fails without a model call, saying why.
    const failed = (await settle(server.url, [id], 15_000)).get(id)
    expect(failed).toMatchObject({
      status: 'failed',
      attempts: 3,
      error: { code: 'APP_ERR_GENERATION_INTERRUPTED' },
    })
    expect(upstream.callsWith('DIES-EACH-TIME')).toBe(2)
    const { events } = await collectSse(await fetch(`${server.url}/api/jobs/${id}/events`))
    expect(events.filter((event) => event.event === 'error')).toHaveLength(1)
    expect(events.at(-1)).toMatchObject({
      event: 'error',
      data: { code: 'APP_ERR_GENERATION_INTERRUPTED' },
    })

    upstream.release('DIES-EACH-TIME')
    const retried = await fetch(`${server.url}/api/jobs/${id}/retry`, { method: 'POST' })
    expect(retried.status).toBe(202)
    expect((await settle(server.url, [id], 15_000)).get(id)).toMatchObject({
      status: 'completed',
      attempts: 1,
      error: null,
    })
  }, 120_000)
})
