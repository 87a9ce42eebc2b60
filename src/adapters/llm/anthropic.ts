import { createAnthropic } from '@ai-sdk/anthropic'
import type { LlmProvider } from '../../ports/llm-provider.js'
import { probeModelList } from './http-probe.js'
import { ModelProvider } from './model-provider.js'
import { createNodeFetch, HttpTransport } from './node-fetch.js'
import { sdkTextModel } from './sdk-model.js'
import type { ProviderSettings } from './settings.js'

const ANTHROPIC_VERSION = '2023-06-01'

/** Anthropic's Messages API. */
export function createAnthropicProvider(settings: ProviderSettings): LlmProvider {
  const { id, model, baseUrl, apiKey, maxReplyBytes, retry, logger } = settings
  const transport = new HttpTransport()
  const anthropic = createAnthropic({
    baseURL: baseUrl,
    apiKey: apiKey ?? '',
    fetch: createNodeFetch(maxReplyBytes, transport),
  })
  const headers = {
    accept: 'application/json',
    'x-api-key': apiKey ?? '',
    'anthropic-version': ANTHROPIC_VERSION,
  }
  return new ModelProvider({
    id,
    model,
    baseUrl,
    apiKey,
    createModel: (modelId) => sdkTextModel(anthropic.messages(modelId)),
    ping: (signal) => probeModelList(transport, `${baseUrl}/models`, headers, signal, id),
    retry,
    logger,
  })
}
