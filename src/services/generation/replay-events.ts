import type { PublishedEvent } from './event-hub.js'
import type { GenerationInput, GenerationResult } from './types.js'

/** The events of a generation answered from the cache, for a client that streams. */
export function replayEvents(
  result: GenerationResult,
  input: GenerationInput,
  emit: (event: PublishedEvent) => void,
): void {
  emit({ type: 'started', data: { id: result.id, model: result.model } })
  emit({ type: 'code.done', data: { code: result.code, validation: result.validation } })
  if (input.include_tests) emit({ type: 'tests.done', data: result.tests })
  if (input.include_docs) emit({ type: 'docs.done', data: result.documentation })
  const { status, rounds, tests } = result.verification
  if (status !== 'skipped') emit({ type: 'verify.result', data: { round: rounds, status, tests } })
  emit({ type: 'metrics', data: result.metrics })
  emit({ type: 'completed', data: result })
}
