import type { GenerationUsage } from '../../ports/generation-store.js'
import type { TokenUsage } from '../../ports/llm-provider.js'
import type { UsageReport } from './types.js'

/**
 * How one model call ended: with the provider's counts, or failed. A call that failed after
 * streaming part of its reply carries `streamedTokens`: the pieces that arrived, one token each
 * on OpenAI-compatible servers; providers report usage only at the end, so this count is all
 * there is of a reply cut short.
 */
export type ModelCall = { usage: TokenUsage } | { error: unknown; streamedTokens: number }

/**
 * The one count of a generation's tokens and model calls. The result reports it and the history
 * stores it, so the two agree whatever the outcome (completed, partial, failed or cancelled).
 */
export class UsageCounter {
  private promptTokens = 0
  private completionTokens = 0
  private totalTokens = 0
  private llmCalls = 0

  count(call: ModelCall): void {
    if ('error' in call) {
      // Cut short after part of the reply: those tokens were produced, and paid for.
      if (call.streamedTokens === 0) return
      this.completionTokens += call.streamedTokens
      this.totalTokens += call.streamedTokens
      this.llmCalls += 1
      return
    }
    this.promptTokens += call.usage.promptTokens
    this.completionTokens += call.usage.completionTokens
    this.totalTokens += call.usage.totalTokens
    this.llmCalls += 1
  }

  /** The count as the API reports it. */
  report(): UsageReport {
    return {
      prompt_tokens: this.promptTokens,
      completion_tokens: this.completionTokens,
      total_tokens: this.totalTokens,
      llm_calls: this.llmCalls,
    }
  }

  /** The count as the history stores it. */
  stored(): GenerationUsage {
    return {
      promptTokens: this.promptTokens,
      completionTokens: this.completionTokens,
      totalTokens: this.totalTokens,
      llmCalls: this.llmCalls,
    }
  }
}
