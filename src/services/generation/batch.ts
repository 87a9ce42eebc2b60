import { AppError, toAppError, toErrorBody } from '../../errors.js'
import type { Logger } from '../../ports/logger.js'
import type { BatchItem, Generated, RunOptions } from './generation-job.js'
import { Limiter } from './limiter.js'
import type { GenerationInput } from './types.js'

/**
 * Runs the requests of a batch, `concurrency` at a time; one failing never fails the others. A
 * failed item carries the API's one error body, as an HTTP error or a stream's error event would.
 */
export function runBatch(
  inputs: GenerationInput[],
  generate: (input: GenerationInput, options: RunOptions) => Promise<Generated>,
  settings: { concurrency: number; logger: Logger; signal?: AbortSignal; requestId: string },
): Promise<BatchItem[]> {
  const { signal, requestId, logger } = settings
  const batch = new Limiter(settings.concurrency)
  return Promise.all(
    inputs.map((input, index) =>
      batch.run(async (): Promise<BatchItem> => {
        try {
          const { result } = await generate(input, { signal, requestId })
          return { index, status: result.status, result }
        } catch (error) {
          if (signal?.aborted) throw error
          if (!(error instanceof AppError)) logger.error({ err: error, index }, 'batch item failed')
          return { index, status: 'error', error: toErrorBody(toAppError(error), requestId) }
        }
      }),
    ),
  )
}
