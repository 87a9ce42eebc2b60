import type { LlmProviderId } from '../../llm-providers.js'
import type {
  ChatMessage,
  Completion,
  CompletionRequest,
  LlmProvider,
} from '../../ports/llm-provider.js'
import type { Logger } from '../../ports/logger.js'
import { classifyFailure, type CallTarget, type Failure } from './failures.js'
import { checkReply } from './reply-check.js'

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
  /** Longest backoff step, unless the upstream asks for more (`retry` of the provider's row). */
  maxDelayMs: number
}

/** One HTTP attempt at a model reply, as a vendor's client makes it. */
export interface TextModel {
  /** Streams when `call.onText` is set, passing on each piece of the reply as it arrives. */
  reply(call: TextCall): Promise<TextReply>
}

export interface TextCall {
  messages: ChatMessage[]
  temperature?: number | undefined
  maxOutputTokens?: number | undefined
  signal: AbortSignal
  onText?: ((delta: string) => void) | undefined
}

export type TextReply = Omit<Completion, 'attempts'>

export interface ModelProviderOptions {
  id: LlmProviderId
  model: string
  baseUrl: string
  /** The key the calls carry, so that no error message repeats it. */
  apiKey?: string | null
  /** Builds the vendor's client for a model id. */
  createModel: (modelId: string) => TextModel
  /** The free reachability probe used by health checks. */
  ping: (signal: AbortSignal) => Promise<void>
  retry: RetryPolicy
  logger: Logger
  random?: () => number
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
 * A provider over a vendor's client (a `TextModel`): the client speaks the vendor's HTTP dialect;
 * retries, deadlines and error translation are ours, so that every vendor behaves the same.
 */
export class ModelProvider implements LlmProvider {
  readonly id: LlmProviderId
  readonly model: string
  private readonly models = new Map<string, TextModel>()
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
      apiKey: this.options.apiKey ?? null,
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
          ...(await this.attempt(modelId, target, request, AbortSignal.any([signal, timeout]))),
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

  private modelFor(modelId: string): TextModel {
    let model = this.models.get(modelId)
    if (!model) {
      model = this.options.createModel(modelId)
      this.models.set(modelId, model)
    }
    return model
  }

  private async attempt(
    modelId: string,
    target: CallTarget,
    request: CompletionRequest,
    signal: AbortSignal,
  ): Promise<TextReply> {
    let delivered = false
    const onText = request.onText
    try {
      const reply = await this.modelFor(modelId).reply({
        messages: request.messages,
        temperature: request.temperature,
        maxOutputTokens: request.maxOutputTokens,
        signal,
        onText: onText
          ? (delta) => {
              delivered = true
              onText(delta)
            }
          : undefined,
      })
      return checkReply(reply, { model: modelId, provider: this.id, logger: this.options.logger })
    } catch (error) {
      if (!delivered) throw error
      // The receiver already has part of this reply: trying again would show it twice.
      throw new DeliveredFailure(classifyFailure(error, target, signal.aborted))
    }
  }
}
