import type { IncomingMessage } from 'node:http'
import {
  APICallError,
  type LanguageModelV3,
  type LanguageModelV3CallOptions,
  type LanguageModelV3FinishReason,
  type LanguageModelV3GenerateResult,
  type LanguageModelV3Prompt,
  type LanguageModelV3StreamPart,
  type LanguageModelV3StreamResult,
  type LanguageModelV3Usage,
} from '@ai-sdk/provider'
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
  id?: string
  model?: string
  choices?: ChatChoice[]
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null
  error?: { message?: string } | string
}

const FINISH_REASONS: Record<string, LanguageModelV3FinishReason['unified']> = {
  stop: 'stop',
  length: 'length',
  content_filter: 'content-filter',
  tool_calls: 'tool-calls',
  function_call: 'tool-calls',
}

function finishReason(raw: string | null | undefined): LanguageModelV3FinishReason {
  return { unified: (raw && FINISH_REASONS[raw]) || 'other', raw: raw ?? undefined }
}

function usageOf(reply: ChatReply['usage']): LanguageModelV3Usage {
  return {
    inputTokens: {
      total: reply?.prompt_tokens,
      noCache: undefined,
      cacheRead: undefined,
      cacheWrite: undefined,
    },
    outputTokens: { total: reply?.completion_tokens, text: undefined, reasoning: undefined },
  }
}

