import type { ChatHistoryItem, LlamaChat, LlamaGrammar } from 'node-llama-cpp'
import { AppError } from '../../../errors.js'
import type { ChatMessage, FinishReason } from '../../../ports/llm-provider.js'

/**
 * Tokens a reply must have room for after the prompt; with less, the call could only end cut off
 * and the pipeline's continuations would not fit either.
 */
export const MIN_REPLY_TOKENS = 16

/** One generation on a context sequence that the call holds alone. */
export interface SlotCall {
  messages: readonly ChatMessage[]
  temperature?: number | undefined
  maxOutputTokens?: number | undefined
  grammar?: LlamaGrammar | undefined
  onText?: ((delta: string) => void) | undefined
  signal: AbortSignal
}

export interface SlotReply {
  text: string
  finishReason: FinishReason
  promptTokens: number
  completionTokens: number
  /** From the start of the call to the first piece of text; null when there was none. */
  firstTokenMs: number | null
  durationMs: number
}

/** The messages as node-llama-cpp's chat history, ending with the model's (empty) turn. */
export function toChatHistory(messages: readonly ChatMessage[]): ChatHistoryItem[] {
  const history = messages.map((message): ChatHistoryItem => {
    if (message.role === 'assistant') return { type: 'model', response: [message.content] }
    return { type: message.role, text: message.content }
  })
  return history
}

/**
 * Runs one reply on `chat`'s sequence: the prompt goes through the model's own chat template,
 * the output is capped so that prompt and reply fit the sequence's `contextSize`, and each
 * decoded piece reaches `onText` until the signal aborts (nothing after that).
 * @throws AppError `APP_ERR_PROVIDER_REJECTED` when the prompt leaves no room for a reply; the
 *   signal's reason when it aborts.
 */
export async function generateOnSlot(
  chat: LlamaChat,
  contextSize: number,
  call: SlotCall,
): Promise<SlotReply> {
  const start = performance.now()
  const history = toChatHistory(call.messages)
  // The same rendering LlamaChat evaluates: the template's text of the history and an open
  // model turn (it appends one when the history does not end with the model's).
  const promptHistory: ChatHistoryItem[] =
    history.at(-1)?.type === 'model' ? history : [...history, { type: 'model', response: [] }]
  const promptTokens = chat.chatWrapper
    .generateContextState({ chatHistory: promptHistory })
    .contextText.tokenize(chat.model.tokenizer).length
  // llama.cpp keeps one cell of a sequence free (LlamaContextSequence's free space is size - 1).
  const room = contextSize - 1 - promptTokens
  if (room < MIN_REPLY_TOKENS) {
    throw new AppError(
      'APP_ERR_PROVIDER_REJECTED',
      `The prompt takes ${promptTokens} tokens but the local model's context holds ${contextSize} per generation (${MIN_REPLY_TOKENS} kept for the reply); shorten the input or raise LOCAL_CONTEXT_SIZE`,
    )
  }
  const maxTokens = Math.max(1, Math.min(room, call.maxOutputTokens ?? room))
  const { signal, onText } = call
  let firstTokenMs: number | null = null
  // Every token the model decoded, thought segments included (onToken sees the answer's only).
  const meter = chat.sequence.tokenMeter
  const outputBefore = meter.usedOutputTokens
  const response = await chat.generateResponse(history, {
    signal,
    maxTokens,
    temperature: call.temperature,
    grammar: call.grammar,
    onTextChunk: (text) => {
      // A piece decoded while the abort was being delivered is dropped: after abort, nothing.
      if (signal.aborted || text === '') return
      firstTokenMs ??= performance.now() - start
      onText?.(text)
    },
  })
  return {
    text: response.response,
    finishReason: finishReason(response.metadata.stopReason),
    promptTokens,
    completionTokens: meter.usedOutputTokens - outputBefore,
    firstTokenMs,
    durationMs: performance.now() - start,
  }
}

function finishReason(stopReason: string): FinishReason {
  switch (stopReason) {
    case 'eogToken':
    case 'stopGenerationTrigger':
    case 'customStopTrigger':
      return 'stop'
    case 'maxTokens':
      return 'length'
    default:
      return 'other'
  }
}
