import { useEffect, useState } from 'preact/hooks'
import { request } from '../../api/client.js'
import type { ApiError } from '../../api/errors.js'
import { useSession } from '../../api/session.js'
import { ErrorNotice } from '../../components/error-notice.js'
import { Link } from '../../components/link.js'
import { Pager, useCursorTrail } from '../../components/pager.js'
import { formatDuration } from '../../lib/format.js'
import { useLoad } from '../../lib/use-load.js'
import { setQuery, useLocation } from '../../router.js'
import { EntriesTable } from '../history/entries-table.js'
import { ListFilterFields } from '../history/filter-fields.js'
import { JOB_FILTER_STATUSES, promptPreview, readFilters, statusLook } from '../history/listing.js'
import { StatusBadge, TimeAgo, useLanguages, usePageVisible } from '../history/parts.js'
import type { Page } from '../../api/generation-types.js'
import type { Job } from '../../api/job-types.js'
import { JobActions, jobDetail } from './job-actions.js'
import '../history/history.css'

/** How often a page with queued or running jobs is read again. */
const REFRESH_MS = 3_000

/** One page of jobs, and when it was read. */
interface Listed {
  page: Page<Job>
  now: number
}

function runTime(job: Job, now: number): number | null {
  if (!job.started_at) return null
  const end = job.finished_at ? Date.parse(job.finished_at) : now
  return end - Date.parse(job.started_at)
}

/**
 * Jobs, newest first, searched and filtered by status and language by the API. While any job
 * shown is queued or running, the page is read again every few seconds, but not while the tab
 * is hidden.
 */
export function JobsPage() {
  const { query } = useLocation()
  const { me } = useSession()
  const filters = readFilters(query, JOB_FILTER_STATUSES)
  const languages = useLanguages()
  const visible = usePageVisible()
  const [actionFailure, setActionFailure] = useState<ApiError | null>(null)
  const trail = useCursorTrail(filters.cursor)
  const canPickUser = me?.auth === 'on' && me.admin
  const user = canPickUser ? filters.user : ''

  const search = filters.q.trim()
  const list = useLoad<Listed>(async (signal) => {
    const page = await request<Page<Job>>('/jobs', {
      query: {
        limit: filters.limit,
        cursor: filters.cursor,
        status: filters.status,
        programming_language: filters.language,
        q: search,
        user,
      },
      signal,
    })
    return { page, now: Date.now() }
  }, [filters.status, filters.language, search, user, filters.limit, filters.cursor].join('\n'))
  const page = list.data?.page ?? null
  const now = list.data?.now ?? Date.now()
  const failure = list.error ?? actionFailure
  // A refresh keeps the list and its buttons as they are while it loads.
  const loading = list.changing

  // Queued and running jobs change: read the page again while any is shown and the tab is seen.
  const anyLive = (page?.items ?? []).some((job) => statusLook(job.status).live)
  const { reload } = list
  useEffect(() => {
    if (!anyLive || !visible) return
    const timer = window.setInterval(reload, REFRESH_MS)
    return () => clearInterval(timer)
  }, [anyLive, visible, reload])

  const filter = (values: Record<string, string>) => {
    trail.reset()
    setQuery({ ...values, cursor: null })
  }

  const shown = page?.items ?? []

  const replace = (changed: Job) =>
    list.setData((current) =>
      current
        ? {
            ...current,
            page: {
              ...current.page,
              items: current.page.items.map((job) => (job.id === changed.id ? changed : job)),
            },
          }
        : current,
    )

  const filtered = Boolean(filters.language || filters.status || filters.q || filters.user)
  return (
    <section class="jobs">
      <h1>Jobs</h1>
      <ListFilterFields
        idPrefix="jobs"
        filters={filters}
        languages={languages}
        statuses={JOB_FILTER_STATUSES}
        canPickUser={canPickUser}
        searchHint="Finds the jobs whose prompt contains the text, in every page."
        onFilter={filter}
        onSearch={(q) => filter({ q })}
      />

      <p class="list-status muted small" role="status" aria-live="polite">
        {loading && !page
          ? 'Loading jobs…'
          : page
            ? `${shown.length} job${shown.length === 1 ? '' : 's'} on this page${search ? ' match the search' : ''}.${anyLive ? (visible ? ' Refreshing every few seconds while jobs run.' : ' Refreshing paused while the tab is hidden.') : ''}`
            : ''}
      </p>

      {failure && <ErrorNotice error={failure} onRetry={reload} />}

      {page && shown.length === 0 && !(loading && page.items.length === 0) && (
        <div class="card empty">
          <p>{filtered || filters.cursor ? 'No job matches these filters.' : 'No jobs yet.'}</p>
          <p>
            On the <Link href="/">Generate</Link> page, send a long generation as a job to follow it
            here.
          </p>
        </div>
      )}

      {shown.length > 0 && (
        <EntriesTable
          label="Jobs"
          columns={[
            { label: 'Job' },
            { label: 'Status' },
            { label: 'Language' },
            { label: 'Attempts', number: true },
            { label: 'Run time', number: true },
            { label: 'Created' },
          ]}
        >
          {shown.map((job) => {
            const title = job.prompt ? promptPreview(job.prompt) : `Job ${job.id}`
            return (
              <tr key={job.id}>
                <td class="prompt">
                  <Link href={`/jobs/${encodeURIComponent(job.id)}`}>{title}</Link>
                  {job.error && (
                    <div class="muted small">{promptPreview(job.error.detail, 140)}</div>
                  )}
                </td>
                <td data-label="Status">
                  <StatusBadge status={job.status} detail={jobDetail(job)} />
                </td>
                <td data-label="Language">{job.programming_language}</td>
                <td data-label="Attempts" class="number">
                  {job.attempts}
                </td>
                <td data-label="Run time" class="number">
                  {formatDuration(runTime(job, now))}
                </td>
                <td data-label="Created">
                  <TimeAgo iso={job.created_at} now={now} />
                </td>
                <td class="actions">
                  <JobActions
                    small
                    job={job}
                    what={`job “${promptPreview(title, 40)}”`}
                    onChanged={replace}
                    onError={setActionFailure}
                  />
                </td>
              </tr>
            )
          })}
        </EntriesTable>
      )}

      {page && <Pager noun="jobs" busy={loading} {...trail.pagerProps(page.next_cursor)} />}
    </section>
  )
}
