import type { LlmProviderId } from '../config.js'

/**
 * A model provider. The generation pipeline adds its calls to this port; the foundation needs
 * only the health probe.
 */
export interface LlmProvider {
  /** `openai`, `anthropic` or `openai-compatible`. */
  readonly id: LlmProviderId
  /** The model that generation uses by default. */
  readonly model: string
  /**
   * Checks that the provider is reachable and accepts the credentials, without generating
   * anything (a paid model is never called by a probe).
   * @throws AppError `APP_ERR_PROVIDER_UNAVAILABLE` or `APP_ERR_PROVIDER_TIMEOUT`
   */
  ping(signal: AbortSignal): Promise<void>
}
