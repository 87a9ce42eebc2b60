import { useState } from 'preact/hooks'
import { request } from '../../api/client.js'
import { toApiError, type ApiError } from '../../api/errors.js'
import { useSession } from '../../api/session.js'
import { ErrorNotice } from '../../components/error-notice.js'
import { Link } from '../../components/link.js'
import { Pager, useCursorTrail } from '../../components/pager.js'
import { formatCount, formatDuration } from '../../lib/format.js'
import { useLoad } from '../../lib/use-load.js'
import { setQuery, useLocation } from '../../router.js'
import { HISTORY_STATUSES, promptPreview, readFilters } from './listing.js'
import { EntriesTable } from './entries-table.js'
import { ListFilterFields } from './filter-fields.js'
import { ConfirmButton } from '../../components/confirm-button.js'
import { StatusBadge, TimeAgo, useLanguages } from './parts.js'
import type { GenerationSummary, Page } from '../../api/generation-types.js'
import './history.css'

/**
 * Past generations, newest first: searched, filtered by language and status, and paged by the
 * API. The filters live in the URL, so a filtered list can be bookmarked and shared.
 */
export function HistoryPage() {
  const { query } = useLocation()
  const { me } = useSession()
  const filters = readFilters(query, HISTORY_STATUSES)
  const languages = useLanguages()
  const [actionFailure, setActionFailure] = useState<ApiError | null>(null)
  const trail = useCursorTrail(filters.cursor)
  const [announcement, setAnnouncement] = useState('')
  const canPickUser = me?.auth === 'on' && me.admin
  const user = canPickUser ? filters.user : ''

  const list = useLoad(
    (signal) =>
      request<Page<GenerationSummary>>('/generations', {
        query: {
          limit: filters.limit,
          cursor: filters.cursor,
          programming_language: filters.language,
          status: filters.status,
          user,
          q: filters.q.trim(),
        },
        signal,
      }),
    [filters.language, filters.status, user, filters.limit, filters.cursor, filters.q.trim()].join(
      '\n',
    ),
  )
  const { data: page, loading } = list
  const failure = list.error ?? actionFailure

  /** A server-side filter changed: back to the first page. */
  const filter = (values: Record<string, string>) => {
    trail.reset()
    setQuery({ ...values, cursor: null })
  }

  const shown = page?.items ?? []

  const remove = async (item: GenerationSummary) => {
    try {
      await request(`/generations/${encodeURIComponent(item.id)}`, { method: 'DELETE' })
      list.setData((current) =>
        current
          ? { ...current, items: current.items.filter((entry) => entry.id !== item.id) }
          : current,
      )
      setAnnouncement(`Deleted “${promptPreview(item.prompt, 60)}”.`)
    } catch (error) {
      setActionFailure(toApiError(error))
    }
  }

  const filtered = Boolean(filters.language || filters.status || filters.q || filters.user)
  return (
    <section class="history">
      <h1>History</h1>
      <ListFilterFields
        idPrefix="history"
        filters={filters}
        languages={languages}
        statuses={HISTORY_STATUSES}
        canPickUser={canPickUser}
        searchHint="Finds the generations whose prompt contains the text, in every page."
        onFilter={filter}
        onSearch={(q) => filter({ q })}
      />

      <p class="list-status muted small" role="status" aria-live="polite">
        {loading
          ? 'Loading generations…'
          : page
            ? `${shown.length} generation${shown.length === 1 ? '' : 's'} on this page${filters.q.trim() ? ' match the search' : ''}.`
            : ''}{' '}
        {announcement}
      </p>

      {failure && <ErrorNotice error={failure} onRetry={list.reload} />}

      {page && shown.length === 0 && !loading && (
        <div class="card empty">
          {filtered || filters.cursor ? (
            <p>No generation matches these filters.</p>
          ) : (
            <p>No generations yet.</p>
          )}
          <p>
            <Link href="/">Generate code</Link> to see it here.
          </p>
        </div>
      )}

      {shown.length > 0 && (
        <EntriesTable
          label="Generations"
          columns={[
            { label: 'Prompt' },
            { label: 'Status' },
            { label: 'Language' },
            { label: 'Tokens', number: true },
            { label: 'Duration', number: true },
            { label: 'Created' },
          ]}
        >
          {shown.map((item) => (
            <tr key={item.id}>
              <td class="prompt">
                <Link href={`/history/${encodeURIComponent(item.id)}`}>
                  {promptPreview(item.prompt) || item.id}
                </Link>
                {item.error && <div class="muted small">{promptPreview(item.error, 140)}</div>}
              </td>
              <td data-label="Status">
                <StatusBadge status={item.status} />
              </td>
              <td data-label="Language">{item.programming_language}</td>
              <td data-label="Tokens" class="number">
                {formatCount(item.usage.total_tokens)}
              </td>
              <td data-label="Duration" class="number">
                {formatDuration(item.duration_ms)}
              </td>
              <td data-label="Created">
                <TimeAgo iso={item.created_at} />
              </td>
              <td class="actions">
                <ConfirmButton
                  small
                  label="Delete"
                  subject={`generation “${promptPreview(item.prompt, 40)}”`}
                  question="Delete this generation?"
                  confirmLabel="Yes, delete"
                  onConfirm={() => remove(item)}
                />
              </td>
            </tr>
          ))}
        </EntriesTable>
      )}

      {page && <Pager noun="generations" busy={loading} {...trail.pagerProps(page.next_cursor)} />}
    </section>
  )
}
