import { useState } from 'preact/hooks'
import { request } from '../../api/client.js'
import { toApiError, type ApiError } from '../../api/errors.js'
import { ErrorNotice } from '../../components/error-notice.js'
import { ConfirmButton } from '../../components/confirm-button.js'
import { SecretOnce } from './secret-once.js'
import { formatDate } from '../../lib/format.js'
import type { ApiKey, ApiKeyCreated, User } from './types.js'
import { useLoad } from '../../lib/use-load.js'
import { TableWrap } from '../../components/table-wrap.js'

/** API keys: the signed-in user's own (create, revoke), and any user's (revoke). */
export function KeysSection(props: { auth: 'on' | 'off' }) {
  return (
    <div class="stack">
      {props.auth === 'on' ? (
        <OwnKeys />
      ) : (
        <p class="notice">
          API keys belong to users, so they need <code>AUTH=on</code>; this server runs with
          authentication off.
        </p>
      )}
      <UserKeys />
    </div>
  )
}

function OwnKeys() {
  const keys = useLoad(
    (signal) => request<{ items: ApiKey[] }>('/keys', { signal }).then((list) => list.items),
    'own-keys',
  )
  const [name, setName] = useState('')
  const [days, setDays] = useState('')
  const [busy, setBusy] = useState(false)
  const [failure, setFailure] = useState<ApiError | null>(null)
  const [created, setCreated] = useState<ApiKeyCreated | null>(null)
  const [daysError, setDaysError] = useState('')

  const submit = async (event: Event) => {
    event.preventDefault()
    setFailure(null)
    const trimmed = days.trim()
    const expires = trimmed === '' ? undefined : Number(trimmed)
    if (expires !== undefined && (!Number.isInteger(expires) || expires < 1 || expires > 3650)) {
      setDaysError(
        'Enter whole days from 1 to 3650, or leave it blank for a key that does not expire.',
      )
      return
    }
    setDaysError('')
    setBusy(true)
    try {
      const answer = await request<ApiKeyCreated>('/keys', {
        method: 'POST',
        body: { name: name.trim(), ...(expires === undefined ? {} : { expires_in_days: expires }) },
      })
      setCreated(answer)
      setName('')
      setDays('')
      keys.reload()
    } catch (error) {
      setFailure(toApiError(error))
    } finally {
      setBusy(false)
    }
  }

  const revoke = async (key: ApiKey) => {
    setFailure(null)
    try {
      await request(`/keys/${encodeURIComponent(key.id)}`, { method: 'DELETE' })
      keys.reload()
    } catch (error) {
      setFailure(toApiError(error))
    }
  }

  return (
    <section class="card" aria-labelledby="own-keys-title">
      <h3 id="own-keys-title">Your API keys</h3>
      <form onSubmit={(event) => void submit(event)}>
        <div class="grid-2">
          <div class="field">
            <label for="key-name">Key name</label>
            <input
              id="key-name"
              required
              maxLength={100}
              value={name}
              onInput={(event) => setName(event.currentTarget.value)}
            />
          </div>
          <div class="field">
            <label for="key-days">Expires after (days)</label>
            <input
              id="key-days"
              inputMode="numeric"
              value={days}
              placeholder="Never"
              aria-invalid={daysError ? 'true' : undefined}
              aria-describedby="key-days-hint"
              onInput={(event) => setDays(event.currentTarget.value)}
            />
            <span id="key-days-hint" class={daysError ? 'field-error' : 'hint small'}>
              {daysError || 'Blank: the key does not expire.'}
            </span>
          </div>
        </div>
        <button type="submit" class="button primary" disabled={busy}>
          {busy ? 'Creating…' : 'Create key'}
        </button>
      </form>
      {created && (
        <SecretOnce
          title={`The key "${created.name}":`}
          secret={created.key}
          onDone={() => setCreated(null)}
        />
      )}
      {failure && <ErrorNotice error={failure} />}
      <KeyTable title="Your keys" loaded={keys} onRevoke={(key) => revoke(key)} />
    </section>
  )
}

