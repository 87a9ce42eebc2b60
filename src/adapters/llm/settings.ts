import type { LlmProviderId } from '../../llm-providers.js'
import type { Logger } from '../../ports/logger.js'
import type { LocalModelSettings } from './local/settings.js'
import type { RetryPolicy } from './model-provider.js'

/** What every provider adapter needs from the configuration. */
export interface ProviderSettings {
  /** The row of the provider table this adapter serves (one factory may serve several rows). */
  id: LlmProviderId
  model: string
  /** The API's base URL; empty for a provider in this process. */
  baseUrl: string
  apiKey: string | null
  /** Largest reply read per call, in bytes (`LLM_MAX_REPLY_BYTES`). */
  maxReplyBytes: number
  retry: RetryPolicy
  logger: Logger
  /** The model run in this process (`endpoint: 'in-process'` rows); null for the others. */
  local: LocalModelSettings | null
}
