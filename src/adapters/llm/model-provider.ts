import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3Prompt,
  LanguageModelV3Usage,
} from '@ai-sdk/provider'
import type { LlmProviderId } from '../../config.js'
import type {
  ChatMessage,
  Completion,
  CompletionRequest,
  FinishReason,
  LlmProvider,
  TokenUsage,
} from '../../ports/llm-provider.js'
import type { Logger } from '../../ports/logger.js'
import { classifyFailure, type CallTarget, type Failure } from './failures.js'

/** How long and how often one completion may be tried. */
export interface RetryPolicy {
  /** Retries after the first attempt (`LLM_MAX_RETRIES`). */
  maxRetries: number
  /** Limit of one HTTP attempt (`LLM_TIMEOUT_MS`). */
  timeoutMs: number
  /** Limit of all attempts and waits together (`LLM_DEADLINE_MS`). */
  deadlineMs: number
  /** First backoff step; each retry doubles it, with jitter (`LLM_RETRY_BASE_MS`). */
  baseDelayMs: number
  maxDelayMs: number
}

export interface ModelProviderOptions {
  id: LlmProviderId
  model: string
  baseUrl: string
  /** Builds the vendor's model object for a model id (the AI SDK provider packages). */
  createModel: (modelId: string) => LanguageModelV3
  /** The free reachability probe used by health checks. */
  ping: (signal: AbortSignal) => Promise<void>
  retry: RetryPolicy
  logger: Logger
  random?: () => number
}

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

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error)
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal.reason as Error)
    }
    signal.addEventListener('abort', onAbort, { once: true })
  })
}

/** One attempt's outcome when it fails after the caller has already seen part of the reply. */
class DeliveredFailure extends Error {
  constructor(readonly failure: Failure) {
    super(failure.error.message)
  }
}

/**
 * A provider backed by an AI SDK language model. The SDK speaks the vendor's HTTP dialect;
 * retries, deadlines and error translation are ours, so that every vendor behaves the same.
 */
export class ModelProvider implements LlmProvider {
  readonly id: LlmProviderId
  readonly model: string
  private readonly models = new Map<string, LanguageModelV3>()
  private readonly random: () => number

  constructor(private readonly options: ModelProviderOptions) {
    this.id = options.id
    this.model = options.model
    this.random = options.random ?? Math.random
  }

  ping(signal: AbortSignal): Promise<void> {
    return this.options.ping(signal)
  }

  async complete(request: CompletionRequest, signal: AbortSignal): Promise<Completion> {
    const { retry, logger } = this.options
    const modelId = request.model ?? this.model
    const target: CallTarget = {
      provider: this.id,
      baseUrl: this.options.baseUrl,
      model: modelId,
      timeoutMs: retry.timeoutMs,
    }
    const deadline = Date.now() + retry.deadlineMs
    let previous: Failure | undefined
    for (let attempt = 1; ; attempt++) {
      const remaining = deadline - Date.now()
      const cutByDeadline = remaining < retry.timeoutMs
      const timeout = AbortSignal.timeout(Math.max(1, Math.min(retry.timeoutMs, remaining)))
      let failure: Failure
      try {
        return {
          ...(await this.attempt(modelId, request, AbortSignal.any([signal, timeout]))),
          attempts: attempt,
        }
      } catch (error) {
        if (signal.aborted) throw signal.reason
        if (error instanceof DeliveredFailure) throw error.failure.error
        failure = classifyFailure(error, target, timeout.aborted)
      }
      if (previous && timeout.aborted && cutByDeadline) {
        // A retry cut short by the overall deadline says nothing new about the upstream; the
        // failure that made us retry is the one a person can act on.
        previous.error.message += ` (after ${attempt} attempts; LLM_DEADLINE_MS ran out)`
        throw previous.error
      }
      previous = failure
      if (failure.credentials) {
        logger.error(
          { provider: this.id, base_url: this.options.baseUrl },
          'the model provider rejected the API key; every generation will fail until LLM_API_KEY is fixed',
        )
      }
      const backoff = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1))
      const wait = failure.retryAfterMs ?? backoff * (0.5 + this.random() * 0.5)
      const left = deadline - Date.now()
      if (!failure.retryable || attempt > retry.maxRetries || wait >= left) {
        if (failure.retryable && attempt > 1) {
          failure.error.message += ` (after ${attempt} attempts)`
        }
        throw failure.error
      }
      logger.warn(
        {
          provider: this.id,
          model: modelId,
          attempt,
          retry_in_ms: Math.round(wait),
          reason: failure.error.message,
        },
        'model call failed; retrying',
      )
      await sleep(wait, signal)
    }
  }

  private modelFor(modelId: string): LanguageModelV3 {
    let model = this.models.get(modelId)
    if (!model) {
      model = this.options.createModel(modelId)
      this.models.set(modelId, model)
    }
    return model
  }

  private async attempt(
    modelId: string,
    request: CompletionRequest,
    signal: AbortSignal,
  ): Promise<Omit<Completion, 'attempts'>> {
    const model = this.modelFor(modelId)
    const call: LanguageModelV3CallOptions = {
      prompt: toPrompt(request.messages),
      abortSignal: signal,
      ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
      ...(request.maxOutputTokens !== undefined
        ? { maxOutputTokens: request.maxOutputTokens }
        : {}),
    }
    if (!request.onText) {
      const result = await model.doGenerate(call)
      const text = result.content.map((part) => (part.type === 'text' ? part.text : '')).join('')
      return {
        text,
        finishReason: finishReason(result.finishReason.unified),
        usage: tokenUsage(result.usage),
        model: result.response?.modelId ?? modelId,
      }
    }
    return this.stream(model, modelId, call, request.onText, signal)
  }

  private async stream(
    model: LanguageModelV3,
    modelId: string,
    call: LanguageModelV3CallOptions,
    onText: (delta: string) => void,
    signal: AbortSignal,
  ): Promise<Omit<Completion, 'attempts'>> {
    const { stream } = await model.doStream(call)
    let text = ''
    let reason: FinishReason = 'other'
    let usage: TokenUsage = tokenUsage(undefined)
    let answeredBy = modelId
    const reader = stream.getReader()
    try {
      for (;;) {
        const { done, value: part } = await reader.read()
        if (done) break
        if (part.type === 'text-delta' && part.delta) {
          text += part.delta
          onText(part.delta)
        } else if (part.type === 'finish') {
          reason = finishReason(part.finishReason.unified)
          usage = tokenUsage(part.usage)
        } else if (part.type === 'response-metadata' && part.modelId) {
          answeredBy = part.modelId
        } else if (part.type === 'error') {
          throw part.error
        }
      }
    } catch (error) {
      if (text === '') throw error
      // The receiver already has part of this reply: trying again would show it twice.
      const target: CallTarget = {
        provider: this.id,
        baseUrl: this.options.baseUrl,
        model: modelId,
        timeoutMs: this.options.retry.timeoutMs,
      }
      throw new DeliveredFailure(classifyFailure(error, target, signal.aborted))
    } finally {
      reader.releaseLock()
    }
    return { text, finishReason: reason, usage, model: answeredBy }
  }
}
