import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { AppError } from '../errors.js'
import type { ProfileOptions } from './profiles/profile.js'

export interface AnalysisTask {
  id: number
  code: string
  languageId: string
  options: ProfileOptions
}

interface Pending {
  task: AnalysisTask
  /** Receives the report as JSON text. */
  resolve: (json: string) => void
  reject: (error: Error) => void
}

interface PoolWorker {
  worker: ChildProcess
  /** Set once the worker has loaded every grammar: start-up never counts against a task's time. */
  ready: boolean
  busy: Pending | null
  timer: NodeJS.Timeout | null
}

// From source (tests, `npm run dev`) the worker is TypeScript and needs tsx's loader.
const fromSource = import.meta.url.endsWith('.ts')
const workerPath = fileURLToPath(
  new URL(`./analysis-worker.${fromSource ? 'ts' : 'js'}`, import.meta.url),
)

/**
 * Worker processes that analyse large inputs off the event loop. A task that runs past the time
 * limit loses its worker (killed and replaced), so hostile input cannot hang the service.
 * Processes rather than threads: a thread cannot be stopped safely in the middle of a native
 * parse (the addon aborts the whole process), a child process can.
 */
export class AnalysisPool {
  private readonly workers: PoolWorker[] = []
  private readonly queue: Pending[] = []
  private nextId = 1
  private closed = false

  constructor(private readonly options: { size: number; timeoutMs: number }) {}

  /** Analyses `code` in a worker and answers the report as JSON text. */
  run(code: string, languageId: string, options: ProfileOptions = {}): Promise<string> {
    if (this.closed) return Promise.reject(new AppError('APP_ERR_SHUTTING_DOWN'))
    return new Promise((resolve, reject) => {
      this.queue.push({ task: { id: this.nextId++, code, languageId, options }, resolve, reject })
      this.dispatch()
    })
  }

  /** Workers started and tasks waiting, for the health report. */
  get stats() {
    return {
      workers: this.workers.length,
      busy: this.workers.filter((worker) => worker.busy).length,
      queued: this.queue.length,
      size: this.options.size,
    }
  }

  async close(): Promise<void> {
    this.closed = true
    for (const pending of this.queue.splice(0))
      pending.reject(new AppError('APP_ERR_SHUTTING_DOWN'))
    for (const entry of this.workers.splice(0)) entry.worker.kill('SIGKILL')
  }

  private spawn(): PoolWorker {
    const worker = fork(workerPath, {
      execArgv: fromSource ? ['--import', 'tsx'] : [],
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    })
    const entry: PoolWorker = { worker, ready: false, busy: null, timer: null }
    worker.on(
      'message',
      (message: { ready?: true; id?: number; json?: string; error?: string }) => {
        if (message.ready) {
          entry.ready = true
          this.dispatch()
          return
        }
        const pending = entry.busy
        if (!pending || pending.task.id !== message.id) return
        this.finish(entry)
        if (message.json !== undefined) pending.resolve(message.json)
        else pending.reject(new Error(message.error ?? 'analysis failed'))
        this.dispatch()
      },
    )
    worker.on('error', (error) => this.replace(entry, error))
    worker.on('exit', () => this.replace(entry, new Error('analysis worker exited')))
    this.workers.push(entry)
    return entry
  }

  private finish(entry: PoolWorker): void {
    if (entry.timer) clearTimeout(entry.timer)
    entry.timer = null
    entry.busy = null
  }

  /** Drops a worker that failed or ran out of time; its task fails, the others go on. */
  private replace(entry: PoolWorker, error: Error): void {
    const index = this.workers.indexOf(entry)
    if (index === -1) return
    this.workers.splice(index, 1)
    const pending = entry.busy
    this.finish(entry)
    entry.worker.kill('SIGKILL')
    pending?.reject(error)
    if (!this.closed) this.dispatch()
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      if (
        this.workers.length < this.options.size &&
        this.workers.every((candidate) => candidate.busy || !candidate.ready)
      ) {
        this.spawn()
      }
      const entry = this.workers.find((candidate) => candidate.ready && !candidate.busy)
      if (!entry) return
      const pending = this.queue.shift()!
      entry.busy = pending
      const current = entry
      entry.timer = setTimeout(() => {
        this.replace(
          current,
          new AppError(
            'APP_ERR_ANALYSIS_TIMEOUT',
            `Analysis did not finish within ${this.options.timeoutMs} ms; split the input or raise ANALYSIS_TIMEOUT_MS`,
          ),
        )
      }, this.options.timeoutMs)
      entry.worker.send(pending.task)
    }
  }
}
