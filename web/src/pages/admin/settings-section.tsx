import { useEffect, useState } from 'preact/hooks'
import { request } from '../../api/client.js'
import { toApiError, type ApiError } from '../../api/errors.js'
import { ErrorNotice } from '../../components/error-notice.js'
import { formatDate } from '../../lib/format.js'
import {
  formFromSettings,
  priceField,
  readForm,
  resetPatch,
  serverFieldErrors,
  settingsPatch,
  type FieldErrors,
  type SettingsForm,
} from './settings-form.js'
import { BUDGET_KEYS, BUDGET_LABELS, type SettingKey, type SettingsDescription } from './types.js'
import { useLoad } from '../../lib/use-load.js'
import { OverrideState, SettingField, TextSetting } from './setting-field.js'

/** The runtime settings: a form of every one, which are stored, reset one to its default. */
export function SettingsSection() {
  const described = useLoad(
    (signal) => request<SettingsDescription>('/admin/settings', { signal }),
    'settings',
  )
  const [form, setForm] = useState<SettingsForm | null>(null)
  const [errors, setErrors] = useState<FieldErrors>({})
  const [failure, setFailure] = useState<ApiError | null>(null)
  const [busy, setBusy] = useState(false)
  const [status, setStatus] = useState('')

  useEffect(() => {
    if (described.data) setForm(formFromSettings(described.data.settings))
  }, [described.data])

  if (described.error && !described.data) {
    return <ErrorNotice error={described.error} onRetry={described.reload} />
  }
  if (!described.data || !form) return <p role="status">Loading settings…</p>
  const { settings, defaults, overridden, updated_at: updatedAt } = described.data

  const patch = async (body: Record<string, unknown>, done: string) => {
    setBusy(true)
    setFailure(null)
    setStatus('')
    try {
      await request('/admin/settings', { method: 'PATCH', body })
      setErrors({})
      setStatus(done)
      described.reload()
    } catch (error) {
      const apiError = toApiError(error)
      setErrors(serverFieldErrors(apiError.body.errors))
      setFailure(apiError)
    } finally {
      setBusy(false)
    }
  }

  const submit = (event: Event) => {
    event.preventDefault()
    setStatus('')
    const result = readForm(form)
    if ('errors' in result) {
      setErrors(result.errors)
      setStatus('Some settings need fixing: see the messages at the fields.')
      return
    }
    const body = settingsPatch(settings, result.settings)
    if (Object.keys(body).length === 0) {
      setErrors({})
      setStatus('Nothing changed.')
      return
    }
    void patch(body, 'Settings saved. Every process applies them within seconds.')
  }

  const update = (change: Partial<SettingsForm>) => setForm({ ...form, ...change })
  const isOverridden = (key: SettingKey) => overridden.includes(key)
  const field = (path: string, key: SettingKey, defaultText: string) => ({
    path,
    error: errors[path],
    overridden: isOverridden(key),
    defaultText,
    busy,
    onReset: () => void patch(resetPatch(path), `${path} is back to its default.`),
  })

  return (
    <form class="stack settings-form" noValidate onSubmit={submit}>
      <p class="muted small">
        Values from the environment apply until a setting is changed here; a changed one is stored
        and marked “Overridden”. {updatedAt ? `Last change: ${formatDate(updatedAt)}.` : ''}
      </p>
      <fieldset class="card">
        <legend>Models and prompts</legend>
        <TextSetting
          id="setting-default-model"
          label="Default model"
          hint="The model of a request that names none; one of the allowed models. Blank: the environment's model."
          {...field('default_model', 'default_model', defaults.default_model ?? 'none')}
          value={form.default_model}
          onText={(value) => update({ default_model: value })}
        />
        <SettingField
          id="setting-allowed-models"
          label="Allowed models"
          hint="Models a request may name, one per line (at most 100)."
          {...field(
            'allowed_models',
            'allowed_models',
            defaults.allowed_models.join(', ') || 'none',
          )}
        >
          {(props) => (
            <textarea
              {...props}
              rows={3}
              value={form.allowed_models}
              onInput={(event) => update({ allowed_models: event.currentTarget.value })}
            />
          )}
        </SettingField>
        <TextSetting
          id="setting-max-prompt-length"
          label="Maximum prompt length"
          hint="Characters a prompt may have, from 10 to 1,000,000."
          {...field('max_prompt_length', 'max_prompt_length', String(defaults.max_prompt_length))}
          numeric
          value={form.max_prompt_length}
          onText={(value) => update({ max_prompt_length: value })}
        />
        <SettingField
          id="setting-verify-default"
          label="Verify by default"
          checkbox
          hint="Run a generation's tests in the sandbox when the request does not say."
          {...field('verify_default', 'verify_default', defaults.verify_default ? 'on' : 'off')}
        >
          {(props) => (
            <input
              {...props}
              type="checkbox"
              checked={form.verify_default}
              onChange={(event) => update({ verify_default: event.currentTarget.checked })}
            />
          )}
        </SettingField>
      </fieldset>

      <fieldset class="card">
        <legend>Default budgets of every user</legend>
        <p class="hint small muted">
          Whole numbers; 0 is no limit. A user's own budgets override them.
        </p>
        <div class="grid-2">
          {BUDGET_KEYS.map((key) => (
            <TextSetting
              key={key}
              id={`setting-budget-${key}`}
              label={BUDGET_LABELS[key]}
              {...field(`budgets.${key}`, 'budgets', String(defaults.budgets[key]))}
              numeric
              value={form.budgets[key]}
              onText={(value) => update({ budgets: { ...form.budgets, [key]: value } })}
            />
          ))}
        </div>
      </fieldset>

      <fieldset class="card">
        <legend>Rate limit</legend>
        <div class="grid-2">
          <TextSetting
            id="setting-rate-requests"
            label="Requests per window"
            hint="Per user with AUTH=on, else per address; 0 turns it off."
            {...field('rate_limit.requests', 'rate_limit', String(defaults.rate_limit.requests))}
            numeric
            value={form.rate_requests}
            onText={(value) => update({ rate_requests: value })}
          />
          <TextSetting
            id="setting-rate-window"
            label="Window (milliseconds)"
            hint="From 1,000 (one second) to 86,400,000 (a day)."
            {...field('rate_limit.window_ms', 'rate_limit', String(defaults.rate_limit.window_ms))}
            numeric
            value={form.rate_window_ms}
            onText={(value) => update({ rate_window_ms: value })}
          />
        </div>
      </fieldset>

      <PricesFieldset
        form={form}
        errors={errors}
        overridden={isOverridden('prices')}
        busy={busy}
        onChange={(prices) => update({ prices })}
        onReset={() => void patch(resetPatch('prices'), 'Prices are back to their defaults.')}
      />

      {failure && <ErrorNotice error={failure} />}
      <div class="row settings-actions">
        <button type="submit" class="button primary" disabled={busy}>
          {busy ? 'Saving…' : 'Save settings'}
        </button>
        <button
          type="button"
          class="button"
          disabled={busy}
          onClick={() => {
            setForm(formFromSettings(settings))
            setErrors({})
            setFailure(null)
            setStatus('Changes discarded.')
          }}
        >
          Discard changes
        </button>
        <span aria-live="polite" class="small">
          {status}
        </span>
      </div>
    </form>
  )
}

