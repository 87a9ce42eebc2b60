import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { AppError } from '../errors.js'
import type { ProfileOptions } from './profiles/profile.js'

/** One analysis, as sent to a worker. */
export interface AnalysisTask {
  id: number
  code: string
  languageId: string
  options: ProfileOptions
}

/** A worker's answer to one task; `rss` is its resident memory after the task, in bytes. */
export type WorkerReply =
  | { id: number; json: string; syntaxValid: boolean; rss: number }
  | { id: number; error: string; rss: number }
  /** Sent after the worker loaded the task's grammar: the task's time starts again. */
  | { id: number; started: true }

/** A finished analysis: the report as JSON text, and whether the input parsed. */
export interface AnalysisOutcome {
  json: string
  syntaxValid: boolean
}

/** Where a task waits, and what can call it off. */
export interface RunContext {
  /**
   * Tasks with the same key wait in one line; the workers take the lines in turn, so a batch
   * (one key for all its files) cannot keep everyone else waiting. Without a key the task has
   * a line of its own.
   */
  queue?: object | undefined
  /** Aborting drops the task if it waits, and stops its worker if it runs. */
  signal?: AbortSignal | undefined
}

/** Settings of an {@link AnalysisPool}. */
export interface AnalysisPoolOptions {
  /** Worker processes at most; they start on first use. */
  size: number
  /** Running time allowed to one task; past it the worker is killed and replaced. */
  timeoutMs: number
  /**
   * Memory of one worker, in bytes: its V8 heap limit (past it the worker dies and the task
   * fails), and the resident size past which a worker is replaced after its task (tree-sitter's
   * own memory is outside V8's heap).
   */
  memoryBytes: number
}

interface Pending {
  task: AnalysisTask
  resolve: (outcome: AnalysisOutcome) => void
  reject: (error: Error) => void
  signal: AbortSignal | undefined
  onAbort: (() => void) | undefined
}

/** The tasks of one request, waiting. */
interface Line {
  pending: Pending[]
  /** When the line last had a task started (a dispatch count); see `run` for a new line. */
  lastTurn: number
}

interface PoolWorker {
  process: ChildProcess
  /** Set once the worker has started: start-up never counts against a task's time. */
  ready: boolean
  busy: Pending | null
  timer: NodeJS.Timeout | null
}

// From source (tests, `npm run dev`) the worker is TypeScript and needs tsx's loader.
const fromSource = import.meta.url.endsWith('.ts')
const workerPath = fileURLToPath(
  new URL(`./analysis-worker.${fromSource ? 'ts' : 'js'}`, import.meta.url),
)
// Resolved from this file, not from the working directory: a bare `tsx` fails to load when the
// process runs elsewhere (the CLI in another folder), and the pool would restart workers forever.
const sourceLoader = fromSource ? ['--import', import.meta.resolve('tsx')] : []

const MEBIBYTE = 1024 * 1024
/** A worker not ready by then is killed, and counts as a failed start. */
const WORKER_START_TIMEOUT_MS = 30_000
const MAX_FAILED_STARTS = 3

/**
 * Worker processes that run every analysis off the event loop. A task that runs past the time
 * limit or the memory limit loses its worker (killed and replaced), so hostile input cannot hang
 * or swell the service. Processes rather than threads: a thread cannot be stopped safely in the
 * middle of a native parse (the addon aborts the whole process), a child process can.
 */
export class AnalysisPool {
  private readonly workers: PoolWorker[] = []
  /** Waiting tasks by line (one line per request, or per batch). */
  private readonly lines = new Map<object, Line>()
  /** Kept while a line is empty: a batch's next file must not look like a newcomer. */
  private readonly lastTurns = new WeakMap<object, number>()
  private queued = 0
  private turn = 0
  private nextId = 1
  private closed = false
  /** Workers in a row that died before they were ready. */
  private failedStarts = 0

  constructor(private readonly options: AnalysisPoolOptions) {}

