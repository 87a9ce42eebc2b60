import type { Logger } from '../../../ports/logger.js'

/** How the local model is found, sized and run; config.ts builds it from the environment. */
export interface LocalModelSettings {
  /** LOCAL_MODEL as given (a file path, an http(s) URL of a .gguf, or hf:<user>/<repo>/<file>.gguf), or the path of the file found in modelsDir. */
  source: string
  /** Absolute LOCAL_MODELS_DIR: where URL/hf sources are stored (downloaded on first load when missing). */
  modelsDir: string
  /** Hugging Face endpoint for hf: sources (HF_ENDPOINT, default https://huggingface.co). */
  hfEndpoint: string
  /** Unload after this long without a call (LOCAL_IDLE_UNLOAD_S × 1000); 0 = never. */
  idleUnloadMs: number
  /** Context sequences = GENERATION_CONCURRENCY: one sequence per generation slot. */
  sequences: number
  /** Tokens per sequence (LOCAL_CONTEXT_SIZE); null = min(the model's training context, 8192). */
  contextSize: number | null
  /** CPU threads (LOCAL_THREADS); null = the CPU's math cores (`llama.cpuMathCores`). */
  threads: number | null
  /** LOCAL_GPU: 'auto' (a GPU build if installed, else CPU) or false (CPU). */
  gpu: 'auto' | false
  /** Limit of one call (LLM_DEADLINE_MS): past it, APP_ERR_PROVIDER_TIMEOUT. */
  timeoutMs: number
  logger: Logger
  observer?: LocalModelObserver
}

/** Receives the local model's lifecycle and per-call figures (metrics). */
export interface LocalModelObserver {
  loaded(info: { durationMs: number; bytes: number }): void
  unloaded(reason: 'idle' | 'close'): void
  /**
   * One call's generation: tokens generated, time to first token and total, in ms, both counted
   * from the moment the call holds a loaded model's slot (loading and waiting are not included).
   */
  generated(info: {
    promptTokens: number
    completionTokens: number
    firstTokenMs: number | null
    durationMs: number
  }): void
}
