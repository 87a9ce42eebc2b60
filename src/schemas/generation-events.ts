import type { SyntaxErrorReport } from './analysis.js'
import type { ErrorResponse } from './error.js'
import type { GenerationMetrics, GenerationResult } from './generation.js'
import type { TestCounts, Verification } from './verification.js'

// The events of POST /api/generate/stream and GET /api/ws. Types only: the service emits them,
// streaming/ frames them, and neither has to import the other for it.

/**
 * What a generation reports as it runs, for streaming clients. Deltas are emitted only when
 * someone listens, since they make the model calls stream.
 */
export type GenerationEvent =
  | { type: 'started'; data: { id: string; model: string } }
  | { type: 'code.delta'; data: { text: string } }
  | { type: 'code.done'; data: { code: string; validation: GenerationResult['validation'] } }
  | {
      type: 'repair'
      data: { stage: 'code' | 'tests'; attempt: number; syntax_errors: SyntaxErrorReport[] }
    }
  | { type: 'tests.delta'; data: { text: string } }
  | { type: 'tests.done'; data: GenerationResult['tests'] }
  | { type: 'docs.delta'; data: { text: string } }
  | { type: 'docs.done'; data: GenerationResult['documentation'] }
  | { type: 'verify.started'; data: { round: number } }
  | {
      type: 'verify.result'
      data: { round: number; status: Verification['status']; tests: TestCounts }
    }
  | { type: 'fix'; data: { round: number; reason: string } }
  | { type: 'metrics'; data: GenerationMetrics | null }
  | { type: 'completed'; data: GenerationResult }

/** A generation event as observers see it: errors are events too, in the one error body. */
export type PublishedEvent = GenerationEvent | { type: 'error'; data: ErrorResponse }
