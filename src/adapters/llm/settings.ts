import type { Logger } from '../../ports/logger.js'
import type { RetryPolicy } from './model-provider.js'

/** What every provider adapter needs from the configuration. */
export interface ProviderSettings {
  model: string
  baseUrl: string
  apiKey: string | null
  retry: RetryPolicy
  logger: Logger
}
