import type { IncomingMessage } from 'node:http'
import { StringDecoder } from 'node:string_decoder'
import { APICallError } from '@ai-sdk/provider'
import type { FinishReason, TokenUsage } from '../../ports/llm-provider.js'
import { MAX_EVENT_BYTES, readWhole } from './bounded-read.js'
import { ReplyErrorObjectError, ReplyTooLargeError, UnreadableReplyError } from './failures.js'
import type { TextCall, TextModel, TextReply } from './model-provider.js'
import type { HttpTransport } from './node-fetch.js'

export interface ChatCompletionsSettings {
  modelId: string
  /** Ends before `/chat/completions`, as in `LLM_BASE_URL`. */
  baseUrl: string
  apiKey: string | null
  /** Largest reply read, in bytes (`LLM_MAX_REPLY_BYTES`); a larger one fails the call. */
  maxReplyBytes: number
  transport: HttpTransport
}

/**
 * The parts of an OpenAI chat-completions reply or stream chunk that a text generation uses, as
 * the upstream should send them; anything may arrive instead, so each use checks the type (and
 * `reply-check.ts` checks usage and model once more).
 */
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

function finishReason(raw: unknown): FinishReason {
  return (
    (typeof raw === 'string' && Object.hasOwn(FINISH_REASONS, raw) && FINISH_REASONS[raw]) ||
    'other'
  )
}

/** Text content, or nothing when the field holds something else. */
function textOf(content: unknown): string {
  return typeof content === 'string' ? content : ''
}

function usageOf(reported: ChatReply['usage']): TokenUsage {
  const promptTokens = reported?.prompt_tokens ?? 0
  const completionTokens = reported?.completion_tokens ?? 0
  return { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens }
}

function errorText(error: unknown): string {
  if (typeof error === 'string') return error
  const message = (error as { message?: unknown } | null)?.message
  return typeof message === 'string' ? message : 'an error without a message'
}

/** What a body that cannot be used looks like, for a message that never quotes it. */
function summary(what: string, message: IncomingMessage, bytes: number): string {
  const type =
    message.headers['content-type']?.split(';')[0]?.trim().slice(0, 80) || 'no content type'
  return `${what} (${type}, ${bytes} bytes)`
}

/**
 * A reply or chunk as JSON; an error object in it (some servers send one with 200) fails. The
 * errors say what the text is not, never what it is: a parse error would quote its first
 * characters, which may be anything the upstream chose to send, a key included.
 */
function parseReply(text: string, message: IncomingMessage, bytes: number): ChatReply {
  let reply: unknown
  try {
    reply = JSON.parse(text)
  } catch {
    const what = text.trim() === '' ? 'the reply is empty' : 'the reply is not JSON'
    throw new UnreadableReplyError(summary(what, message, bytes))
  }
  if (typeof reply !== 'object' || reply === null || Array.isArray(reply)) {
    throw new UnreadableReplyError(summary('the reply is not a JSON object', message, bytes))
  }
  const { error } = reply as ChatReply
  if (error !== undefined && error !== null) throw new ReplyErrorObjectError(errorText(error))
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
    const { modelId, maxReplyBytes } = this.settings
    if (call.onText && eventStream) return readEvents(message, call.onText, modelId, maxReplyBytes)
    // A whole reply, also from a server that ignored `stream: true`.
    const body = await readWhole(message, maxReplyBytes)
    const reply = parseReply(body.toString('utf8'), message, body.length)
    const choice = Array.isArray(reply.choices) ? reply.choices[0] : undefined
    const text = textOf(choice?.message?.content)
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
    // An error body is read within the same limit; the classifier quotes only its message.
    const responseBody = await readWhole(message, this.settings.maxReplyBytes).then(
      (bytes) => bytes.toString('utf8'),
      () => '',
    )
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
 * is complete at `[DONE]` or at the end of the body. Every byte is looked at once: a line is
 * searched for its end only in the bytes that arrived since, and no line may grow past
 * {@link MAX_EVENT_BYTES} nor the whole past `maxReplyBytes`, so an endless line or stream fails
 * the call instead of blocking the event loop or filling the memory.
 */
function readEvents(
  message: IncomingMessage,
  onText: (delta: string) => void,
  modelId: string,
  maxReplyBytes: number,
): Promise<TextReply> {
  return new Promise<TextReply>((resolve, reject) => {
    const reply: TextReply = {
      text: '',
      finishReason: 'other',
      usage: usageOf(undefined),
      model: modelId,
    }
    const maxLineLength = Math.min(MAX_EVENT_BYTES, maxReplyBytes)
    const decoder = new StringDecoder('utf8')
    let bytes = 0
    // The unfinished line, and the `data:` lines of the unfinished event.
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
      const chunk = parseReply(payload, message, bytes)
      if (chunk.model) reply.model = chunk.model
      if (chunk.usage) reply.usage = usageOf(chunk.usage)
      const choice = Array.isArray(chunk.choices) ? chunk.choices[0] : undefined
      if (choice?.finish_reason) reply.finishReason = finishReason(choice.finish_reason)
      const delta = textOf(choice?.delta?.content)
      if (delta) {
        reply.text += delta
        onText(delta)
      }
    }
    const onLine = (line: string) => {
      if (line === '') {
        if (data) dispatch(data)
        data = ''
      } else if (line.startsWith('data:')) {
        const value = line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5)
        data = data ? `${data}\n${value}` : value
        if (data.length > maxLineLength) throw new ReplyTooLargeError('event', maxLineLength)
      }
      // Comments (`: keep-alive`) and other fields carry nothing for a text generation.
    }
    message.on('data', (chunk: Buffer) => {
      if (settled) return
      bytes += chunk.length
      if (bytes > maxReplyBytes) return fail(new ReplyTooLargeError('reply', maxReplyBytes))
      const text = decoder.write(chunk)
      let start = 0
      try {
        for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
          let line = pending + text.slice(start, end)
          pending = ''
          if (line.endsWith('\r')) line = line.slice(0, -1)
          start = end + 1
          onLine(line)
          if (settled) return
        }
      } catch (error) {
        return fail(error)
      }
      pending += text.slice(start)
      if (pending.length > maxLineLength) fail(new ReplyTooLargeError('event', maxLineLength))
    })
    message.once('end', () => {
      try {
        const rest = pending + decoder.end()
        if (rest) onLine(rest.endsWith('\r') ? rest.slice(0, -1) : rest)
        if (data) dispatch(data)
        finish()
      } catch (error) {
        fail(error)
      }
    })
    message.once('error', fail)
  })
}
