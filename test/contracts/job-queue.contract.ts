import { randomUUID } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import type { JobConsumer, JobOutcome, JobQueue } from '../../src/ports/job-queue.js'
import type { JobView } from '../../src/ports/job-store.js'

/**
 * One queue under test, with the job service's side of each step: what the service writes in the
 * database before `add`, after a run and on cancel (the database queue reads it; BullMQ needs
 * none of it), and a consumer in another process that dies holding a job.
 */
export interface QueueHarness {
  queue: JobQueue
  /** The queue's JOB_STALL_MS. */
  stallMs: number
  /** Whether `remove` answers false for a job that is not waiting (BullMQ holds the queue). */
  removeKnowsState: boolean
  /** Stores job `id` as queued, ready after `delayMs`, as the job service does before `add`. */
  store(id: string, delayMs?: number): Promise<void>
  /** Writes the end of a run as the job service does before its handler answers `outcome`. */
  settle(id: string, workerId: string, outcome: JobOutcome): Promise<void>
  /** Cancels a queued job as the job service does before `remove`. */
  cancel(id: string): Promise<void>
  /** Makes job `id` (stored and added) taken by a consumer that then dies without a word. */
  takeAndDie(id: string): Promise<void>
  /** Closes the queue and removes what the test left in the backend. */
  close(): Promise<void>
}

interface Run {
  id: string
  workerId: string
  started?: JobView | undefined
  at: number
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Waits until `condition` holds, failing after `timeoutMs`. */
async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(20)
  }
}

/**
 * The specification of the job queue port, run against every adapter. `open` returns an empty
 * queue of its own (no other test's jobs) with the given JOB_STALL_MS.
 */
