import { useState } from 'preact/hooks'
import { request } from '../../api/client.js'
import { ErrorNotice } from '../../components/error-notice.js'
import { formatDate } from '../../lib/format.js'
import { detailText } from './audit-detail.js'
import type { AuditPage } from './types.js'
import { useLoad } from '../../lib/use-load.js'
import { TableWrap } from '../../components/table-wrap.js'

const PAGE_SIZE = 25

/** Actions the server records (a filter also matches the ones under it: login → login.failed). */
const ACTIONS = ['login', 'login.failed', 'user', 'key', 'settings']

interface Filters {
  action: string
  user: string
  from: string
  to: string
}

const NO_FILTERS: Filters = { action: '', user: '', from: '', to: '' }

/** The audit trail, newest first, a page at a time, with the filters the API supports. */
export function AuditSection() {
  const [draft, setDraft] = useState<Filters>(NO_FILTERS)
  const [filters, setFilters] = useState<Filters>(NO_FILTERS)
  // Cursors of the pages before this one, to go back; the first page has none.
  const [cursors, setCursors] = useState<string[]>([])
  const cursor = cursors[cursors.length - 1]
  const page = useLoad(
    (signal) =>
      request<AuditPage>('/admin/audit', {
        signal,
        query: { ...filters, limit: PAGE_SIZE, cursor },
      }),
    JSON.stringify([filters, cursor]),
  )
  const invalidRange = draft.from && draft.to && draft.from > draft.to

  return (
    <div class="stack">
      <form
        class="audit-filters"
        onSubmit={(event) => {
          event.preventDefault()
          if (invalidRange) return
          setFilters({ ...draft, user: draft.user.trim() })
          setCursors([])
        }}
      >
        <div class="field">
          <label for="audit-action">Action</label>
          <select
            id="audit-action"
            value={draft.action}
            onChange={(event) => setDraft({ ...draft, action: event.currentTarget.value })}
          >
            <option value="">All actions</option>
            {ACTIONS.map((action) => (
              <option key={action} value={action}>
                {action}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="audit-user">Who acted (name or id)</label>
          <input
            id="audit-user"
            value={draft.user}
            maxLength={100}
            onInput={(event) => setDraft({ ...draft, user: event.currentTarget.value })}
          />
        </div>
        <div class="field">
          <label for="audit-from">From</label>
          <input
            id="audit-from"
            type="date"
            value={draft.from}
            aria-invalid={invalidRange ? 'true' : undefined}
            aria-describedby={invalidRange ? 'audit-range-error' : undefined}
            onChange={(event) => setDraft({ ...draft, from: event.currentTarget.value })}
          />
        </div>
        <div class="field">
          <label for="audit-to">To</label>
          <input
            id="audit-to"
            type="date"
            value={draft.to}
            onChange={(event) => setDraft({ ...draft, to: event.currentTarget.value })}
          />
        </div>
        <div class="row audit-buttons">
          <button type="submit" class="button primary" disabled={Boolean(invalidRange)}>
            Filter
          </button>
          <button
            type="button"
            class="button"
            onClick={() => {
              setDraft(NO_FILTERS)
              setFilters(NO_FILTERS)
              setCursors([])
            }}
          >
            Clear
          </button>
        </div>
      </form>
      {invalidRange && (
        <p id="audit-range-error" class="field-error">
          The From day is after the To day.
        </p>
      )}
      {page.error && <ErrorNotice error={page.error} onRetry={page.reload} />}
      <p role="status" class="muted small">
        {page.loading ? 'Loading the audit trail…' : ''}
      </p>
      {page.data && page.data.items.length === 0 && (
        <p>No entries{filters === NO_FILTERS ? '' : ' match these filters'}.</p>
      )}
      {page.data && page.data.items.length > 0 && (
        <TableWrap label="Audit trail">
          <table>
            <caption class="visually-hidden">Audit trail, newest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">Action</th>
                <th scope="col">Target</th>
                <th scope="col">Detail</th>
                <th scope="col">Address</th>
              </tr>
            </thead>
            <tbody>
              {page.data.items.map((entry) => (
                <tr key={entry.id}>
                  <td class="small nowrap">
                    <time dateTime={entry.at}>{formatDate(entry.at)}</time>
                  </td>
                  <td>{entry.actor_name ?? (entry.actor_id ? entry.actor_id : 'System or CLI')}</td>
                  <td>
                    <code>{entry.action}</code>
                  </td>
                  <td class="small break">{entry.target ?? '–'}</td>
                  <td class="small break">{detailText(entry.detail) || '–'}</td>
                  <td class="small">{entry.ip ?? '–'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      <nav class="row" aria-label="Audit pages">
        <button
          type="button"
          class="button"
          disabled={cursors.length === 0}
          onClick={() => setCursors(cursors.slice(0, -1))}
        >
          Newer entries
        </button>
        <span class="small muted">Page {cursors.length + 1}</span>
        <button
          type="button"
          class="button"
          disabled={!page.data?.next_cursor}
          onClick={() => page.data?.next_cursor && setCursors([...cursors, page.data.next_cursor])}
        >
          Older entries
        </button>
      </nav>
    </div>
  )
}
