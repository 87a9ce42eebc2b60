import type { LlmProviderId } from '../../../llm-providers.js'
import { AppError } from '../../../errors.js'
import type { Completion, CompletionRequest, LlmProvider } from '../../../ports/llm-provider.js'
import { checkReply } from '../reply-check.js'
import { disposeModel, loadModel, modelFileBytes, type LoadedModel } from './loaded-model.js'
import type { ModelLocation } from './model-location.js'
import { generateOnSlot } from './slot-generation.js'
import type { LocalModelSettings } from './settings.js'

export type LoadState = 'unloaded' | 'downloading' | 'loading' | 'loaded' | 'failed'

function closedError(): AppError {
  return new AppError(
    'APP_ERR_PROVIDER_UNAVAILABLE',
    'The local model was closed because the server is shutting down',
  )
}

/** Settles with `promise`, or rejects with the signal's reason as soon as it aborts. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error)
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error)
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(error as Error)
      },
    )
  })
}

/**
 * A GGUF model run in this process by node-llama-cpp. The model loads once, on the first call or
 * on `warm()`, into one context with a sequence per generation slot; it is unloaded after
 * `idleUnloadMs` without calls and loaded again by the next one. After `close()`, calls fail
 * with `APP_ERR_PROVIDER_UNAVAILABLE` (the server is going down; nothing should reload).
 */
export class LocalProvider implements LlmProvider {
  // The row of src/llm-providers.ts that selects this adapter.
  readonly id: LlmProviderId = 'local'
  readonly model: string
  private state: LoadState = 'unloaded'
  private loaded: LoadedModel | null = null
  private loading: Promise<LoadedModel> | null = null
  private unloading: Promise<void> | null = null
  private downloadProgress: number | null = null
  private knownBytes: number | null = null
  private lastFailure: unknown = null
  private active = 0
  private idleTimer: NodeJS.Timeout | null = null
  private closed = false
  private readonly closing = new AbortController()
  private readonly idleWaiters: (() => void)[] = []

  constructor(
    private readonly settings: LocalModelSettings,
    private readonly location: ModelLocation,
  ) {
    this.model = location.fileName.replace(/\.gguf$/i, '')
  }

  async ping(signal: AbortSignal): Promise<void> {
    if (this.closed) throw closedError()
    if (signal.aborted) throw signal.reason
    if (this.loaded) return
    try {
      this.knownBytes = await modelFileBytes(this.location.path)
    } catch (error) {
      // A URL or hf: source whose file is missing is downloaded by the first load.
      if (!this.location.remote) throw error
    }
    // The file is there but the last load failed (an invalid file, a binding that cannot load, a
    // download refused): the health report says so until a call loads the model.
    if (this.state === 'failed') throw this.lastFailure
  }

  async complete(request: CompletionRequest, signal: AbortSignal): Promise<Completion> {
    if (this.closed) throw closedError()
    const timeout = AbortSignal.timeout(this.settings.timeoutMs)
    // Linked by hand rather than with AbortSignal.any: the closing signal lives as long as the
    // provider, and each call's listener on it is removed when the call ends.
    const call = new AbortController()
    const sources = [signal, timeout, this.closing.signal]
    const onAbort = (event: Event) => call.abort((event.target as AbortSignal).reason)
    for (const source of sources) source.addEventListener('abort', onAbort, { once: true })
    const aborted = sources.find((source) => source.aborted)
    if (aborted) call.abort(aborted.reason)
    const callSignal = call.signal
    this.callStarted()
    try {
      const loaded = await abortable(this.load(), callSignal)
      const grammar = request.shape
        ? await loaded.grammars.get(request.shape.tags, request.shape.files)
        : undefined
      const slot = await loaded.pool.acquire(callSignal)
      let reply
      try {
        reply = await generateOnSlot(slot.chat, loaded.contextSize, {
          messages: request.messages,
          temperature: request.temperature,
          maxOutputTokens: request.maxOutputTokens,
          grammar,
          onText: request.onText,
          signal: callSignal,
        })
      } finally {
        loaded.pool.release(slot)
      }
      this.settings.observer?.generated({
        promptTokens: reply.promptTokens,
        completionTokens: reply.completionTokens,
        firstTokenMs: reply.firstTokenMs,
        durationMs: reply.durationMs,
      })
      const checked = checkReply(
        {
          text: reply.text,
          finishReason: reply.finishReason,
          usage: {
            promptTokens: reply.promptTokens,
            completionTokens: reply.completionTokens,
            totalTokens: reply.promptTokens + reply.completionTokens,
          },
          model: this.model,
        },
        { model: this.model, provider: this.id, logger: this.settings.logger },
      )
      return { ...checked, attempts: 1 }
    } catch (error) {
      if (signal.aborted) throw signal.reason
      if (this.closing.signal.aborted) throw closedError()
      if (timeout.aborted) {
        throw new AppError(
          'APP_ERR_PROVIDER_TIMEOUT',
          `The local model '${this.model}' did not finish within ${this.settings.timeoutMs} ms (LLM_DEADLINE_MS)`,
          { cause: error },
        )
      }
      if (error instanceof AppError) throw error
      const reason = error instanceof Error ? error.message : String(error)
      throw new AppError(
        'APP_ERR_PROVIDER_UNAVAILABLE',
        `The local model '${this.model}' failed while generating ('${reason.slice(0, 200)}')`,
        { cause: error },
      )
    } finally {
      for (const source of sources) source.removeEventListener('abort', onAbort)
      this.callEnded()
    }
  }