function PricesFieldset(props: {
  form: SettingsForm
  errors: FieldErrors
  overridden: boolean
  busy: boolean
  onChange: (prices: SettingsForm['prices']) => void
  onReset: () => void
}) {
  const { form, errors } = props
  const set = (index: number, change: Partial<SettingsForm['prices'][number]>) =>
    props.onChange(form.prices.map((row, at) => (at === index ? { ...row, ...change } : row)))
  return (
    <fieldset class="card">
      <legend>Prices (US dollars per million tokens)</legend>
      <p class="hint small muted">
        The usage report estimates cost from these; a model without a price has no estimate.
      </p>
      <p class="row small">
        <OverrideState
          name="prices"
          overridden={props.overridden}
          busy={props.busy}
          onReset={props.onReset}
        />
      </p>
      {errors.prices && <p class="field-error">{errors.prices}</p>}
      {form.prices.length === 0 && <p class="muted">No model has a price.</p>}
      {form.prices.map((row, index) => {
        const number = index + 1
        const fields = [
          ['model', 'Model', row.model],
          ['input', 'Input', row.input],
          ['output', 'Output', row.output],
        ] as const
        return (
          <div class="price-row" key={index} role="group" aria-label={`Price ${number}`}>
            {fields.map(([name, label, value]) => {
              const id = `price-${index}-${name}`
              const error = errors[priceField(row, index, name)]
              return (
                <div class="field" key={name}>
                  <label for={id}>
                    {label}
                    <span class="visually-hidden"> of price {number}</span>
                  </label>
                  <input
                    id={id}
                    value={value}
                    inputMode={name === 'model' ? undefined : 'decimal'}
                    aria-invalid={error ? 'true' : undefined}
                    aria-describedby={error ? `${id}-error` : undefined}
                    onInput={(event) => set(index, { [name]: event.currentTarget.value })}
                  />
                  {error && (
                    <span id={`${id}-error`} class="field-error">
                      {error}
                    </span>
                  )}
                </div>
              )
            })}
            <button
              type="button"
              class="button small danger"
              aria-label={`Remove price ${number}${row.model ? ` (${row.model})` : ''}`}
              onClick={() => props.onChange(form.prices.filter((_, at) => at !== index))}
            >
              Remove
            </button>
          </div>
        )
      })}
      <button
        type="button"
        class="button small"
        onClick={() => props.onChange([...form.prices, { model: '', input: '', output: '' }])}
      >
        Add a price
      </button>
    </fieldset>
  )
}
