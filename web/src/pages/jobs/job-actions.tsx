import { useState } from 'preact/hooks'
import { request } from '../../api/client.js'
import { toApiError, type ApiError } from '../../api/errors.js'
import type { Job } from '../../api/job-types.js'

/** Cancel (queued or running) or Retry (failed or cancelled) for one job. */
export function JobActions(props: {
  job: Job
  /** What the job is, for the buttons' accessible names. */
  what: string
  small?: boolean
  onChanged: (job: Job) => void
  onError: (error: ApiError) => void
}) {
  const { job } = props
  const [busy, setBusy] = useState(false)
  const size = props.small ? ' small' : ''
  const act = async (action: 'cancel' | 'retry') => {
    setBusy(true)
    try {
      props.onChanged(
        await request<Job>(`/jobs/${encodeURIComponent(job.id)}/${action}`, { method: 'POST' }),
      )
    } catch (error) {
      props.onError(toApiError(error))
    } finally {
      setBusy(false)
    }
  }
  if (job.status === 'queued' || job.status === 'running') {
    return (
      <button
        type="button"
        class={`button secondary${size}`}
        disabled={busy}
        aria-label={`Cancel ${props.what}`}
        onClick={() => void act('cancel')}
      >
        {busy ? 'Cancelling…' : 'Cancel'}
      </button>
    )
  }
  if (job.status === 'failed' || job.status === 'cancelled') {
    return (
      <button
        type="button"
        class={`button secondary${size}`}
        disabled={busy}
        aria-label={`Retry ${props.what}`}
        onClick={() => void act('retry')}
      >
        {busy ? 'Retrying…' : 'Retry'}
      </button>
    )
  }
  return null
}

/** A job's stage or place in the queue, in words, for next to its status. */
export function jobDetail(job: Job): string | null {
  if (job.status === 'queued') return job.position ? `#${job.position} in queue` : null
  if (job.status === 'running') return job.stage ? `stage: ${job.stage}` : 'starting'
  return null
}
