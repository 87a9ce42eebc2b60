import type { LlmProviderId } from '../llm-providers.js'

/** One message of a conversation with the model. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant'
  content: string
}

/** Why the model stopped: `length` means the reply was cut off by the token limit. */
export type FinishReason = 'stop' | 'length' | 'content-filter' | 'other'

export interface TokenUsage {
  promptTokens: number
  completionTokens: number
  totalTokens: number
}

/**
 * One fenced code block and nothing else: three backticks, one of `tags` (or none), optionally a
 * space and one of `files`, a line break, the code, and a closing fence on its own line.
 */
export interface CodeBlockShape {
  kind: 'code-block'
  /** The fence tags the block may carry, as `PromptBuilder.fenceTags` lists them. */
  tags: readonly string[]
  /** File names the fence may name after its tag (a fix says which file it corrects). */
  files: readonly string[]
}

export type AnswerShape = CodeBlockShape

export interface CompletionRequest {
  messages: ChatMessage[]
  /** Overrides the provider's default model (already checked against the allow-list). */
  model?: string | undefined
  temperature?: number | undefined
  maxOutputTokens?: number | undefined
  /**
   * The answer's required shape. A provider that can constrain its decoding (the local model,
   * with a grammar) guarantees it; a remote one is only asked to by the prompt.
   */
  shape?: AnswerShape | undefined
  /**
   * Receives the reply as it streams. When set, the call streams, and once a first piece has
   * been delivered it is never retried (the receiver has seen it).
   */
  onText?: ((delta: string) => void) | undefined
}

export interface Completion {
  text: string
  finishReason: FinishReason
  usage: TokenUsage
  /** The model that answered. */
  model: string
  /** HTTP attempts this call took, retries included. */
  attempts: number
}

/**
 * A model provider: OpenAI, Anthropic, any server speaking OpenAI's chat-completions dialect, or a
 * GGUF model run inside this process. Adapters own the vendor's client, its retries and the
 * translation of its errors.
 */
export interface LlmProvider {
  /** The provider's row in `src/llm-providers.ts`: `openai`, `anthropic`, `openai-compatible` or `local`. */
  readonly id: LlmProviderId
  /** The model that generation uses by default. */
  readonly model: string
  /**
   * Checks that the provider is reachable and accepts the credentials, without generating
   * anything (a paid model is never called by a probe).
   * @throws AppError `APP_ERR_PROVIDER_UNAVAILABLE` or `APP_ERR_PROVIDER_TIMEOUT`
   */
  ping(signal: AbortSignal): Promise<void>
  /**
   * One model reply, retried on transient failures (connection errors, timeouts, 408, 409, 429,
   * 5xx, 529) with backoff that honours `Retry-After`, within the configured retries and deadline.
   * @throws AppError `APP_ERR_PROVIDER_UNAVAILABLE` (unreachable, overloaded, credentials
   *   rejected, quota exhausted, request refused) or `APP_ERR_PROVIDER_TIMEOUT`; the `signal`'s
   *   reason when it aborts the call.
   */
  complete(request: CompletionRequest, signal: AbortSignal): Promise<Completion>
  /**
   * Fields the health report adds to this provider's entry, read at each report (a local
   * model's file, size, context length, threads and load state). Remote providers have none.
   */
  details?(): Record<string, unknown>
  /**
   * Readies the provider before the first call (a local model loads its weights), so that the
   * first generation does not pay for it. Failures are the caller's to log; calls retry later.
   */
  warm?(): Promise<void>
  /** Frees what the provider holds (a loaded model, its contexts) at shutdown. */
  close?(): Promise<void>
}
