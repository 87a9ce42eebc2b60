import { createOpenAI } from '@ai-sdk/openai'
import type { LlmProvider } from '../../ports/llm-provider.js'
import { ChatCompletionsModel } from './chat-completions.js'
import { sdkClientOptions, sdkTextModel } from './sdk-model.js'
import type { ProviderSettings } from './settings.js'
import { createTransportProvider } from './transport-provider.js'

function bearer(apiKey: string | null): Record<string, string> {
  return apiKey
    ? { accept: 'application/json', authorization: `Bearer ${apiKey}` }
    : { accept: 'application/json' }
}

/** OpenAI's own API, through its chat-completions endpoint. */
export function createOpenAiProvider(settings: ProviderSettings): LlmProvider {
  return createTransportProvider(settings, bearer(settings.apiKey), (transport) => {
    const openai = createOpenAI(sdkClientOptions(settings, transport))
    // `.chat()`: the SDK's default model speaks the Responses API, which OpenAI-like servers lack.
    return (modelId) => sdkTextModel(openai.chat(modelId))
  })
}

/**
 * Any server that speaks OpenAI's chat-completions dialect: Ollama, vLLM, LM Studio,
 * llama.cpp server… told apart only by `LLM_BASE_URL` and an optional key. These are the servers
 * a deployment runs next to itself, where the client's own cost per call and per token shows, so
 * they get the lean client of `chat-completions.ts`.
 */
export function createOpenAiCompatibleProvider(settings: ProviderSettings): LlmProvider {
  const { baseUrl, apiKey, maxReplyBytes } = settings
  return createTransportProvider(
    settings,
    bearer(apiKey),
    (transport) => (modelId) =>
      new ChatCompletionsModel({ modelId, baseUrl, apiKey, maxReplyBytes, transport }),
  )
}
