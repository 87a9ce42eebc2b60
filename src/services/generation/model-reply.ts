import type { AnswerShape, ChatMessage, Completion, LlmProvider } from '../../ports/llm-provider.js'
import type { ModelStage, PipelineContext } from './pipeline-context.js'
import type { PromptBuilder } from './prompts.js'
import type { AttemptReport, UsageReport } from './types.js'
import type { ModelCall } from './usage-counter.js'

/** Follow-up calls allowed when a reply hits the output limit, before it counts as cut off. */
export const MAX_CONTINUATIONS = 2

export interface Reply {
  text: string
  truncated: boolean
  finishReason: AttemptReport['finish_reason']
  continuations: number
  usage: UsageReport
  model: string
}

/** One model answer, continued while it stops at the output limit. */
export async function askModel(
  llm: LlmProvider,
  prompts: PromptBuilder,
  context: PipelineContext,
  stage: ModelStage,
  messages: ChatMessage[],
): Promise<Reply> {
  const { input, model, maxOutputTokens, signal, emit } = context
  // This reply's own usage, reported with its attempt; the generation's is the counter's.
  const usage: UsageReport = {
    prompt_tokens: 0,
    completion_tokens: 0,
    total_tokens: 0,
    llm_calls: 0,
  }
  let streamedTokens = 0
  const onText =
    emit && context.streamDeltas
      ? (text: string) => {
          streamedTokens++
          emit({ type: `${stage}.delta`, data: { text } })
        }
      : undefined
  let text = ''
  const conversation = [...messages]
  // Code and tests come back as one fenced block; a provider that can constrain its decoding
  // (the local model) then cannot answer with prose. A continuation goes on inside the block.
  const shape: AnswerShape | undefined =
    stage === 'docs'
      ? undefined
      : {
          kind: 'code-block',
          tags: prompts.fenceTags(context.language),
          files: [context.language.generation.code_file, context.language.generation.test_file],
        }
  for (let continuation = 0; ; continuation++) {
    const start = performance.now()
    streamedTokens = 0
    let completion: Completion
    try {
      completion = await llm.complete(
        {
          messages: conversation,
          model,
          temperature: input.options.temperature,
          maxOutputTokens,
          shape: continuation === 0 ? shape : undefined,
          onText,
        },
        signal,
      )
    } catch (error) {
      settle(context, stage, { error, streamedTokens }, start)
      throw error
    }
    settle(context, stage, { usage: completion.usage }, start)
    usage.prompt_tokens += completion.usage.promptTokens
    usage.completion_tokens += completion.usage.completionTokens
    usage.total_tokens += completion.usage.totalTokens
    usage.llm_calls += 1
    text += completion.text
    const cutOff = completion.finishReason === 'length'
    if (!cutOff || continuation >= MAX_CONTINUATIONS) {
      return {
        text,
        truncated: cutOff,
        finishReason: completion.finishReason,
        continuations: continuation,
        usage,
        model: completion.model,
      }
    }
    conversation.push({ role: 'assistant', content: completion.text }, prompts.continuation())
  }
}

/** Counts a model call that ended, and tells the observer. */
function settle(context: PipelineContext, stage: ModelStage, call: ModelCall, start: number): void {
  context.usage.count(call)
  context.onCall?.(stage, call, performance.now() - start)
}
