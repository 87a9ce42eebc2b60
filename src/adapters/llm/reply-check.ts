import type { Completion, FinishReason, TokenUsage } from '../../ports/llm-provider.js'
import type { Logger } from '../../ports/logger.js'

/** One model reply, before the attempts are counted (`TextReply` of model-provider.ts). */
type TextReply = Omit<Completion, 'attempts'>

/**
 * The largest token count one call may report. Far beyond any model's context window (2 M tokens
 * in 2026), and small enough that the sums of a generation's calls stay inside a 32-bit INTEGER
 * column of PostgreSQL (40 calls × 2 × 10 M < 2^31).
 */
export const MAX_REPORTED_TOKENS = 10_000_000

/** Longest model name kept; the API's own model option allows 200 characters. */
const MAX_MODEL_LENGTH = 200

const FINISH_REASONS = new Set<unknown>(['stop', 'length', 'content-filter', 'other'])

function count(value: unknown): number | null {
  return typeof value === 'number' &&
    Number.isSafeInteger(value) &&
    value >= 0 &&
    value <= MAX_REPORTED_TOKENS
    ? value
    : null
}

/** A printable name of sensible length: no control or format characters, no line breaks. */
function saneModel(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length > 0 &&
    value.length <= MAX_MODEL_LENGTH &&
    !/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(value)
  )
}

/**
 * A reply as the vendor's client passed it on, checked at the border: the fields come from the
 * upstream's JSON, whatever their declared types. A token count that is not a whole number from
 * 0 to {@link MAX_REPORTED_TOKENS} counts as 0, a model name that is not a short printable string
 * becomes the model that was asked for, text that is not a string is empty; each with a warning.
 * Nothing malformed reaches the history, where one bad row would fail every listing.
 */
export function checkReply(
  reply: TextReply,
  expected: { model: string; provider: string; logger: Logger },
): TextReply {
  const problems: string[] = []
  const usage = reply.usage as Partial<Record<keyof TokenUsage, unknown>> | null | undefined
  const promptTokens = count(usage?.promptTokens)
  const completionTokens = count(usage?.completionTokens)
  if (promptTokens === null) problems.push('usage.prompt_tokens')
  if (completionTokens === null) problems.push('usage.completion_tokens')
  const model = saneModel(reply.model) ? reply.model : expected.model
  if (model !== reply.model) problems.push('model')
  const text = typeof reply.text === 'string' ? reply.text : ''
  if (text !== reply.text) problems.push('text')
  const finishReason: FinishReason = FINISH_REASONS.has(reply.finishReason)
    ? reply.finishReason
    : 'other'
  if (finishReason !== reply.finishReason) problems.push('finish_reason')
  if (problems.length > 0) {
    expected.logger.warn(
      { provider: expected.provider, model: expected.model, fields: problems },
      'the model provider sent malformed fields; they were replaced',
    )
  }
  const prompt = promptTokens ?? 0
  const completion = completionTokens ?? 0
  return {
    text,
    finishReason,
    usage: { promptTokens: prompt, completionTokens: completion, totalTokens: prompt + completion },
    model,
  }
}
