import type { Config } from '../../config.js'
import { llmProviderSpec, type LlmProviderId } from '../../llm-providers.js'
import type { LlmProvider } from '../../ports/llm-provider.js'
import type { Logger } from '../../ports/logger.js'
import { createAnthropicProvider } from './anthropic.js'
import { createOpenAiCompatibleProvider, createOpenAiProvider } from './openai-compatible.js'
import type { ProviderSettings } from './settings.js'

/** Builds a provider's adapter from the settings of its configuration. */
export type ProviderFactory = (settings: ProviderSettings) => LlmProvider

/**
 * The adapter of each row of the provider table (`src/llm-providers.ts`). A row without its
 * factory does not compile. A server speaking a dialect that already has a factory (another
 * OpenAI-compatible service with its own key variable and base URL) needs only its row and a
 * line here.
 */
const PROVIDER_FACTORIES: Readonly<Record<LlmProviderId, ProviderFactory>> = {
  openai: createOpenAiProvider,
  anthropic: createAnthropicProvider,
  'openai-compatible': createOpenAiCompatibleProvider,
}

/** The configured provider's adapter, or null when none is configured. */
export function createLlmProvider(config: Config['llm'], logger: Logger): LlmProvider | null {
  const { provider, model, baseUrl, apiKey } = config
  if (!provider || !model || !baseUrl) return null
  return PROVIDER_FACTORIES[provider]({
    id: provider,
    model,
    baseUrl,
    apiKey,
    maxReplyBytes: config.maxReplyBytes,
    logger,
    retry: {
      maxRetries: config.maxRetries,
      timeoutMs: config.timeoutMs,
      deadlineMs: config.deadlineMs,
      baseDelayMs: config.retryBaseMs,
      maxDelayMs: llmProviderSpec(provider).retry.maxDelayMs,
    },
  })
}