function UserKeys() {
  const users = useLoad(
    (signal) => request<{ items: User[] }>('/admin/users', { signal }).then((list) => list.items),
    'users',
  )
  const [userId, setUserId] = useState('')
  const [failure, setFailure] = useState<ApiError | null>(null)
  const selected = users.data?.find((user) => user.id === userId) ?? null
  const keys = useLoad(
    (signal) =>
      userId
        ? request<{ items: ApiKey[] }>(`/admin/users/${encodeURIComponent(userId)}/keys`, {
            signal,
          }).then((list) => list.items)
        : Promise.resolve([]),
    `user-keys-${userId}`,
  )

  const revoke = async (key: ApiKey) => {
    setFailure(null)
    try {
      await request(
        `/admin/users/${encodeURIComponent(userId)}/keys/${encodeURIComponent(key.id)}`,
        { method: 'DELETE' },
      )
      keys.reload()
    } catch (error) {
      setFailure(toApiError(error))
    }
  }

  return (
    <section class="card" aria-labelledby="user-keys-title">
      <h3 id="user-keys-title">Keys of a user</h3>
      {users.error && <ErrorNotice error={users.error} onRetry={users.reload} />}
      <div class="field narrow">
        <label for="keys-user">User</label>
        <select
          id="keys-user"
          value={userId}
          onChange={(event) => setUserId(event.currentTarget.value)}
        >
          <option value="">Choose a user…</option>
          {(users.data ?? []).map((user) => (
            <option key={user.id} value={user.id}>
              {user.name}
            </option>
          ))}
        </select>
      </div>
      {failure && <ErrorNotice error={failure} />}
      {selected && (
        <KeyTable
          title={`Keys of ${selected.name}`}
          loaded={keys}
          onRevoke={(key) => revoke(key)}
        />
      )}
    </section>
  )
}

function keyState(key: ApiKey): { text: string; tone: string } {
  if (key.revoked_at) return { text: 'Revoked', tone: 'danger' }
  if (key.expires_at && Date.parse(key.expires_at) <= Date.now()) {
    return { text: 'Expired', tone: 'warn' }
  }
  return { text: 'Active', tone: 'ok' }
}

function KeyTable(props: {
  title: string
  loaded: { data: ApiKey[] | null; error: ApiError | null; loading: boolean; reload: () => void }
  onRevoke: (key: ApiKey) => Promise<void>
}) {
  const { data, error, loading, reload } = props.loaded
  if (error) return <ErrorNotice error={error} onRetry={reload} />
  if (loading && !data) return <p role="status">Loading keys…</p>
  if (!data || data.length === 0) return <p class="muted">No API keys.</p>
  return (
    <TableWrap label={props.title}>
      <table>
        <caption class="visually-hidden">{props.title}</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Starts with</th>
            <th scope="col">State</th>
            <th scope="col">Created</th>
            <th scope="col">Expires</th>
            <th scope="col">Last used</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {data.map((key) => {
            const state = keyState(key)
            return (
              <tr key={key.id}>
                <th scope="row">{key.name}</th>
                <td>
                  <code>{key.prefix}…</code>
                </td>
                <td>
                  <span class={`badge ${state.tone}`}>{state.text}</span>
                </td>
                <td class="small">{formatDate(key.created_at)}</td>
                <td class="small">{key.expires_at ? formatDate(key.expires_at) : 'Never'}</td>
                <td class="small">{key.last_used_at ? formatDate(key.last_used_at) : 'Never'}</td>
                <td>
                  {!key.revoked_at && (
                    <ConfirmButton
                      label="Revoke"
                      subject={`key ${key.name}`}
                      question={`Revoke ${key.name}? Programs using it stop working.`}
                      confirmLabel="Yes, revoke"
                      small
                      onConfirm={() => props.onRevoke(key)}
                    />
                  )}
                </td>
              </tr>
            )
          })}
        </tbody>
      </table>
    </TableWrap>
  )
}
