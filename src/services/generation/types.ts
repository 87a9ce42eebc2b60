import type { SyntaxErrorReport } from '../../schemas/analysis.js'
import type { GenerationMetrics, GenerationResult } from '../../schemas/generation.js'

// What a generation takes and answers is the API's (src/schemas/generation.ts); the types follow
// from the schemas, so the service cannot return a field the routes do not declare.
export type {
  AttemptReport,
  GenerationInput,
  GenerationMetrics,
  GenerationResult,
  GenerationStage,
  UsageReport,
} from '../../schemas/generation.js'

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
  | { type: 'metrics'; data: GenerationMetrics | null }
  | { type: 'completed'; data: GenerationResult }
