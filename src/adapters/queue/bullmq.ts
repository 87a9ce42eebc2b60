import { DelayedError, Queue, WaitingError, Worker, type Job } from 'bullmq'
import { Redis } from 'ioredis'
import { redactUrl } from '../../config.js'
import { DependencyError } from '../../errors.js'
import type {
  ConsumeOptions,
  JobConsumer,
  JobHandler,
  JobOutcome,
  JobQueue,
} from '../../ports/job-queue.js'
import type { Logger } from '../../ports/logger.js'

/** The queue's name under the key prefix: keys read `<prefix>jobs:…`. */
const QUEUE_NAME = 'jobs'
/** A call to Redis made for a client's request gives up after this long while Redis is down. */
const CALL_TIMEOUT_MS = 5000
/** A handler that threw (a bug, or the database down) runs its job again after this long. */
const THROWN_RETRY_MS = 1000
/**
 * Stalls a job survives before BullMQ fails it: the job service counts attempts itself (a dead
 * worker's run counts there), so BullMQ must never fail a job on its own.
 */
const MAX_STALLED_COUNT = 1000
/** Time BullMQ gets to close once no handler runs (it would wait for ever while Redis is down). */
const CLOSE_GRACE_MS = 3000
/** Connection errors are logged at most this often while ioredis reconnects. */
const ERROR_LOG_INTERVAL_MS = 60_000

export interface BullmqJobQueueOptions {
  /** `redis://` or `rediss://` URL (REDIS_URL). */
  url: string
  /** REDIS_KEY_PREFIX, such as `verigen:`; every key of the queue starts with it. */
  keyPrefix: string
  /** JOB_STALL_MS: a worker's lock lasts this long unless renewed; stalls are checked this often. */
  stallMs: number
  logger: Logger
}

/**
 * The job queue on Redis, with BullMQ. The database keeps each job's history, so BullMQ keeps
 * nothing of a finished job (an id can be added again to retry it), never counts attempts, and
 * never fails a job: a retry is BullMQ's manual delay (`moveToDelayed` then `DelayedError`).
 * Connections reconnect by themselves after an outage; calls made meanwhile fail after
 * `CALL_TIMEOUT_MS` with a DependencyError instead of waiting for Redis.
 */
export class BullmqJobQueue implements JobQueue {
  readonly backend = 'bullmq'
  private readonly connection: Redis
  private readonly queue: Queue
  private readonly consumers = new Set<BullmqConsumer>()
  private lastLogged = 0

  constructor(private readonly options: BullmqJobQueueOptions) {
    // Producer calls fail instead of queueing while Redis is down (the offline queue would hold
    // them until it is back); `call` bounds them in time as well.
    this.connection = openConnection(options.url, { maxRetriesPerRequest: 1 })
    this.queue = new Queue(QUEUE_NAME, { connection: this.connection, prefix: this.prefix() })
    this.queue.on('error', (error) => this.logError('queue', error))
  }

  async add(id: string, options: { delayMs?: number } = {}): Promise<void> {
    const delay = Math.max(0, Math.round(options.delayMs ?? 0))
    await this.call('add', () =>
      this.queue.add(
        QUEUE_NAME,
        {},
        { jobId: id, delay, removeOnComplete: true, removeOnFail: true, attempts: 1 },
      ),
    )
  }

  async remove(id: string): Promise<boolean> {
    return this.call('remove', async () => {
      const job = await this.queue.getJob(id)
      if (!job) return false
      const state = await job.getState()
      if (state !== 'waiting' && state !== 'delayed' && state !== 'prioritized') return false
      // BullMQ refuses (0) when a worker took the job in between: it is locked then.
      return (await this.queue.remove(id)) === 1
    })
  }

  consume(handler: JobHandler, options: ConsumeOptions): JobConsumer {
    const consumer = new BullmqConsumer(handler, options, this.options, this.prefix(), (error) =>
      this.logError('worker', error),
    )
    this.consumers.add(consumer)
    consumer.onClosed = () => this.consumers.delete(consumer)
    return consumer
  }

  async ping(): Promise<number> {
    const started = performance.now()
    await this.call('ping', () => this.connection.ping())
    return Math.round((performance.now() - started) * 100) / 100
  }

  /** Closes the consumers (waiting for their running handlers), then the producer. */
  async close(): Promise<void> {
    await Promise.all([...this.consumers].map((consumer) => consumer.close()))
    const closed = this.queue.close().catch(() => undefined)
    await within(closed, CLOSE_GRACE_MS)
    this.connection.disconnect()
  }

