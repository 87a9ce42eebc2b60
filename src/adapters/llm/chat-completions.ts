import type { IncomingMessage } from 'node:http'
import { APICallError } from '@ai-sdk/provider'
import type { FinishReason, TokenUsage } from '../../ports/llm-provider.js'
import type { TextCall, TextModel, TextReply } from './model-provider.js'
import type { HttpTransport } from './node-fetch.js'

export interface ChatCompletionsSettings {
  modelId: string
  /** Ends before `/chat/completions`, as in `LLM_BASE_URL`. */
  baseUrl: string
  apiKey: string | null
  transport: HttpTransport
}

/** The parts of an OpenAI chat-completions reply or stream chunk that a text generation uses. */
interface ChatChoice {
  message?: { content?: string | null }
  delta?: { content?: string | null }
  finish_reason?: string | null
}

interface ChatReply {
  model?: string
  choices?: ChatChoice[]
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null
  error?: { message?: string } | string
}

const FINISH_REASONS: Record<string, FinishReason> = {
  stop: 'stop',
  length: 'length',
  content_filter: 'content-filter',
}

function finishReason(raw: string | null | undefined): FinishReason {
  return (raw && FINISH_REASONS[raw]) || 'other'
}

function usageOf(reported: ChatReply['usage']): TokenUsage {
  const promptTokens = reported?.prompt_tokens ?? 0
  const completionTokens = reported?.completion_tokens ?? 0
  return { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens }
}

function readBody(message: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = ''
    message.setEncoding('utf8')
    message.on('data', (chunk: string) => (body += chunk))
    message.once('end', () => resolve(body))
    message.once('error', reject)
  })
}

function errorText(error: ChatReply['error']): string {
  return typeof error === 'string' ? error : (error?.message ?? JSON.stringify(error))
}

/** A reply or chunk as JSON; an error object in it (some servers send one with 200) fails. */
function parseReply(text: string): ChatReply {
  const reply = JSON.parse(text) as unknown
  if (typeof reply !== 'object' || reply === null) {
    throw new TypeError('the reply is not a chat-completions object')
  }
  const { error } = reply as ChatReply
  if (error !== undefined) throw new Error(`the provider reported an error: ${errorText(error)}`)
  return reply as ChatReply
}

function headersOf(message: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(message.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value
  }
  return headers
}

/**
 * A client of OpenAI's chat-completions dialect written against `node:http` directly. The AI
 * SDK's client validates every reply and stream chunk through several web streams and schemas:
 * about 55 µs of CPU per streamed token here, which at thousands of tokens a second is most of a
 * core. This one parses the event stream as it arrives and hands each piece to `onText` in the
 * same turn of the event loop. HTTP failures are raised as the SDK's `APICallError`, so retries
 * and error translation are the same for every provider.
 */
export class ChatCompletionsModel implements TextModel {
  private readonly url: URL
  private readonly headers: Record<string, string>

  constructor(private readonly settings: ChatCompletionsSettings) {
    this.url = new URL(`${settings.baseUrl.replace(/\/+$/, '')}/chat/completions`)
    this.headers = {
      'content-type': 'application/json',
      ...(settings.apiKey ? { authorization: `Bearer ${settings.apiKey}` } : {}),
    }
  }

  async reply(call: TextCall): Promise<TextReply> {
    const message = await this.post(call)
    const eventStream = /^text\/event-stream/i.test(message.headers['content-type'] ?? '')
    if (call.onText && eventStream) return readEvents(message, call.onText, this.settings.modelId)
    // A whole reply, also from a server that ignored `stream: true`.
    const reply = parseReply(await readBody(message))
    const choice = reply.choices?.[0]
    const text = choice?.message?.content ?? ''
    if (text) call.onText?.(text)
    return {
      text,
      finishReason: finishReason(choice?.finish_reason),
      usage: usageOf(reply.usage),
      model: reply.model ?? this.settings.modelId,
    }
  }

  /** Sends the request; a reply with an error status becomes an `APICallError`. */
  private async post(call: TextCall): Promise<IncomingMessage> {
    const stream = call.onText !== undefined
    const body = JSON.stringify({
      model: this.settings.modelId,
      messages: call.messages,
      ...(call.maxOutputTokens !== undefined ? { max_tokens: call.maxOutputTokens } : {}),
      ...(call.temperature !== undefined ? { temperature: call.temperature } : {}),
      ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
    })
    const message = await this.settings.transport.request(this.url, {
      method: 'POST',
      headers: {
        ...this.headers,
        accept: stream ? 'text/event-stream' : 'application/json',
        'content-length': String(Buffer.byteLength(body)),
      },
      body,
      signal: call.signal,
    })
    const status = message.statusCode ?? 502
    if (status >= 200 && status < 300) return message
    const responseBody = await readBody(message).catch(() => '')
    throw new APICallError({
      message: `HTTP ${status}`,
      url: this.url.href,
      // Never the request body: it holds the prompt.
      requestBodyValues: undefined,
      statusCode: status,
      responseHeaders: headersOf(message),
      responseBody,
    })
  }
}

/**
 * Reads `data:` events as they arrive, passing each piece of text to `onText` at once; the reply
 * is complete at `[DONE]` or at the end of the body.
 */
function readEvents(
  message: IncomingMessage,
  onText: (delta: string) => void,
  modelId: string,
): Promise<TextReply> {
  return new Promise<TextReply>((resolve, reject) => {
    const reply: TextReply = {
      text: '',
      finishReason: 'other',
      usage: usageOf(undefined),
      model: modelId,
    }
    let pending = ''
    let data = ''
    let settled = false
    const finish = () => {
      if (settled) return
      settled = true
      resolve(reply)
    }
    const fail = (error: unknown) => {
      if (settled) return
      settled = true
      message.destroy()
      reject(error)
    }
    const dispatch = (payload: string) => {
      if (payload === '[DONE]') return finish()
      const chunk = parseReply(payload)
      if (chunk.model) reply.model = chunk.model
      if (chunk.usage) reply.usage = usageOf(chunk.usage)
      const choice = chunk.choices?.[0]
      if (choice?.finish_reason) reply.finishReason = finishReason(choice.finish_reason)
      const delta = choice?.delta?.content
      if (delta) {
        reply.text += delta
        onText(delta)
      }
    }
    message.setEncoding('utf8')
    message.on('data', (text: string) => {
      if (settled) return
      pending += text
      let start = 0
      try {
        for (let end = pending.indexOf('\n'); end !== -1; end = pending.indexOf('\n', start)) {
          const line = pending.slice(
            start,
            end > start && pending[end - 1] === '\r' ? end - 1 : end,
          )
          start = end + 1
          if (line === '') {
            if (data) dispatch(data)
            data = ''
          } else if (line.startsWith('data:')) {
            const value = line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5)
            data = data ? `${data}\n${value}` : value
          }
          // Comments (`: keep-alive`) and other fields carry nothing for a text generation.
          if (settled) return
        }
      } catch (error) {
        return fail(error)
      }
      pending = pending.slice(start)
    })
    message.once('end', () => {
      try {
        if (data) dispatch(data)
        finish()
      } catch (error) {
        fail(error)
      }
    })
    message.once('error', fail)
  })
}