  details(): Record<string, unknown> {
    const loaded = this.loaded
    return {
      model_file: this.location.fileName,
      model_bytes: loaded?.bytes ?? this.knownBytes,
      context_length: loaded?.contextSize ?? this.settings.contextSize,
      sequences: this.settings.sequences,
      threads: loaded?.context.currentThreads ?? this.settings.threads,
      gpu: loaded ? loaded.llama.gpu : this.settings.gpu,
      load_state: this.state,
      busy_slots: loaded?.pool.busy ?? 0,
      waiting_calls: loaded?.pool.queued ?? 0,
      loaded_at: loaded?.loadedAt.toISOString() ?? null,
      idle_unload_s: this.settings.idleUnloadMs / 1000,
      ...(this.state === 'downloading' ? { download_progress: this.downloadProgress } : {}),
    }
  }

  async warm(): Promise<void> {
    if (this.closed) throw closedError()
    await this.load()
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.clearIdleTimer()
    this.closing.abort(closedError())
    this.loaded?.pool.rejectWaiting(closedError())
    if (this.active > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve))
    await this.loading?.catch(() => undefined)
    this.unload('close')
    await this.unloading
  }

  private load(): Promise<LoadedModel> {
    if (this.loaded) return Promise.resolve(this.loaded)
    this.loading ??= this.startLoad()
    return this.loading
  }

  private async startLoad(): Promise<LoadedModel> {
    const { settings, location } = this
    try {
      if (this.unloading) await this.unloading
      const start = performance.now()
      if (location.remote && !(await location.present())) {
        this.state = 'downloading'
        this.downloadProgress = 0
        settings.logger.info({ model_file: location.fileName }, 'downloading the local model')
        await location.pull({
          signal: this.closing.signal,
          onProgress: (fraction) => {
            this.downloadProgress = fraction
          },
        })
        this.downloadProgress = null
      }
      this.state = 'loading'
      const loaded = await loadModel({
        path: location.path,
        sequences: settings.sequences,
        contextSize: settings.contextSize,
        threads: settings.threads,
        gpu: settings.gpu,
        logger: settings.logger,
      })
      if (this.closed) {
        await disposeModel(loaded)
        throw closedError()
      }
      const durationMs = Math.round(performance.now() - start)
      this.loaded = loaded
      this.knownBytes = loaded.bytes
      this.state = 'loaded'
      settings.logger.info(
        {
          model_file: location.fileName,
          bytes: loaded.bytes,
          context_length: loaded.contextSize,
          sequences: settings.sequences,
          gpu: loaded.llama.gpu,
          durationMs,
        },
        'local model loaded',
      )
      settings.observer?.loaded({ durationMs, bytes: loaded.bytes })
      // Loaded for `warm()`, or for calls that gave up while it loaded: idle from now on.
      if (this.active === 0) this.scheduleIdleUnload()
      return loaded
    } catch (error) {
      this.state = 'failed'
      this.lastFailure = error
      this.downloadProgress = null
      this.loading = null
      settings.logger.warn(
        { model_file: location.fileName, err: error },
        'the local model could not be loaded',
      )
      throw error
    }
  }

  private callStarted(): void {
    this.active++
    this.clearIdleTimer()
  }

  private callEnded(): void {
    this.active--
    if (this.active > 0) return
    for (const resolve of this.idleWaiters.splice(0)) resolve()
    this.scheduleIdleUnload()
  }

  private scheduleIdleUnload(): void {
    if (this.closed || this.settings.idleUnloadMs <= 0 || !this.loaded) return
    this.clearIdleTimer()
    this.idleTimer = setTimeout(() => this.unload('idle'), this.settings.idleUnloadMs)
    // An idle model must not keep the process alive.
    this.idleTimer.unref()
  }

  private clearIdleTimer(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer)
    this.idleTimer = null
  }

  /** Frees the model when no call holds it; the next call loads it again. */
  private unload(reason: 'idle' | 'close'): void {
    const loaded = this.loaded
    if (!loaded || this.active > 0) return
    this.loaded = null
    this.loading = null
    this.state = 'unloaded'
    this.unloading = disposeModel(loaded)
      .then(() => {
        this.settings.logger.info(
          { model_file: this.location.fileName, reason },
          'local model unloaded',
        )
        this.settings.observer?.unloaded(reason)
      })
      .catch((error: unknown) => {
        this.settings.logger.error(
          { model_file: this.location.fileName, err: error },
          'the local model could not be freed',
        )
      })
      .finally(() => {
        this.unloading = null
      })
  }
}
