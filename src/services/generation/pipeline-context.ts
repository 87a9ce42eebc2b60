import type { Language } from '../../analysis/language-registry.js'
import type { GenerationEvent, GenerationInput } from './types.js'
import type { ModelCall, UsageCounter } from './usage-counter.js'

/** The stages that ask the model. */
export type ModelStage = 'code' | 'tests' | 'docs'

/** One generation as its stages see it: the request, where events go, what counts the cost. */
export interface PipelineContext {
  input: GenerationInput
  language: Language
  model: string
  maxOutputTokens: number
  signal: AbortSignal
  emit?: ((event: GenerationEvent) => void) | undefined
  /** Whether model replies stream as `*.delta` events (someone is watching them arrive). */
  streamDeltas?: boolean | undefined
  /** Counts every model call's tokens; the result's `usage` is its count at the end. */
  usage: UsageCounter
  /** Told of every model call as it ends (for metrics), cancelled and failed ones too. */
  onCall?: ((stage: ModelStage, call: ModelCall, durationMs: number) => void) | undefined
}