  /** BullMQ joins prefix, queue name and key with `:`; the configured prefix ends with one. */
  private prefix(): string {
    return this.options.keyPrefix.replace(/:+$/, '')
  }

  private async call<T>(what: string, operation: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer within ${CALL_TIMEOUT_MS} ms`)),
        CALL_TIMEOUT_MS,
      )
    })
    try {
      return await Promise.race([operation(), timeout])
    } catch (error) {
      throw new DependencyError(
        `Job queue (Redis) unavailable: ${what} failed: ${redactUrl((error as Error).message)}`,
        error,
      )
    } finally {
      clearTimeout(timer)
    }
  }

  private logError(source: string, error: Error): void {
    if (Date.now() - this.lastLogged < ERROR_LOG_INTERVAL_MS) return
    this.lastLogged = Date.now()
    this.options.logger.warn(
      { source, url: redactUrl(this.options.url), detail: redactUrl(error.message) },
      'job queue: redis error',
    )
  }
}

/**
 * An ioredis connection that reconnects forever (every 0.1–2 s). BullMQ's workers require
 * `maxRetriesPerRequest: null` (their blocking reads wait for the reconnection).
 */
function openConnection(url: string, extra: { maxRetriesPerRequest: number | null }): Redis {
  return new Redis(url, {
    ...extra,
    connectTimeout: 5000,
    retryStrategy: (times) => Math.min(times * 100, 2000),
  })
}

/** One BullMQ worker running a handler. */
class BullmqConsumer implements JobConsumer {
  private readonly connection: Redis
  private readonly worker: Worker
  private readonly logger: Logger
  private readonly handlers = new Set<Promise<JobOutcome>>()
  private closing: Promise<void> | null = null
  onClosed: () => void = () => {}

  constructor(
    private readonly handler: JobHandler,
    consume: ConsumeOptions,
    options: BullmqJobQueueOptions,
    prefix: string,
    onError: (error: Error) => void,
  ) {
    this.connection = openConnection(options.url, { maxRetriesPerRequest: null })
    this.worker = new Worker(QUEUE_NAME, (job, token) => this.process(job, token), {
      connection: this.connection,
      prefix,
      name: consume.workerId,
      concurrency: Math.max(1, consume.concurrency),
      lockDuration: options.stallMs,
      stalledInterval: options.stallMs,
      maxStalledCount: MAX_STALLED_COUNT,
      removeOnComplete: { count: 0 },
      removeOnFail: { count: 0 },
    })
    this.worker.on('error', onError)
    this.logger = options.logger
  }

  get running(): number {
    return this.handlers.size
  }

  /**
   * Stops taking jobs and waits for the running handlers; BullMQ then has `CLOSE_GRACE_MS` to
   * record their ends in Redis (while Redis is down it would wait for ever: the jobs it could not
   * record stay active there and go back to the queue once their locks expire).
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const closed = this.worker.close().catch(() => undefined)
      while (this.handlers.size > 0) await Promise.allSettled([...this.handlers])
      await within(closed, CLOSE_GRACE_MS)
      this.connection.disconnect()
      await within(closed, 500)
      this.onClosed()
    })()
    return this.closing
  }

  private async process(job: Job, token: string | undefined): Promise<void> {
    const id = job.id!
    const running = this.handler(id)
    this.handlers.add(running)
    let outcome: JobOutcome
    try {
      outcome = await running
    } catch (error) {
      // The job service never throws on purpose: this is a bug or its database down. The job must
      // not be lost, so it runs again shortly.
      this.logger.error(
        { jobId: id, detail: redactUrl((error as Error).message) },
        'job handler threw; the job runs again in 1 s',
      )
      outcome = { kind: 'retry', delayMs: THROWN_RETRY_MS }
    } finally {
      this.handlers.delete(running)
    }
    if (outcome.kind === 'done') return
    if (outcome.kind === 'handback') {
      // Back where it stood: the end of the wait list workers take from next.
      await job.moveToWait(token)
      throw new WaitingError()
    }
    // BullMQ's manual delay: the job leaves the active set without counting as failed.
    await job.moveToDelayed(Date.now() + Math.max(0, outcome.delayMs), token)
    throw new DelayedError()
  }
}

/** Waits for `promise`, or `ms` at most. */
async function within(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  await Promise.race([promise, new Promise((resolve) => (timer = setTimeout(resolve, ms)))])
  clearTimeout(timer)
}