export function runJobQueueContract(
  name: string,
  open: (options: { stallMs: number }) => Promise<QueueHarness>,
): void {
  describe(`${name} job queue`, () => {
    const harnesses: QueueHarness[] = []
    const consumers: JobConsumer[] = []

    afterEach(async () => {
      await Promise.all(consumers.splice(0).map((consumer) => consumer.close()))
      await Promise.all(harnesses.splice(0).map((harness) => harness.close()))
    })

    async function setUp(stallMs = 2000) {
      const harness = await open({ stallMs })
      harnesses.push(harness)
      const runs: Run[] = []
      const add = async (id: string, delayMs?: number) => {
        await harness.store(id, delayMs)
        await harness.queue.add(id, delayMs === undefined ? undefined : { delayMs })
      }
      /** A consumer whose handler records each run, waits `work`, and answers `decide`'s outcome. */
      const consume = (
        workerId: string,
        concurrency: number,
        work: (run: Run) => Promise<void> = async () => {},
        decide: (run: Run) => JobOutcome = () => ({ kind: 'done' }),
      ) => {
        const consumer = harness.queue.consume(
          async (id, started) => {
            const run = { id, workerId, started, at: Date.now() }
            runs.push(run)
            await work(run)
            const outcome = decide(run)
            await harness.settle(id, workerId, outcome)
            return outcome
          },
          { concurrency, workerId },
        )
        consumers.push(consumer)
        return consumer
      }
      const count = (id: string) => runs.filter((run) => run.id === id).length
      return { harness, runs, add, consume, count }
    }

    it('hands each added job to one consumer, once', async () => {
      const { runs, add, consume, count } = await setUp()
      const ids = Array.from({ length: 20 }, () => randomUUID())
      consume('worker-a', 3)
      consume('worker-b', 3)
      for (const id of ids) await add(id)
      await until(() => runs.length >= ids.length, 10_000, 'every job to run')
      await sleep(500)
      expect(ids.map(count)).toEqual(ids.map(() => 1))
      expect(runs).toHaveLength(ids.length)
      expect(new Set(runs.map((run) => run.workerId)).size).toBeGreaterThanOrEqual(1)
    }, 20_000)

    it('runs at most `concurrency` jobs at once, and reports how many run', async () => {
      const { runs, add, consume } = await setUp()
      let now = 0
      let most = 0
      let seenRunning = 0
      const consumer = consume('worker-a', 3, async () => {
        now += 1
        most = Math.max(most, now)
        await sleep(150)
        seenRunning = Math.max(seenRunning, consumer.running)
        now -= 1
      })
      for (let i = 0; i < 10; i += 1) await add(randomUUID())
      await until(() => runs.length >= 10 && now === 0, 15_000, 'ten jobs to run')
      expect(most).toBe(3)
      expect(seenRunning).toBe(3)
      await until(() => consumer.running === 0, 2000, 'the consumer to be idle')
    }, 20_000)

    it('changes nothing when a job it holds is added again, waiting or running', async () => {
      const { harness, runs, add, consume, count } = await setUp()
      const waiting = randomUUID()
      await add(waiting)
      await harness.queue.add(waiting)
      let release!: () => void
      const released = new Promise<void>((resolve) => (release = resolve))
      consume('worker-a', 2, (run) => (run.id === waiting ? released : Promise.resolve()))
      await until(() => count(waiting) === 1, 5000, 'the job to start')
      await harness.queue.add(waiting)
      await sleep(500)
      release()
      await sleep(700)
      expect(count(waiting)).toBe(1)
      expect(runs).toHaveLength(1)
    }, 15_000)

    it('holds a delayed job until its delay is up', async () => {
      const { runs, add, consume } = await setUp()
      consume('worker-a', 2)
      const added = Date.now()
      await add(randomUUID(), 1200)
      await sleep(800)
      expect(runs).toHaveLength(0)
      await until(() => runs.length === 1, 5000, 'the delayed job to run')
      expect(runs[0]!.at - added).toBeGreaterThanOrEqual(1100)
    }, 15_000)

    it('removes a waiting job, which then never runs', async () => {
      const { harness, runs, add, consume } = await setUp()
      const removed = randomUUID()
      const kept = randomUUID()
      await add(removed)
      await add(kept, 300)
      await harness.cancel(removed)
      expect(await harness.queue.remove(removed)).toBe(true)
      consume('worker-a', 2)
      await until(() => runs.length === 1, 5000, 'the other job to run')
      await sleep(500)
      expect(runs.map((run) => run.id)).toEqual([kept])
      if (harness.removeKnowsState) {
        expect(await harness.queue.remove(randomUUID())).toBe(false)
        expect(await harness.queue.remove(kept)).toBe(false)
      }
    }, 15_000)

    it('leaves a running job running when asked to remove it', async () => {
      const { harness, add, consume, count } = await setUp()
      const id = randomUUID()
      let release!: () => void
      const released = new Promise<void>((resolve) => (release = resolve))
      consume('worker-a', 1, () => released)
      await add(id)
      await until(() => count(id) === 1, 5000, 'the job to start')
      // A queue that knows its jobs' states says it could not; one kept in the database holds
      // nothing of its own and answers true (the job service cancels there).
      expect(await harness.queue.remove(id)).toBe(!harness.removeKnowsState)
      release()
      await sleep(300)
      expect(count(id)).toBe(1)
    }, 15_000)

    it('runs a job again after the delay of a retry', async () => {
      const { runs, add, consume, count } = await setUp()
      const id = randomUUID()
      consume(
        'worker-a',
        2,
        async () => {},
        (run) => (runs.indexOf(run) === 0 ? { kind: 'retry', delayMs: 1000 } : { kind: 'done' }),
      )
      await add(id)
      await until(() => count(id) === 2, 6000, 'the retry to run')
      expect(runs[1]!.at - runs[0]!.at).toBeGreaterThanOrEqual(950)
      await sleep(500)
      expect(count(id)).toBe(2)
    }, 15_000)

    it('gives a handed-back job to a consumer at once', async () => {
      const { runs, add, consume, count } = await setUp()
      const id = randomUUID()
      consume(
        'worker-a',
        1,
        async () => {},
        (run) => (runs.indexOf(run) === 0 ? { kind: 'handback' } : { kind: 'done' }),
      )
      await add(id)
      await until(() => count(id) === 2, 3000, 'the handed-back job to run again')
      expect(runs[1]!.at - runs[0]!.at).toBeLessThan(1000)
      await sleep(500)
      expect(count(id)).toBe(2)
    }, 15_000)

    it('close() waits for the running handlers and takes no new job', async () => {
      const { runs, add, consume, count } = await setUp()
      const first = randomUUID()
      let finished = 0
      const consumer = consume('worker-a', 2, async () => {
        await sleep(600)
        finished = Date.now()
      })
      await add(first)
      await until(() => count(first) === 1, 5000, 'the job to start')
      await consumer.close()
      expect(finished).toBeGreaterThan(0)
      expect(consumer.running).toBe(0)
      await add(randomUUID())
      await sleep(800)
      expect(runs).toHaveLength(1)
    }, 15_000)

    it('runs a job again a second after its handler threw, so that it is not lost', async () => {
      const { harness, runs, add, count } = await setUp()
      const id = randomUUID()
      const consumer = harness.queue.consume(
        async (jobId, started) => {
          runs.push({ id: jobId, workerId: 'worker-a', started, at: Date.now() })
          if (runs.length === 1) throw new Error('database down')
          await harness.settle(jobId, 'worker-a', { kind: 'done' })
          return { kind: 'done' }
        },
        { concurrency: 1, workerId: 'worker-a' },
      )
      consumers.push(consumer)
      await add(id)
      await until(() => count(id) === 2, 5000, 'the job to run again')
      expect(runs[1]!.at - runs[0]!.at).toBeGreaterThanOrEqual(950)
      await sleep(500)
      expect(count(id)).toBe(2)
    }, 15_000)

    it('gives the job of a consumer that died to another once its stall time passed', async () => {
      const stallMs = 1000
      const { harness, runs, consume, count } = await setUp(stallMs)
      const id = randomUUID()
      await harness.takeAndDie(id)
      const died = Date.now()
      consume('worker-a', 1)
      await until(() => count(id) === 1, 4 * stallMs + 5000, 'the stalled job to run again')
      expect(runs[0]!.at - died).toBeGreaterThanOrEqual(stallMs - 200)
      await sleep(stallMs)
      expect(count(id)).toBe(1)
    }, 20_000)
  })
}
