import { useEffect, useState } from 'preact/hooks'
import { request, send } from '../../api/client.js'
import { ApiError, toApiError } from '../../api/errors.js'
import { readEvents } from '../../api/sse.js'
import { ErrorNotice } from '../../components/error-notice.js'
import { Link } from '../../components/link.js'
import { formatDate, formatDuration } from '../../lib/format.js'
import { useLoad } from '../../lib/use-load.js'
import { Term, Terms } from '../../components/terms.js'
import { NotLoaded } from '../history/not-loaded.js'
import { statusLook } from '../history/listing.js'
import { StatusBadge, usePageVisible } from '../history/parts.js'
import type { Job } from '../../api/job-types.js'
import {
  cancelProgress,
  initialProgress,
  parseGenerationEvent,
  reduceProgress,
  statusLine,
  type GenerationProgress,
} from '../generate/generation-state.js'
import { GenerationView } from '../generate/generation-view.js'
import { JobActions, jobDetail } from './job-actions.js'
import '../history/history.css'

/** How often a queued job is read again for its place in the queue. */
const QUEUE_POLL_MS = 3_000
/** Wait before following the events again after the stream ended early. */
const RECONNECT_MS = 2_000

/**
 * One job: its status, and the generation as the Generate page shows it — live while it runs
 * (following GET /api/jobs/{id}/events: the stage bar, the code as it is written), whole once it
 * is done — with cancel or retry.
 */