  /** Analyses `code` in a worker. */
  run(
    code: string,
    languageId: string,
    options: ProfileOptions = {},
    context: RunContext = {},
  ): Promise<AnalysisOutcome> {
    if (this.closed) return Promise.reject(new AppError('APP_ERR_SHUTTING_DOWN'))
    const { signal } = context
    if (signal?.aborted) return Promise.reject(abortReason(signal))
    return new Promise((resolve, reject) => {
      const pending: Pending = {
        task: { id: this.nextId++, code, languageId, options },
        resolve,
        reject,
        signal,
        onAbort: undefined,
      }
      if (signal) {
        pending.onAbort = () => this.cancel(pending)
        signal.addEventListener('abort', pending.onAbort, { once: true })
      }
      const key = context.queue ?? pending
      const line = this.lines.get(key)
      if (line) line.pending.push(pending)
      // A new line goes before the line served last, behind those served earlier: a newcomer
      // does not wait for a batch's next file, and a stream of newcomers cannot starve a batch.
      else
        this.lines.set(key, {
          pending: [pending],
          lastTurn: this.lastTurns.get(key) ?? this.turn - 0.5,
        })
      this.queued++
      this.dispatch()
    })
  }

  /** Workers started and tasks waiting, for the health report. */
  get stats() {
    return {
      workers: this.workers.length,
      busy: this.workers.filter((worker) => worker.busy).length,
      queued: this.queued,
      size: this.options.size,
    }
  }

  async close(): Promise<void> {
    this.closed = true
    for (const line of this.lines.values())
      for (const pending of line.pending)
        this.settle(pending, new AppError('APP_ERR_SHUTTING_DOWN'))
    this.lines.clear()
    this.queued = 0
    for (const entry of this.workers.splice(0)) {
      this.finish(entry)
      entry.process.kill('SIGKILL')
    }
  }

  private spawn(): void {
    const heapMegabytes = Math.max(64, Math.floor(this.options.memoryBytes / MEBIBYTE))
    const child = fork(workerPath, {
      execArgv: [...sourceLoader, `--max-old-space-size=${heapMegabytes}`],
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    })
    const entry: PoolWorker = { process: child, ready: false, busy: null, timer: null }
    child.on('message', (message: { ready: true } | WorkerReply) => {
      if ('ready' in message) {
        entry.ready = true
        this.dispatch()
        return
      }
      const pending = entry.busy
      if (!pending || pending.task.id !== message.id) return
      if ('started' in message) {
        this.startTimer(entry)
        return
      }
      this.finish(entry)
      if ('json' in message)
        this.settle(pending, undefined, { json: message.json, syntaxValid: message.syntaxValid })
      else this.settle(pending, new Error(message.error))
      // Native memory is not V8's to collect: a worker that grew past the limit starts afresh.
      if (message.rss > this.options.memoryBytes) this.retire(entry)
      this.dispatch()
    })
    // A worker that cannot start (a broken install, a missing loader) would be replaced at once,
    // for ever, while the requests wait: after a few failed starts in a row, they fail instead.
    const startup = setTimeout(() => child.kill('SIGKILL'), WORKER_START_TIMEOUT_MS)
    child.once('message', () => clearTimeout(startup))
    child.on('error', (error) => this.replace(entry, error))
    child.on('exit', (code, signal) => {
      clearTimeout(startup)
      if (!entry.ready) this.failedStart(code, signal)
      else this.failedStarts = 0
      this.replace(entry, this.deathError(code, signal))
    })
    this.workers.push(entry)
  }

  /** Counts a worker that died before it was ready; past the limit, every waiting task fails. */
  private failedStart(code: number | null, signal: NodeJS.Signals | null): void {
    this.failedStarts++
    if (this.failedStarts < MAX_FAILED_STARTS || this.closed) return
    this.failedStarts = 0
    const error = new AppError(
      'APP_ERR_INTERNAL',
      `The analysis workers stop while starting (code ${code}, signal ${signal}); see the server log`,
    )
    for (const line of this.lines.values())
      for (const pending of line.pending) this.settle(pending, error)
    this.lines.clear()
    this.queued = 0
  }