function messages(prompt: LanguageModelV3Prompt): { role: string; content: string }[] {
  return prompt.map((message) => ({
    role: message.role,
    content:
      typeof message.content === 'string'
        ? message.content
        : message.content.map((part) => (part.type === 'text' ? part.text : '')).join(''),
  }))
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

function parseReply(text: string): ChatReply {
  const reply = JSON.parse(text) as unknown
  if (typeof reply !== 'object' || reply === null) {
    throw new TypeError('the reply is not a chat-completions object')
  }
  return reply as ChatReply
}

function errorText(error: ChatReply['error']): string {
  return typeof error === 'string' ? error : (error?.message ?? JSON.stringify(error))
}

function headersOf(message: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(message.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value
  }
  return headers
}

/**
 * The AI SDK's language-model interface over OpenAI's chat-completions dialect, written against
 * `node:http` directly. The SDK's own client validates every reply and stream chunk through
 * several web streams and schemas: about 55 µs of CPU per streamed token here, which at
 * thousands of tokens a second is most of a core. This one parses the event stream in place and
 * raises the SDK's `APICallError` for HTTP failures, so retries and error translation stay the
 * same for every provider.
 */
export class ChatCompletionsModel implements LanguageModelV3 {
  readonly specificationVersion = 'v3'
  readonly provider = 'openai-compatible.chat'
  readonly supportedUrls = {}
  readonly modelId: string
  private readonly url: URL
  private readonly headers: Record<string, string>

  constructor(private readonly settings: ChatCompletionsSettings) {
    this.modelId = settings.modelId
    this.url = new URL(`${settings.baseUrl.replace(/\/+$/, '')}/chat/completions`)
    this.headers = {
      'content-type': 'application/json',
      ...(settings.apiKey ? { authorization: `Bearer ${settings.apiKey}` } : {}),
    }
  }

  async doGenerate(options: LanguageModelV3CallOptions): Promise<LanguageModelV3GenerateResult> {
    const message = await this.post(options, false)
    const reply = parseReply(await readBody(message))
    // Some servers answer a failure with 200 and an error object instead of an error status.
    if (reply.error !== undefined) {
      throw new Error(`the provider reported an error: ${errorText(reply.error)}`)
    }
    const choice = reply.choices?.[0]
    const text = choice?.message?.content ?? ''
    return {
      content: text ? [{ type: 'text', text }] : [],
      finishReason: finishReason(choice?.finish_reason),
      usage: usageOf(reply.usage),
      response: { ...(reply.id ? { id: reply.id } : {}), modelId: reply.model ?? this.modelId },
      warnings: [],
    }
  }

  async doStream(options: LanguageModelV3CallOptions): Promise<LanguageModelV3StreamResult> {
    const message = await this.post(options, true)
    const eventStream = /^text\/event-stream/i.test(message.headers['content-type'] ?? '')
    const stream = new ReadableStream<LanguageModelV3StreamPart>({
      start: (controller) =>
        eventStream ? pipeEvents(message, controller) : pipeWholeReply(message, controller),
      cancel: () => {
        message.destroy()
      },
    })
    return { stream, response: { headers: headersOf(message) } }
  }

  /** Sends the request; a reply with an error status becomes an `APICallError`. */
  private async post(options: LanguageModelV3CallOptions, stream: boolean) {
    const body = JSON.stringify({
      model: this.modelId,
      messages: messages(options.prompt),
      ...(options.maxOutputTokens !== undefined ? { max_tokens: options.maxOutputTokens } : {}),
      ...(options.temperature !== undefined ? { temperature: options.temperature } : {}),
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
      signal: options.abortSignal,
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

type Parts = ReadableStreamDefaultController<LanguageModelV3StreamPart>

/** Turns `data:` events into stream parts as they arrive; `[DONE]` or the end closes it. */
function pipeEvents(message: IncomingMessage, parts: Parts): void {
  let pending = ''
  let data = ''
  let started = false
  let announced = false
  let reason: LanguageModelV3FinishReason = finishReason(undefined)
  let usage = usageOf(undefined)
  let closed = false
  const finish = () => {
    if (closed) return
    closed = true
    if (started) parts.enqueue({ type: 'text-end', id: '0' })
    parts.enqueue({ type: 'finish', finishReason: reason, usage })
    parts.close()
  }
  const fail = (error: unknown) => {
    if (closed) return
    closed = true
    parts.error(error)
    message.destroy()
  }
  const dispatch = (payload: string) => {
    if (payload === '[DONE]') return finish()
    const chunk = parseReply(payload)
    if (chunk.error !== undefined) {
      throw new Error(`the provider reported an error mid-stream: ${errorText(chunk.error)}`)
    }
    if (chunk.model && !announced) {
      announced = true
      parts.enqueue({ type: 'response-metadata', modelId: chunk.model })
    }
    if (chunk.usage) usage = usageOf(chunk.usage)
    const choice = chunk.choices?.[0]
    const delta = choice?.delta?.content
    if (delta) {
      if (!started) parts.enqueue({ type: 'text-start', id: '0' })
      started = true
      parts.enqueue({ type: 'text-delta', id: '0', delta })
    }
    if (choice?.finish_reason) reason = finishReason(choice.finish_reason)
  }
  message.setEncoding('utf8')
  message.on('data', (text: string) => {
    if (closed) return
    pending += text
    let start = 0
    try {
      for (let end = pending.indexOf('\n'); end !== -1; end = pending.indexOf('\n', start)) {
        const line = pending.slice(start, end > start && pending[end - 1] === '\r' ? end - 1 : end)
        start = end + 1
        if (line === '') {
          if (data) dispatch(data)
          data = ''
        } else if (line.startsWith('data:')) {
          const value = line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5)
          data = data ? `${data}\n${value}` : value
        }
        // Comments (`: keep-alive`) and other fields carry nothing for a text generation.
        if (closed) return
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
}

/** A server that ignored `stream: true` and answered with one JSON reply: one delta, then done. */
function pipeWholeReply(message: IncomingMessage, parts: Parts): void {
  readBody(message)
    .then((body) => {
      const reply = parseReply(body)
      const choice = reply.choices?.[0]
      const text = choice?.message?.content ?? ''
      if (reply.model) parts.enqueue({ type: 'response-metadata', modelId: reply.model })
      if (text) {
        parts.enqueue({ type: 'text-start', id: '0' })
        parts.enqueue({ type: 'text-delta', id: '0', delta: text })
        parts.enqueue({ type: 'text-end', id: '0' })
      }
      parts.enqueue({
        type: 'finish',
        finishReason: finishReason(choice?.finish_reason),
        usage: usageOf(reply.usage),
      })
      parts.close()
    })
    .catch((error: unknown) => parts.error(error))
}
