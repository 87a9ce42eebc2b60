import type { JobView } from './job-store.js'

/**
 * How a worker's run of a job ended, as the queue must know it: `done` (the job is finished, or
 * there was nothing to run), `retry` (run it again after `delayMs`, a retryable failure), or
 * `handback` (the worker is stopping: the job goes back to the queue as it was, at once).
 * The job's state in the database is the job service's; the queue only dispatches.
 */
export type JobOutcome =
  { kind: 'done' } | { kind: 'retry'; delayMs: number } | { kind: 'handback' }

/**
 * Runs one job. `started` is the job already started for this worker when the queue's own pick
 * started it (the database queue); otherwise (BullMQ) the handler starts it with
 * `JobStore.start`.
 */
export type JobHandler = (id: string, started?: JobView) => Promise<JobOutcome>

export interface ConsumeOptions {
  /** Jobs run at once by this consumer. */
  concurrency: number
  /** This worker's id (the job service records it as the holder of the jobs it runs). */
  workerId: string
}

export interface JobConsumer {
  /** Jobs this consumer is running now. */
  readonly running: number
  /**
   * Stops taking jobs and resolves once the handlers running now have returned (the caller makes
   * them return, by aborting their runs, when it cannot wait longer).
   */
  close(): Promise<void>
}

/**
 * Hands job ids to workers, once each at a time, and gives a job whose worker died to another:
 * BullMQ on Redis (`bullmq`), or the jobs table itself (`database`) when there is no Redis.
 * `test/contracts/job-queue.contract.ts` is the specification both adapters pass.
 */
export interface JobQueue {
  /** `bullmq` or `database`. */
  readonly backend: string
  /**
   * Makes job `id` (already stored as queued) available to workers, after `delayMs` when given.
   * Adding a job the queue holds already changes nothing.
   */
  add(id: string, options?: { delayMs?: number }): Promise<void>
  /**
   * Takes a waiting job out of the queue; false when it is not waiting (running, unknown). A
   * queue whose state is the database's holds nothing of its own and answers true: the job
   * service has cancelled the job there already.
   */
  remove(id: string): Promise<boolean>
  /**
   * Starts a consumer: `handler` runs each job handed to this process, at most `concurrency` at
   * once. A job whose handler never returns (its process died) goes to another consumer once
   * `JOB_STALL_MS` has passed without the holder's lease being renewed.
   */
  consume(handler: JobHandler, options: ConsumeOptions): JobConsumer
  /** Round-trip time to the backend, in milliseconds. @throws DependencyError when down. */
  ping(): Promise<number>
  close(): Promise<void>
}
