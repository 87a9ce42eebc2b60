import { createAnthropic } from '@ai-sdk/anthropic'
import type { LlmProvider } from '../../ports/llm-provider.js'
import { sdkClientOptions, sdkTextModel } from './sdk-model.js'
import type { ProviderSettings } from './settings.js'
import { createTransportProvider } from './transport-provider.js'

const ANTHROPIC_VERSION = '2023-06-01'

/** Anthropic's Messages API. */
export function createAnthropicProvider(settings: ProviderSettings): LlmProvider {
  const probeHeaders = {
    accept: 'application/json',
    'x-api-key': settings.apiKey ?? '',
    'anthropic-version': ANTHROPIC_VERSION,
  }
  return createTransportProvider(settings, probeHeaders, (transport) => {
    const anthropic = createAnthropic(sdkClientOptions(settings, transport))
    return (modelId) => sdkTextModel(anthropic.messages(modelId))
  })
}
