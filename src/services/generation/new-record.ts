import { randomUUID } from 'node:crypto'
import type { GenerationRecord } from '../../ports/generation-store.js'
import type { GenerationJob } from './generation-job.js'
import { UsageCounter } from './usage-counter.js'

/**
 * The history's record of a generation about to run here (`running`) or to wait for a worker
 * (`queued`), with a new id.
 */
export function newGenerationRecord(
  job: GenerationJob,
  fields: {
    status: 'running' | 'queued'
    /** The provider that will answer, as this process knows it. */
    provider: string | null
    /** The process that runs it; null while it waits in the queue. */
    instanceId: string | null
    /** Milliseconds since the epoch. */
    now: number
  },
): GenerationRecord {
  const createdAt = new Date(fields.now).toISOString()
  return {
    id: randomUUID(),
    createdAt,
    updatedAt: createdAt,
    status: fields.status,
    programmingLanguage: job.languageId,
    provider: fields.provider,
    model: job.model,
    request: job.input,
    result: null,
    attempts: [],
    usage: new UsageCounter().stored(),
    durationMs: null,
    error: null,
    idempotencyKey: job.idempotencyKey,
    requestHash: job.requestHash,
    instanceId: fields.instanceId,
    userId: job.owner,
  }
}

/** The job a stored record describes: what a worker needs to run it again. */
export function jobOfRecord(record: GenerationRecord): GenerationJob {
  return {
    input: record.request as GenerationJob['input'],
    languageId: record.programmingLanguage,
    // A queued record always names the model it was checked against.
    model: record.model as string,
    requestHash: record.requestHash ?? '',
    idempotencyKey: record.idempotencyKey,
    owner: record.userId,
  }
}
