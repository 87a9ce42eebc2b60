import { useState } from 'preact/hooks'
import { request } from '../../api/client.js'
import { toApiError, type ApiError } from '../../api/errors.js'
import { ErrorNotice } from '../../components/error-notice.js'
import { ConfirmButton } from '../../components/confirm-button.js'
import { SecretOnce } from './secret-once.js'
import { formatDate } from '../../lib/format.js'
import { limitsForm, limitsPatch, type FieldErrors, type LimitsForm } from './settings-form.js'
import {
  BUDGET_KEYS,
  BUDGET_LABELS,
  type Budgets,
  type SettingsDescription,
  type User,
  type UserCreated,
} from './types.js'
import { useLoad } from '../../lib/use-load.js'
import { TableWrap } from '../../components/table-wrap.js'

/** Users: create, disable or enable, make or remove admin, budgets, delete. */
export function UsersSection(props: { selfId: string | null }) {
  const users = useLoad(
    (signal) => request<{ items: User[] }>('/admin/users', { signal }).then((list) => list.items),
    'users',
  )
  // The default budgets, to say what a blank override means.
  const settings = useLoad(
    (signal) => request<SettingsDescription>('/admin/settings', { signal }),
    'settings',
  )
  const [failure, setFailure] = useState<ApiError | null>(null)
  const [status, setStatus] = useState('')
  const [editing, setEditing] = useState<string | null>(null)

  const change = async (user: User, body: Record<string, unknown>, done: string) => {
    setFailure(null)
    try {
      await request<User>(`/admin/users/${encodeURIComponent(user.id)}`, { method: 'PATCH', body })
      setStatus(done)
      users.reload()
    } catch (error) {
      setFailure(toApiError(error))
    }
  }

  const remove = async (user: User) => {
    setFailure(null)
    try {
      await request(`/admin/users/${encodeURIComponent(user.id)}`, { method: 'DELETE' })
      setStatus(`${user.name} was deleted.`)
      if (editing === user.id) setEditing(null)
      users.reload()
    } catch (error) {
      setFailure(toApiError(error))
    }
  }

  const editedUser = users.data?.find((user) => user.id === editing) ?? null

  return (
    <div class="stack">
      <CreateUser
        onCreated={(user) => {
          setStatus(`${user.name} was created.`)
          users.reload()
        }}
      />
      <h3 id="users-list-title">All users</h3>
      <p class="visually-hidden" aria-live="polite">
        {status}
      </p>
      {failure && <ErrorNotice error={failure} />}
      {users.error && <ErrorNotice error={users.error} onRetry={users.reload} />}
      {users.loading && !users.data && <p role="status">Loading users…</p>}
      {users.data && users.data.length === 0 && <p>No users yet.</p>}
      {users.data && users.data.length > 0 && (
        <TableWrap label="All users">
          <table aria-labelledby="users-list-title">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Role</th>
                <th scope="col">State</th>
                <th scope="col">Budgets</th>
                <th scope="col">Last login</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {users.data.map((user) => (
                <tr key={user.id}>
                  <th scope="row">
                    {user.name}
                    {user.id === props.selfId && <span class="muted small"> (you)</span>}
                    {user.external && <span class="muted small"> (external)</span>}
                  </th>
                  <td>
                    {user.admin ? (
                      <span class="badge warn">Admin</span>
                    ) : (
                      <span class="badge">User</span>
                    )}
                  </td>
                  <td>
                    {user.disabled ? (
                      <span class="badge danger">Disabled</span>
                    ) : (
                      <span class="badge ok">Active</span>
                    )}
                  </td>
                  <td class="small">{limitsSummary(user)}</td>
                  <td class="small nowrap">
                    {user.last_login_at ? formatDate(user.last_login_at) : 'Never'}
                  </td>
                  <td>
                    <div class="row actions">
                      <button
                        type="button"
                        class="button small"
                        aria-label={`${user.disabled ? 'Enable' : 'Disable'} ${user.name}`}
                        onClick={() =>
                          void change(
                            user,
                            { disabled: !user.disabled },
                            `${user.name} is ${user.disabled ? 'enabled' : 'disabled'}.`,
                          )
                        }
                      >
                        {user.disabled ? 'Enable' : 'Disable'}
                      </button>
                      <button
                        type="button"
                        class="button small"
                        aria-label={`${user.admin ? 'Remove admin from' : 'Make admin:'} ${user.name}`}
                        onClick={() =>
                          void change(
                            user,
                            { admin: !user.admin },
                            `${user.name} is ${user.admin ? 'no longer an' : 'now an'} administrator.`,
                          )
                        }
                      >
                        {user.admin ? 'Remove admin' : 'Make admin'}
                      </button>
                      <button
                        type="button"
                        class="button small"
                        aria-label={`Budgets of ${user.name}`}
                        aria-expanded={editing === user.id}
                        aria-controls="user-budgets"
                        onClick={() => setEditing(editing === user.id ? null : user.id)}
                      >
                        Budgets
                      </button>
                      <ConfirmButton
                        label="Delete"
                        subject={user.name}
                        question={`Delete ${user.name} and their keys?`}
                        confirmLabel="Yes, delete"
                        small
                        onConfirm={() => remove(user)}
                      />
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      {editedUser && (
        <BudgetEditor
          key={editedUser.id}
          user={editedUser}
          defaults={settings.data?.settings.budgets ?? null}
          onSaved={(user) => {
            setStatus(`Budgets of ${user.name} saved.`)
            users.reload()
          }}
          onClose={() => setEditing(null)}
        />
      )}
    </div>
  )
}

function limitsSummary(user: User): string {
  const set = BUDGET_KEYS.filter((key) => user.limits[key] !== undefined)
  if (set.length === 0) return 'Defaults'
  return set
    .map(
      (key) => `${BUDGET_LABELS[key]}: ${user.limits[key] === 0 ? 'no limit' : user.limits[key]}`,
    )
    .join('; ')
}

function CreateUser(props: { onCreated: (user: User) => void }) {
  const [name, setName] = useState('')
  const [password, setPassword] = useState('')
  const [generate, setGenerate] = useState(true)
  const [admin, setAdmin] = useState(false)
  const [busy, setBusy] = useState(false)
  const [failure, setFailure] = useState<ApiError | null>(null)
  const [created, setCreated] = useState<UserCreated | null>(null)
  const nameError = failure?.body.errors?.find((error) => error.field === 'body.name')?.message

  const submit = async (event: Event) => {
    event.preventDefault()
    setBusy(true)
    setFailure(null)
    try {
      const answer = await request<UserCreated>('/admin/users', {
        method: 'POST',
        body: { name: name.trim(), admin, ...(generate ? {} : { password }) },
      })
      setCreated(answer)
      setName('')
      setPassword('')
      setAdmin(false)
      props.onCreated(answer.user)
    } catch (error) {
      setFailure(toApiError(error))
    } finally {
      setBusy(false)
    }
  }

  return (
    <form class="card" onSubmit={(event) => void submit(event)} aria-labelledby="create-user-title">
      <h3 id="create-user-title">Create a user</h3>
      <div class="grid-2">
        <div class="field">
          <label for="new-user-name">Name</label>
          <input
            id="new-user-name"
            required
            maxLength={64}
            autoComplete="off"
            value={name}
            aria-invalid={nameError ? 'true' : undefined}
            aria-describedby={nameError ? 'new-user-name-error' : undefined}
            onInput={(event) => setName(event.currentTarget.value)}
          />
          {nameError && (
            <span id="new-user-name-error" class="field-error">
              {nameError}
            </span>
          )}
        </div>
        <div class="field">
          <label for="new-user-password">Password</label>
          <input
            id="new-user-password"
            type="password"
            autoComplete="new-password"
            maxLength={1024}
            required={!generate}
            disabled={generate}
            value={password}
            aria-describedby="new-user-password-hint"
            onInput={(event) => setPassword(event.currentTarget.value)}
          />
          <span id="new-user-password-hint" class="hint small">
            {generate
              ? 'A password will be generated and shown once.'
              : 'The user logs in with it.'}
          </span>
        </div>
      </div>
      <div class="row">
        <label class="check">
          <input
            type="checkbox"
            checked={generate}
            onChange={(event) => setGenerate(event.currentTarget.checked)}
          />
          Generate a password
        </label>
        <label class="check">
          <input
            type="checkbox"
            checked={admin}
            onChange={(event) => setAdmin(event.currentTarget.checked)}
          />
          Administrator
        </label>
        <button type="submit" class="button primary" disabled={busy}>
          {busy ? 'Creating…' : 'Create user'}
        </button>
      </div>
      {failure && <ErrorNotice error={failure} />}
      {created?.password && (
        <SecretOnce
          title={`The password of ${created.user.name}:`}
          secret={created.password}
          onDone={() => setCreated(null)}
        />
      )}
    </form>
  )
}

function BudgetEditor(props: {
  user: User
  defaults: Budgets | null
  onSaved: (user: User) => void
  onClose: () => void
}) {
  const { user } = props
  const [form, setForm] = useState<LimitsForm>(() => limitsForm(user.limits))
  const [errors, setErrors] = useState<FieldErrors>({})
  const [failure, setFailure] = useState<ApiError | null>(null)
  const [busy, setBusy] = useState(false)
  const [saved, setSaved] = useState('')

  const submit = async (event: Event) => {
    event.preventDefault()
    setFailure(null)
    setSaved('')
    const result = limitsPatch(user.limits, form)
    if ('errors' in result) {
      setErrors(result.errors)
      return
    }
    setErrors({})
    if (Object.keys(result.limits).length === 0) {
      setSaved('Nothing changed.')
      return
    }
    setBusy(true)
    try {
      const updated = await request<User>(`/admin/users/${encodeURIComponent(user.id)}`, {
        method: 'PATCH',
        body: { limits: result.limits },
      })
      setForm(limitsForm(updated.limits))
      setSaved('Saved.')
      props.onSaved(updated)
    } catch (error) {
      const apiError = toApiError(error)
      const fields: FieldErrors = {}
      for (const problem of apiError.body.errors ?? []) {
        fields[problem.field.replace(/^body\./, '')] = problem.message
      }
      setErrors(fields)
      setFailure(apiError)
    } finally {
      setBusy(false)
    }
  }

  return (
    <form
      id="user-budgets"
      class="card"
      aria-labelledby="user-budgets-title"
      onSubmit={(event) => void submit(event)}
    >
      <h3 id="user-budgets-title">Budgets of {user.name}</h3>
      <p class="hint small muted">Leave a budget blank to use the default; 0 means no limit.</p>
      <div class="grid-2">
        {BUDGET_KEYS.map((key) => {
          const id = `user-limit-${key}`
          const error = errors[`limits.${key}`]
          const fallback = props.defaults?.[key]
          return (
            <div class="field" key={key}>
              <label for={id}>{BUDGET_LABELS[key]}</label>
              <input
                id={id}
                inputMode="numeric"
                value={form[key]}
                placeholder={
                  fallback === undefined
                    ? 'Default'
                    : `Default: ${fallback === 0 ? 'no limit' : fallback}`
                }
                aria-invalid={error ? 'true' : undefined}
                aria-describedby={error ? `${id}-error` : undefined}
                onInput={(event) => setForm({ ...form, [key]: event.currentTarget.value })}
              />
              {error && (
                <span id={`${id}-error`} class="field-error">
                  {error}
                </span>
              )}
            </div>
          )
        })}
      </div>
      {failure && <ErrorNotice error={failure} />}
      <div class="row">
        <button type="submit" class="button primary" disabled={busy}>
          {busy ? 'Saving…' : 'Save budgets'}
        </button>
        <button type="button" class="button" onClick={props.onClose}>
          Close
        </button>
        <span aria-live="polite" class="small">
          {saved}
        </span>
      </div>
    </form>
  )
}
