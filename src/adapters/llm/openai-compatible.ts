import { createOpenAI } from '@ai-sdk/openai'
import type { LlmProvider } from '../../ports/llm-provider.js'
import { ChatCompletionsModel } from './chat-completions.js'
import { probeModelList } from './http-probe.js'
import { ModelProvider } from './model-provider.js'
import { createNodeFetch, HttpTransport } from './node-fetch.js'
import { sdkTextModel } from './sdk-model.js'
import type { ProviderSettings } from './settings.js'

function bearer(apiKey: string | null): Record<string, string> {
  return apiKey
    ? { accept: 'application/json', authorization: `Bearer ${apiKey}` }
    : { accept: 'application/json' }
}

/** OpenAI's own API, through its chat-completions endpoint. */
export function createOpenAiProvider(settings: ProviderSettings): LlmProvider {
  const { id, model, baseUrl, apiKey, maxReplyBytes, retry, logger } = settings
  const transport = new HttpTransport()
  // `.chat()`: the SDK's default model speaks the Responses API, which OpenAI-like servers lack.
  const openai = createOpenAI({
    baseURL: baseUrl,
    apiKey: apiKey ?? '',
    fetch: createNodeFetch(maxReplyBytes, transport),
  })
  return new ModelProvider({
    id,
    model,
    baseUrl,
    apiKey,
    createModel: (modelId) => sdkTextModel(openai.chat(modelId)),
    ping: (signal) => probeModelList(transport, `${baseUrl}/models`, bearer(apiKey), signal, id),
    retry,
    logger,
  })
}

/**
 * Any server that speaks OpenAI's chat-completions dialect: Ollama, vLLM, LM Studio,
 * llama.cpp server… told apart only by `LLM_BASE_URL` and an optional key. These are the servers
 * a deployment runs next to itself, where the client's own cost per call and per token shows, so
 * they get the lean client of `chat-completions.ts`.
 */
export function createOpenAiCompatibleProvider(settings: ProviderSettings): LlmProvider {
  const { id, model, baseUrl, apiKey, maxReplyBytes, retry, logger } = settings
  const transport = new HttpTransport()
  return new ModelProvider({
    id,
    model,
    baseUrl,
    apiKey,
    createModel: (modelId) =>
      new ChatCompletionsModel({ modelId, baseUrl, apiKey, maxReplyBytes, transport }),
    ping: (signal) => probeModelList(transport, `${baseUrl}/models`, bearer(apiKey), signal, id),
    retry,
    logger,
  })
}
