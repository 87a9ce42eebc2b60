import type { LlmProviderId } from '../../llm-providers.js'
import type { Logger } from '../../ports/logger.js'
import type { RetryPolicy } from './model-provider.js'

/** What every provider adapter needs from the configuration. */
export interface ProviderSettings {
  /** The row of the provider table this adapter serves (one factory may serve several rows). */
  id: LlmProviderId
  model: string
  baseUrl: string
  apiKey: string | null
  /** Largest reply read per call, in bytes (`LLM_MAX_REPLY_BYTES`). */
  maxReplyBytes: number
  retry: RetryPolicy
  logger: Logger
}
