import type { Config } from '../../config.js'
import { llmProviderSpec, type LlmProviderId } from '../../llm-providers.js'
import type { LlmProvider } from '../../ports/llm-provider.js'
import type { Logger } from '../../ports/logger.js'
import { AppError } from '../../errors.js'
import { createAnthropicProvider } from './anthropic.js'
import { createLocalProvider } from './local/index.js'
import type { LocalModelObserver } from './local/settings.js'
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
  local: (settings) => {
    if (!settings.local) throw new AppError('APP_ERR_INTERNAL', 'The local model has no settings')
    return createLocalProvider(settings.local)
  },
}

/** The configured provider's adapter, or null when none is configured. */
export function createLlmProvider(
  config: Config['llm'],
  logger: Logger,
  options: {
    /** Generations at once (`GENERATION_CONCURRENCY`): the local model's context sequences. */
    slots: number
    observer?: LocalModelObserver | undefined
  },
): LlmProvider | null {
  const { provider, model, baseUrl, apiKey, local } = config
  if (!provider || !model) return null
  const inProcess = llmProviderSpec(provider).endpoint === 'in-process'
  if (!inProcess && !baseUrl) return null
  return PROVIDER_FACTORIES[provider]({
    id: provider,
    model,
    baseUrl: baseUrl ?? '',
    apiKey,
    maxReplyBytes: config.maxReplyBytes,
    logger,
    local:
      inProcess && local.source !== null
        ? {
            source: local.source,
            modelsDir: local.modelsDir,
            hfEndpoint: local.hfEndpoint,
            idleUnloadMs: local.idleUnloadS * 1000,
            sequences: options.slots,
            contextSize: local.contextSize,
            threads: local.threads,
            gpu: local.gpu === 'off' ? false : 'auto',
            timeoutMs: config.deadlineMs,
            logger,
            ...(options.observer ? { observer: options.observer } : {}),
          }
        : null,
    retry: {
      maxRetries: config.maxRetries,
      timeoutMs: config.timeoutMs,
      deadlineMs: config.deadlineMs,
      baseDelayMs: config.retryBaseMs,
      maxDelayMs: llmProviderSpec(provider).retry.maxDelayMs,
    },
  })
}
