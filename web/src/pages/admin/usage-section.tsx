import { useState } from 'preact/hooks'
import { request } from '../../api/client.js'
import { ErrorNotice } from '../../components/error-notice.js'
import { Chart } from '../../components/chart.js'
import { formatCount } from '../../lib/format.js'
import type { UsageReport, User } from './types.js'
import { useLoad } from '../../lib/use-load.js'
import { formatCost, tokenSeries, usageByUserAndModel } from './usage-series.js'
import { TableWrap } from '../../components/table-wrap.js'

const DAY_MS = 86_400_000

function isoDay(time: number): string {
  return new Date(time).toISOString().slice(0, 10)
}

/** Usage per user and model over a period: a chart of tokens per day, a table with the cost. */
export function UsageSection() {
  const [from, setFrom] = useState(() => isoDay(Date.now() - 29 * DAY_MS))
  const [to, setTo] = useState(() => isoDay(Date.now()))
  const [user, setUser] = useState('')
  const users = useLoad(
    (signal) => request<{ items: User[] }>('/admin/users', { signal }).then((list) => list.items),
    'users',
  )
  const rangeError =
    from && to && from > to ? 'The start is after the end: pick a From day before To.' : ''
  const report = useLoad(
    (signal) =>
      rangeError
        ? Promise.resolve(null)
        : request<UsageReport>('/admin/usage', { signal, query: { from, to, user } }),
    JSON.stringify([from, to, user, rangeError]),
  )
  const data = report.data
  const chart = data ? tokenSeries(data) : null
  const rows = data ? usageByUserAndModel(data) : []

  return (
    <div class="stack">
      <form class="row usage-filters" onSubmit={(event) => event.preventDefault()}>
        <div class="field">
          <label for="usage-from">From</label>
          <input
            id="usage-from"
            type="date"
            value={from}
            max={to || undefined}
            aria-invalid={rangeError ? 'true' : undefined}
            aria-describedby={rangeError ? 'usage-range-error' : undefined}
            onChange={(event) => setFrom(event.currentTarget.value)}
          />
        </div>
        <div class="field">
          <label for="usage-to">To</label>
          <input
            id="usage-to"
            type="date"
            value={to}
            min={from || undefined}
            onChange={(event) => setTo(event.currentTarget.value)}
          />
        </div>
        <div class="field">
          <label for="usage-user">User</label>
          <select
            id="usage-user"
            value={user}
            onChange={(event) => setUser(event.currentTarget.value)}
          >
            <option value="">All users</option>
            {(users.data ?? []).map((entry) => (
              <option key={entry.id} value={entry.id}>
                {entry.name}
              </option>
            ))}
          </select>
        </div>
      </form>
      {rangeError && (
        <p id="usage-range-error" class="field-error" role="alert">
          {rangeError}
        </p>
      )}
      {report.error && <ErrorNotice error={report.error} onRetry={report.reload} />}
      <p role="status" class="muted small">
        {report.loading ? 'Loading usage…' : ''}
      </p>
      {data && (
        <>
          <dl class="usage-totals">
            <div>
              <dt>Generations</dt>
              <dd>{formatCount(data.totals.generations)}</dd>
            </div>
            <div>
              <dt>Tokens</dt>
              <dd>{formatCount(data.totals.total_tokens)}</dd>
            </div>
            <div>
              <dt>Verification runs</dt>
              <dd>{formatCount(data.totals.verify_runs)}</dd>
            </div>
            <div>
              <dt>Estimated cost</dt>
              <dd>{formatCost(data.totals.estimated_cost_usd)}</dd>
            </div>
          </dl>
          {data.unpriced_models.length > 0 && (
            <p class="notice small">
              No price is set for {data.unpriced_models.join(', ')}, so their use has no cost
              estimate. Set prices under Settings.
            </p>
          )}
          {chart && (
            <Chart
              title="Tokens per day, by model"
              kind="line"
              labels={chart.labels}
              series={chart.series}
              xLabel="Day"
              height={260}
            />
          )}
          <h3 id="usage-table-title">By user and model</h3>
          {rows.length === 0 ? (
            <p class="muted">No use in this period.</p>
          ) : (
            <TableWrap label="Usage by user and model">
              <table aria-labelledby="usage-table-title">
                <thead>
                  <tr>
                    <th scope="col">User</th>
                    <th scope="col">Model</th>
                    <th scope="col" class="number">
                      Generations
                    </th>
                    <th scope="col" class="number">
                      Prompt tokens
                    </th>
                    <th scope="col" class="number">
                      Completion tokens
                    </th>
                    <th scope="col" class="number">
                      Total tokens
                    </th>
                    <th scope="col" class="number">
                      Verification runs
                    </th>
                    <th scope="col" class="number">
                      Estimated cost
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((row) => (
                    <tr key={`${row.user}\u0000${row.model}`}>
                      <th scope="row">{row.user}</th>
                      <td>{row.model}</td>
                      <td class="number">{formatCount(row.generations)}</td>
                      <td class="number">{formatCount(row.prompt_tokens)}</td>
                      <td class="number">{formatCount(row.completion_tokens)}</td>
                      <td class="number">{formatCount(row.total_tokens)}</td>
                      <td class="number">{formatCount(row.verify_runs)}</td>
                      <td class="number">{formatCost(row.estimated_cost_usd)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableWrap>
          )}
        </>
      )}
    </div>
  )
}