  /** Why a worker stopped in the middle of a task. */
  private deathError(code: number | null, signal: NodeJS.Signals | null): Error {
    // V8 aborts the process when its heap limit is reached.
    if (signal === 'SIGABRT' || code === 134) {
      return new AppError(
        'APP_ERR_ANALYSIS_MEMORY',
        `Analysis needed more than ${Math.floor(this.options.memoryBytes / MEBIBYTE)} MiB; split the input or raise ANALYSIS_WORKER_MEMORY`,
      )
    }
    return new Error(`analysis worker exited (code ${code}, signal ${signal})`)
  }

  private finish(entry: PoolWorker): void {
    if (entry.timer) clearTimeout(entry.timer)
    entry.timer = null
    entry.busy = null
  }

  /** Resolves or rejects a task exactly once, and forgets its signal. */
  private settle(pending: Pending, error?: Error, outcome?: AnalysisOutcome): void {
    if (pending.signal && pending.onAbort)
      pending.signal.removeEventListener('abort', pending.onAbort)
    pending.onAbort = undefined
    if (error) pending.reject(error)
    else pending.resolve(outcome!)
  }

  /** An aborted task: dropped from its line if it waits, its worker stopped if it runs. */
  private cancel(pending: Pending): void {
    const reason = abortReason(pending.signal!)
    const running = this.workers.find((entry) => entry.busy === pending)
    if (running) {
      this.replace(running, reason)
      return
    }
    for (const [key, line] of this.lines) {
      const index = line.pending.indexOf(pending)
      if (index === -1) continue
      line.pending.splice(index, 1)
      if (line.pending.length === 0) this.lines.delete(key)
      this.queued--
      this.settle(pending, reason)
      return
    }
  }

  /** Stops an idle worker; the next task that needs one starts a fresh process. */
  private retire(entry: PoolWorker): void {
    const index = this.workers.indexOf(entry)
    if (index !== -1) this.workers.splice(index, 1)
    entry.process.kill('SIGKILL')
  }

  /** Drops a worker that failed or ran out of time; its task fails, the others go on. */
  private replace(entry: PoolWorker, error: Error): void {
    const index = this.workers.indexOf(entry)
    if (index === -1) return
    this.workers.splice(index, 1)
    const pending = entry.busy
    this.finish(entry)
    entry.process.kill('SIGKILL')
    if (pending) this.settle(pending, error)
    if (!this.closed) this.dispatch()
  }

  /**
   * The next waiting task, from the line served longest ago: a request that arrives while a
   * batch runs goes before the batch's next file, and two batches alternate.
   */
  private next(): Pending | undefined {
    let chosen: [object, Line] | undefined
    for (const entry of this.lines) {
      if (!chosen || entry[1].lastTurn < chosen[1].lastTurn) chosen = entry
    }
    if (!chosen) return undefined
    const [key, line] = chosen
    const pending = line.pending.shift()!
    line.lastTurn = ++this.turn
    this.lastTurns.set(key, line.lastTurn)
    if (line.pending.length === 0) this.lines.delete(key)
    this.queued--
    return pending
  }

  private dispatch(): void {
    while (this.queued > 0) {
      if (
        this.workers.length < this.options.size &&
        this.workers.every((candidate) => candidate.busy || !candidate.ready)
      ) {
        this.spawn()
      }
      const entry = this.workers.find((candidate) => candidate.ready && !candidate.busy)
      if (!entry) return
      const pending = this.next()
      if (!pending) return
      entry.busy = pending
      this.startTimer(entry)
      entry.process.send(pending.task)
    }
  }

  /** (Re)starts the time limit of the task `entry` runs. */
  private startTimer(entry: PoolWorker): void {
    if (entry.timer) clearTimeout(entry.timer)
    entry.timer = setTimeout(() => {
      this.replace(
        entry,
        new AppError(
          'APP_ERR_ANALYSIS_TIMEOUT',
          `Analysis did not finish within ${this.options.timeoutMs} ms; split the input or raise ANALYSIS_TIMEOUT_MS`,
        ),
      )
    }, this.options.timeoutMs)
  }
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error
    ? signal.reason
    : new AppError('APP_ERR_ANALYSIS_TIMEOUT', 'The analysis was called off')
}
