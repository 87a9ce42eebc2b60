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

export interface CompletionRequest {
  messages: ChatMessage[]
  /** Overrides the provider's default model (already checked against the allow-list). */
  model?: string | undefined
  temperature?: number | undefined
  maxOutputTokens?: number | undefined
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
 * A model provider: OpenAI, Anthropic, or any server speaking OpenAI's chat-completions dialect.
 * Adapters own the vendor's client, its retries and the translation of its errors.
 */
export interface LlmProvider {
  /** The provider's row in `src/llm-providers.ts`: `openai`, `anthropic` or `openai-compatible`. */
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
}
