import type postgres from 'postgres'
import { expect } from 'vitest'
import { collectSse, type SseEvent } from '../helpers/sse.js'
import {
  alive,
  endsOf,
  finishedJobs,
  getJob,
  settle,
  submitJob,
  until,
  type AppProcess,
  type SlowUpstream,
} from '../helpers/workers.js'

export interface KillWorkerSetup {
  /** Two API processes: jobs are queued on both, and each is asked about the other's. */
  apis: [AppProcess, AppProcess]
  /** The worker killed with SIGKILL while it runs jobs. */
  victim: AppProcess
  survivor: AppProcess
  /** The shared PostgreSQL database, read directly. */
  sql: postgres.Sql
  upstream: SlowUpstream
  jobs: number
}

/**
 * Queues `jobs` jobs over both API processes, SIGKILLs the victim while it runs at least two, and
 * checks that every job completes exactly once: completed from both API processes, attempts 2 for
 * the jobs the victim ran and 1 for the others, one record each in the history, one end logged,
 * one model call for each job run once, and events (followed live and replayed from the API
 * process that did not queue the job) ending with a single `completed`.
 */
export async function killWorkerMidway(setup: KillWorkerSetup): Promise<void> {
  const { apis, victim, survivor, sql, upstream, jobs: JOBS } = setup
  const [apiA, apiB] = apis
  /** Which API process queued each job; the other one is asked about it. */
  const submittedTo = new Map<string, AppProcess>()
  const prompts = new Map<string, string>()
  for (let start = 0; start < JOBS; start += 20) {
    await Promise.all(
      Array.from({ length: 20 }, async (_, offset) => {
        const index = start + offset
        const api = index % 2 === 0 ? apiA : apiB
        const prompt = `parse an ISO-8601 duration, job JOB-${String(index).padStart(4, '0')}-X`
        const id = await submitJob(api.url, prompt)
        submittedTo.set(id, api)
        prompts.set(id, prompt)
      }),
    )
  }
  const ids = [...submittedTo.keys()]
  expect(ids).toHaveLength(JOBS)

  // Its jobs as the database says: running, leased to it.
  const runningOn = async (workerId: string) =>
    (
      await sql<{ id: string }[]>`
        SELECT j.id FROM jobs j JOIN generations g ON g.id = j.id
        WHERE j.worker_id = ${workerId} AND g.status = 'running'`
    ).map((row) => row.id)
  expect(await until(async () => (await runningOn(victim.workerId)).length >= 2, 15_000)).toBe(true)
  victim.child.kill('SIGKILL')
  await victim.exit
  const orphans = await runningOn(victim.workerId)
  expect(orphans.length).toBeGreaterThanOrEqual(1)

  // Followers on the API process that did not queue the job, open while the job runs again.
  const other = (id: string) => (submittedTo.get(id) === apiA ? apiB : apiA)
  const follow = (id: string) =>
    fetch(`${other(id).url}/api/jobs/${id}/events`).then(async (response) => {
      expect(response.status).toBe(200)
      return (await collectSse(response)).events
    })
  const live = new Map(
    ids
      .slice(-10)
      .concat(orphans)
      .map((id) => [id, follow(id)]),
  )

  const fromA = await settle(apiA.url, ids, 50_000)
  const notDone = ids.filter((id) => fromA.get(id)?.status !== 'completed')
  expect(notDone, `jobs not completed: ${notDone.join(', ')}`).toEqual([])
  for (const id of ids) {
    const body = fromA.get(id)
    expect(body, id).toMatchObject({ status: 'completed', error: null, result: { id } })
    expect(body.attempts, `attempts of ${id}`).toBe(orphans.includes(id) ? 2 : 1)
  }
  // The other API process says the same.
  const fromB = await Promise.all(ids.map((id) => getJob(apiB.url, id)))
  expect(fromB.map((body) => [body.id, body.status, body.attempts])).toEqual(
    ids.map((id) => [id, 'completed', fromA.get(id).attempts]),
  )

  // One record in the history per job, completed; the history holds nothing else.
  const records = await sql<{ id: string; status: string }[]>`SELECT id, status FROM generations`
  expect(records).toHaveLength(JOBS)
  expect(new Set(records.map((row) => row.id))).toEqual(new Set(ids))
  expect(records.every((row) => row.status === 'completed')).toBe(true)
  expect(
    (await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM jobs`)[0]?.n,
    'one jobs row per job',
  ).toBe(JOBS)

  // Finished once: the two workers together logged each job's end exactly once, and the
  // survivor is the one that finished the orphans.
  const ends = await endsOf([victim, survivor], JOBS)
  expect(ends).toHaveLength(JOBS)
  expect(new Set(ends)).toEqual(new Set(ids))
  for (const id of orphans) expect(finishedJobs(survivor)).toContain(id)
  // A job run once called the model once; an orphan at most twice.
  for (const id of ids) {
    const calls = upstream.callsWith(prompts.get(id) as string)
    if (orphans.includes(id)) expect(calls).toBeGreaterThanOrEqual(1)
    else expect(calls, `model calls of ${id}`).toBe(1)
    if (orphans.includes(id)) expect(calls).toBeLessThanOrEqual(2)
  }

  // Events, live and replayed, from the API process that did not queue the job.
  const expectOneCompleted = (id: string, events: SseEvent[]) => {
    const names = events.map((event) => event.event)
    expect(
      names.filter((name) => name === 'completed'),
      `completed events of ${id}`,
    ).toHaveLength(1)
    expect(names.at(-1)).toBe('completed')
    expect(names).not.toContain('error')
    expect(events.at(-1)?.data.id).toBe(id)
  }
  for (const [id, events] of live) expectOneCompleted(id, await events)
  for (const id of [...orphans, ...ids.slice(0, 10)]) expectOneCompleted(id, await follow(id))

  expect(alive(survivor)).toBe(true)
  expect(apis.every(alive)).toBe(true)
}
