import { AppError } from '../../errors.js'
import type { GenerationJob, RunOptions } from '../generation/generation-job.js'
import type { GenerationResult } from '../generation/types.js'
import type { JobService } from './job-service.js'

/**
 * A generation run on a worker for a process that runs none (`WORKER_CONCURRENCY=0`): queued as
 * a job, followed through its events, and answered as if it ran here. A client that leaves
 * cancels it.
 */
export async function runQueued(
  jobs: JobService,
  job: GenerationJob,
  options: RunOptions,
): Promise<GenerationResult> {
  const { view } = await jobs.enqueue(job, null)
  const { id } = view.record
  options.onRecord?.(id)
  const onAbort = () => void jobs.cancel(id).catch(() => {})
  if (options.signal?.aborted) onAbort()
  options.signal?.addEventListener('abort', onAbort, { once: true })
  let stop = () => {}
  try {
    return await new Promise<GenerationResult>((resolve, reject) => {
      jobs
        .watch(id, (event) => {
          options.emit?.(event)
          if (event.type === 'completed') resolve(event.data)
          if (event.type === 'error') reject(new AppError(event.data.code, event.data.detail))
        })
        .then((unsubscribe) => (stop = unsubscribe), reject)
    })
  } finally {
    stop()
    options.signal?.removeEventListener('abort', onAbort)
  }
}
