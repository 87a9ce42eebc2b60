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

export type { GenerationEvent } from '../../schemas/generation-events.js'
