import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3Prompt,
  LanguageModelV3Usage,
} from '@ai-sdk/provider'
import type { ChatMessage, FinishReason, TokenUsage } from '../../ports/llm-provider.js'
import { UnreadableReplyError } from './failures.js'
import type { TextCall, TextModel, TextReply } from './model-provider.js'
import { createNodeFetch, type HttpTransport } from './node-fetch.js'
import type { ProviderSettings } from './settings.js'

const FINISH_REASONS = new Set<FinishReason>(['stop', 'length', 'content-filter'])

function finishReason(unified: string): FinishReason {
  return FINISH_REASONS.has(unified as FinishReason) ? (unified as FinishReason) : 'other'
}

function tokenUsage(usage: LanguageModelV3Usage | undefined): TokenUsage {
  const promptTokens = usage?.inputTokens.total ?? 0
  const completionTokens = usage?.outputTokens.total ?? 0
  return { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens }
}

function toPrompt(messages: ChatMessage[]): LanguageModelV3Prompt {
  return messages.map((message) =>
    message.role === 'system'
      ? { role: 'system', content: message.content }
      : { role: message.role, content: [{ type: 'text', text: message.content }] },
  )
}

/**
 * What an AI SDK provider package (`createOpenAI`, `createAnthropic`) needs to send its calls
 * through `transport`, reading replies no larger than `LLM_MAX_REPLY_BYTES`.
 */
export function sdkClientOptions(
  settings: ProviderSettings,
  transport: HttpTransport,
): { baseURL: string; apiKey: string; fetch: typeof fetch } {
  return {
    baseURL: settings.baseUrl,
    apiKey: settings.apiKey ?? '',
    fetch: createNodeFetch(settings.maxReplyBytes, transport),
  }
}

/** A vendor's client from the AI SDK provider packages (OpenAI, Anthropic) as a `TextModel`. */
export function sdkTextModel(model: LanguageModelV3): TextModel {
  return {
    async reply(call: TextCall): Promise<TextReply> {
      const options: LanguageModelV3CallOptions = {
        prompt: toPrompt(call.messages),
        abortSignal: call.signal,
        ...(call.temperature !== undefined ? { temperature: call.temperature } : {}),
        ...(call.maxOutputTokens !== undefined ? { maxOutputTokens: call.maxOutputTokens } : {}),
      }
      if (!call.onText) {
        const result = await model.doGenerate(options)
        return {
          text: result.content.map((part) => (part.type === 'text' ? part.text : '')).join(''),
          finishReason: finishReason(result.finishReason.unified),
          usage: tokenUsage(result.usage),
          model: result.response?.modelId ?? model.modelId,
        }
      }
      return stream(model, options, call.onText)
    },
  }
}

async function stream(
  model: LanguageModelV3,
  options: LanguageModelV3CallOptions,
  onText: (delta: string) => void,
): Promise<TextReply> {
  const { stream } = await model.doStream(options)
  const reply: TextReply = {
    text: '',
    finishReason: 'other',
    usage: tokenUsage(undefined),
    model: model.modelId,
  }
  const reader = stream.getReader()
  // Every event of a real stream names its response; a body that is no event stream (an error
  // page, a JSON error object) parses into none, and would otherwise pass as an empty reply.
  let answered = false
  try {
    for (;;) {
      const { done, value: part } = await reader.read()
      if (done) {
        if (!answered) throw new UnreadableReplyError('the reply carried no events')
        return reply
      }
      if (part.type === 'response-metadata' || part.type === 'text-delta') answered = true
      if (part.type === 'text-delta' && part.delta) {
        reply.text += part.delta
        onText(part.delta)
      } else if (part.type === 'finish') {
        reply.finishReason = finishReason(part.finishReason.unified)
        reply.usage = tokenUsage(part.usage)
      } else if (part.type === 'response-metadata' && part.modelId) {
        reply.model = part.modelId
      } else if (part.type === 'error') {
        throw part.error
      }
    }
  } finally {
    reader.releaseLock()
  }
}
