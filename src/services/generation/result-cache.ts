import type { Cache } from '../../ports/cache.js'
import type { MetricsRecorder } from '../../ports/metrics-recorder.js'
import type { RunOptions } from './generation-job.js'
import { cancellation } from './stop.js'
import type { GenerationResult } from './types.js'

const CACHE_PREFIX = 'generation:'

/** A run that identical requests share; it is aborted only when all of them have gone. */
interface SharedRun {
  run: Promise<GenerationResult>
  controller: AbortController
  waiters: number
  /** The generation's id, once its record exists. */
  id?: string
}

/**
 * Completed results by request hash, and the identical requests in flight that a new one may
 * join instead of paying for the same generation twice.
 */
export class ResultCache {
  /** Identical cacheable requests in flight, by request hash. */
  private readonly inflight = new Map<string, SharedRun>()

  constructor(
    private readonly cache: Cache,
    private readonly metrics: MetricsRecorder,
    private readonly ttlSeconds: number,
  ) {}

  /** A completed result for this request hash (marked `cached`), or null. */
  async get(requestHash: string): Promise<GenerationResult | null> {
    const cached = await this.cache.get<GenerationResult>(CACHE_PREFIX + requestHash)
    this.metrics.cacheLookup(cached ? 'hit' : 'miss')
    return cached ? { ...cached, cached: true } : null
  }

  keep(requestHash: string, result: GenerationResult): Promise<void> {
    return this.cache.set(CACHE_PREFIX + requestHash, result, this.ttlSeconds)
  }

  /**
   * Joins the identical request in flight, or starts `run` for it and lets later ones join.
   * The shared run stops only when every request waiting for it has gone.
   */
  share(
    requestHash: string,
    run: (options: Pick<RunOptions, 'signal' | 'onRecord'>) => Promise<GenerationResult>,
    signal: AbortSignal | undefined,
  ): Promise<GenerationResult> {
    const existing = this.inflight.get(requestHash)
    if (existing) {
      this.metrics.cacheLookup('coalesced')
      return join(existing, signal)
    }
    const controller = new AbortController()
    const shared: SharedRun = {
      run: run({
        signal: controller.signal,
        // Known once the record exists: a delete of that id stops identical requests joining.
        onRecord: (id) => (shared.id = id),
      }),
      controller,
      waiters: 0,
    }
    this.inflight.set(requestHash, shared)
    const forget = () => this.inflight.delete(requestHash)
    shared.run.then(forget, forget)
    return join(shared, signal)
  }

  /**
   * Forgets a deleted generation: identical requests no longer join it, and its cache entry
   * (keyed by the request hash) goes if it is still this generation's.
   */
  async forget(id: string, requestHash: string | null): Promise<void> {
    for (const [key, shared] of this.inflight) {
      if (shared.id === id) this.inflight.delete(key)
    }
    if (!requestHash) return
    const cached = await this.cache.get<GenerationResult>(CACHE_PREFIX + requestHash)
    if (cached?.id === id) await this.cache.delete(CACHE_PREFIX + requestHash)
  }
}

/** Waits for a shared run; when every waiter has gone, the run is stopped. */
async function join(shared: SharedRun, signal: AbortSignal | undefined): Promise<GenerationResult> {
  shared.waiters++
  if (!signal) return shared.run
  return new Promise<GenerationResult>((resolve, reject) => {
    const onAbort = () => {
      shared.waiters--
      if (shared.waiters === 0) shared.controller.abort(signal.reason)
      reject(cancellation(signal.reason))
    }
    if (signal.aborted) return onAbort()
    signal.addEventListener('abort', onAbort, { once: true })
    shared.run.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}