export function JobPage(props: { id: string }) {
  const path = `/jobs/${encodeURIComponent(props.id)}`
  const loaded = useLoad((signal) => request<Job>(path, { signal }), path)
  const { data: job, reload } = loaded
  const [actionFailure, setActionFailure] = useState<ApiError | null>(null)
  const [streamFailure, setStreamFailure] = useState<ApiError | null>(null)
  const [progress, setProgress] = useState<GenerationProgress | null>(null)
  // Bumped to follow the events again (after a retry, or a stream that ended early).
  const [follow, setFollow] = useState(0)
  const [now, setNow] = useState(Date.now())
  const visible = usePageVisible()
  const live = job ? statusLook(job.status).live : false

  // While the job waits or runs, follow its events: the stages and the code as they happen.
  useEffect(() => {
    if (!live) return
    const controller = new AbortController()
    let timer: number | undefined
    void (async () => {
      let state = initialProgress()
      let ended = false
      try {
        const response = await send(`${path}/events`, {
          signal: controller.signal,
          headers: { accept: 'text/event-stream' },
        })
        setStreamFailure(null)
        for await (const message of readEvents(response)) {
          const event = parseGenerationEvent(message.event, message.data)
          if (!event) continue
          // A run started again (its worker died, a retry) begins from nothing.
          if (event.type === 'started') state = initialProgress()
          // Cancelled on request: what ran stays, the rest was not run (rather than failed).
          state =
            event.type === 'error' && event.data.code === 'APP_ERR_GENERATION_CANCELLED'
              ? cancelProgress(state)
              : reduceProgress(state, event, Date.now())
          setProgress(state)
          if (event.type === 'completed' || event.type === 'error') {
            ended = true
            break
          }
        }
      } catch (error) {
        if (controller.signal.aborted) return
        setStreamFailure(toApiError(error))
      }
      if (controller.signal.aborted) return
      // The job record has the final word (and the result); if it still runs, follow again.
      reload()
      if (!ended) timer = window.setTimeout(() => setFollow((value) => value + 1), RECONNECT_MS)
    })()
    return () => {
      controller.abort()
      clearTimeout(timer)
    }
  }, [path, live, follow])

  // A queued job's place in the queue changes without an event, and the record may say it runs
  // a moment after its stream ended: read it again now and then.
  const settling = live && progress !== null && progress.phase !== 'running'
  useEffect(() => {
    if (!(job?.status === 'queued' || settling) || !visible) return
    const timer = window.setTimeout(reload, QUEUE_POLL_MS)
    return () => clearTimeout(timer)
  }, [job, visible, settling])

  // The running stage's clock.
  useEffect(() => {
    if (!live) return
    const timer = window.setInterval(() => setNow(Date.now()), 1_000)
    return () => clearInterval(timer)
  }, [live])

  const title = job?.prompt || null
  useEffect(() => {
    document.title = `${title ? title.slice(0, 40) : 'Job'} · Jobs · Verigen`
  }, [title])

  if (!job) {
    return (
      <NotLoaded
        noun="Job"
        id={props.id}
        back={{ href: '/jobs', label: 'Jobs' }}
        error={loaded.error}
        onRetry={reload}
      />
    )
  }

  // Ended while watched without a result (cancelled, failed): what ran stays, the rest did not.
  const shownProgress =
    progress && !live && progress.phase === 'running' ? cancelProgress(progress) : progress
  const liveText =
    job.status === 'queued'
      ? `Queued${job.position ? `, number ${job.position} in the queue` : ''}.`
      : job.status === 'running'
        ? shownProgress
          ? statusLine(shownProgress)
          : 'Running.'
        : `${statusLook(job.status).label}.`

  return (
    <section class="job stack">
      <div>
        <Link href="/jobs" class="back-link">
          ← Jobs
        </Link>
        <div class="title-row">
          <h1>Job</h1>
          <StatusBadge status={job.status} detail={jobDetail(job)} />
          <JobActions
            job={job}
            what="this job"
            onChanged={(changed) => {
              loaded.setData(() => changed)
              setActionFailure(null)
              if (statusLook(changed.status).live) {
                // A retried job runs again from the start.
                setProgress(null)
                setFollow((value) => value + 1)
              }
            }}
            onError={(error) => {
              setActionFailure(error)
              reload()
            }}
          />
        </div>
        <p class="visually-hidden" role="status" aria-live="polite">
          {liveText}
        </p>
        {actionFailure && <ErrorNotice error={actionFailure} />}
      </div>

      <div class="card stack">
        <h2 class="visually-hidden">Prompt</h2>
        {title ? (
          <p class="prompt-text">{title}</p>
        ) : (
          <p class="muted">The prompt could not be read from the history.</p>
        )}
        <Terms>
          <Term term="Language">{job.programming_language}</Term>
          <Term term="Created">{formatDate(job.created_at)}</Term>
          <Term term="Started">{formatDate(job.started_at)}</Term>
          <Term term="Finished">{formatDate(job.finished_at)}</Term>
          <Term term="Run time">
            {formatDuration(
              job.started_at
                ? (job.finished_at ? Date.parse(job.finished_at) : now) - Date.parse(job.started_at)
                : null,
            )}
          </Term>
          <Term term="Attempts">{String(job.attempts)}</Term>
          {job.callback_url && <Term term="Callback">{job.callback_url}</Term>}
          <Term term="Id" wide>
            <code>{job.id}</code>
          </Term>
        </Terms>
        <p class="small">
          <Link href={`/history/${encodeURIComponent(job.id)}`}>Open it in the history</Link>
        </p>
      </div>

      {job.error &&
        (job.error.code === 'APP_ERR_GENERATION_CANCELLED' ? (
          // Somebody asked for it: not an error to alarm about.
          <p class="notice">
            <strong>Cancelled.</strong> {job.error.detail} Retry to run it again.
          </p>
        ) : (
          <ErrorNotice error={new ApiError({ ...job.error })} />
        ))}

      <section aria-labelledby="job-generation" class="stack">
        <h2 id="job-generation">Generation</h2>
        {streamFailure && live && (
          <ErrorNotice error={streamFailure} advice="Following it again in a moment." />
        )}
        {job.result && !(live && shownProgress) ? (
          <GenerationView result={job.result} />
        ) : shownProgress ? (
          <GenerationView
            progress={shownProgress}
            language={job?.programming_language ?? null}
            now={now}
          />
        ) : (
          <p class="muted">
            {job.status === 'queued'
              ? 'Waiting for a worker to start it.'
              : live
                ? 'Waiting for the first event…'
                : 'It ended before there was anything to show.'}
          </p>
        )}
      </section>
    </section>
  )
}
