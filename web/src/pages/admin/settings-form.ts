import { BUDGET_KEYS, type BudgetKey, type ModelPrice, type Settings } from './types.js'

/**
 * The settings form as the inputs hold it (text, as typed), its checks (the limits of
 * src/schemas/settings.ts), and the PATCH body of what changed. Errors are keyed by the path the
 * server names in `errors[].field` without its `body.` prefix (`budgets.tokens_per_day`), so the
 * server's and the form's own messages land at the same field.
 */

export interface PriceRow {
  model: string
  input: string
  output: string
}

export interface SettingsForm {
  default_model: string
  /** One model per line. */
  allowed_models: string
  max_prompt_length: string
  verify_default: boolean
  budgets: Record<BudgetKey, string>
  rate_requests: string
  rate_window_ms: string
  prices: PriceRow[]
}

export type FieldErrors = Record<string, string>

const MAX_BUDGET = 1e12
const MAX_MODEL_NAME = 200
const MAX_ALLOWED_MODELS = 100
const MAX_PRICED_MODELS = 200

/** The form showing `settings`. */
export function formFromSettings(settings: Settings): SettingsForm {
  return {
    default_model: settings.default_model ?? '',
    allowed_models: settings.allowed_models.join('\n'),
    max_prompt_length: String(settings.max_prompt_length),
    verify_default: settings.verify_default,
    budgets: Object.fromEntries(
      BUDGET_KEYS.map((key) => [key, String(settings.budgets[key])]),
    ) as Record<BudgetKey, string>,
    rate_requests: String(settings.rate_limit.requests),
    rate_window_ms: String(settings.rate_limit.window_ms),
    prices: Object.entries(settings.prices).map(([model, price]) => ({
      model,
      input: String(price.input_per_million_tokens),
      output: String(price.output_per_million_tokens),
    })),
  }
}

/** The models of the text area: one per line (commas also separate), trimmed, no blanks. */
export function modelList(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map((model) => model.trim())
    .filter((model) => model !== '')
}

/** An integer typed into `text` within [min, max], or the message saying why not. */
export function parseInteger(text: string, min: number, max: number): number | string {
  const trimmed = text.trim()
  if (trimmed === '') return 'Enter a number.'
  if (!/^-?\d+$/.test(trimmed)) return 'Enter a whole number.'
  const value = Number(trimmed)
  if (value < min) return `Must be at least ${min.toLocaleString('en')}.`
  if (value > max) return `Must be at most ${max.toLocaleString('en')}.`
  return value
}

function parseDecimal(text: string, min: number, max: number): number | string {
  const trimmed = text.trim()
  if (trimmed === '') return 'Enter a number.'
  const value = Number(trimmed)
  if (!Number.isFinite(value)) return 'Enter a number, like 2.5.'
  if (value < min) return `Must be at least ${min}.`
  if (value > max) return `Must be at most ${max.toLocaleString('en')}.`
  return value
}

/** The key of a price row's fields in errors: by model name, as the server names them. */
export function priceField(row: PriceRow, index: number, field: 'model' | 'input' | 'output') {
  const base = row.model.trim() ? `prices.${row.model.trim()}` : `prices.#${index}`
  if (field === 'model') return `${base}.model`
  return `${base}.${field === 'input' ? 'input_per_million_tokens' : 'output_per_million_tokens'}`
}

/** What the form would store, or the errors that keep it from being sent. */
export function readForm(form: SettingsForm): { settings: Settings } | { errors: FieldErrors } {
  const errors: FieldErrors = {}
  const allowed = modelList(form.allowed_models)
  if (allowed.length > MAX_ALLOWED_MODELS) {
    errors.allowed_models = `At most ${MAX_ALLOWED_MODELS} models.`
  } else if (allowed.some((model) => model.length > MAX_MODEL_NAME)) {
    errors.allowed_models = `A model name has at most ${MAX_MODEL_NAME} characters.`
  }
  const defaultModel = form.default_model.trim()
  if (defaultModel.length > MAX_MODEL_NAME) {
    errors.default_model = `At most ${MAX_MODEL_NAME} characters.`
  } else if (defaultModel && allowed.length > 0 && !allowed.includes(defaultModel)) {
    errors.default_model = 'Must be one of the allowed models.'
  }
  const maxPrompt = parseInteger(form.max_prompt_length, 10, 1_000_000)
  if (typeof maxPrompt === 'string') errors.max_prompt_length = maxPrompt
  const budgets: Partial<Record<BudgetKey, number>> = {}
  for (const key of BUDGET_KEYS) {
    const value = parseInteger(form.budgets[key], 0, MAX_BUDGET)
    if (typeof value === 'string') errors[`budgets.${key}`] = value
    else budgets[key] = value
  }
  const requests = parseInteger(form.rate_requests, 0, 1_000_000)
  if (typeof requests === 'string') errors['rate_limit.requests'] = requests
  const windowMs = parseInteger(form.rate_window_ms, 1000, 86_400_000)
  if (typeof windowMs === 'string') errors['rate_limit.window_ms'] = windowMs
  const prices: Record<string, ModelPrice> = {}
  if (form.prices.length > MAX_PRICED_MODELS) {
    errors.prices = `At most ${MAX_PRICED_MODELS} models may have a price.`
  }
  form.prices.forEach((row, index) => {
    const model = row.model.trim()
    if (!model) errors[priceField(row, index, 'model')] = 'Enter the model name.'
    else if (model.length > MAX_MODEL_NAME) {
      errors[priceField(row, index, 'model')] = `At most ${MAX_MODEL_NAME} characters.`
    } else if (model in prices)
      errors[priceField(row, index, 'model')] = 'This model has a price already.'
    const input = parseDecimal(row.input, 0, 1e6)
    const output = parseDecimal(row.output, 0, 1e6)
    if (typeof input === 'string') errors[priceField(row, index, 'input')] = input
    if (typeof output === 'string') errors[priceField(row, index, 'output')] = output
    if (model && typeof input === 'number' && typeof output === 'number') {
      prices[model] = { input_per_million_tokens: input, output_per_million_tokens: output }
    }
  })
  if (Object.keys(errors).length > 0) return { errors }
  return {
    settings: {
      default_model: defaultModel || null,
      allowed_models: allowed,
      max_prompt_length: maxPrompt as number,
      verify_default: form.verify_default,
      budgets: budgets as Settings['budgets'],
      rate_limit: { requests: requests as number, window_ms: windowMs as number },
      prices,
    },
  }
}

function sameList(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((value, index) => value === b[index])
}

/**
 * The merge patch (PATCH /api/admin/settings) that turns `current` into `next`: only what
 * changed; a price no longer listed is sent as null, which removes it.
 */
export function settingsPatch(current: Settings, next: Settings): Record<string, unknown> {
  const patch: Record<string, unknown> = {}
  if (current.default_model !== next.default_model) patch.default_model = next.default_model
  if (!sameList(current.allowed_models, next.allowed_models)) {
    patch.allowed_models = next.allowed_models
  }
  if (current.max_prompt_length !== next.max_prompt_length) {
    patch.max_prompt_length = next.max_prompt_length
  }
  if (current.verify_default !== next.verify_default) patch.verify_default = next.verify_default
  const budgets: Record<string, number> = {}
  for (const key of BUDGET_KEYS) {
    if (current.budgets[key] !== next.budgets[key]) budgets[key] = next.budgets[key]
  }
  if (Object.keys(budgets).length > 0) patch.budgets = budgets
  const rate: Record<string, number> = {}
  if (current.rate_limit.requests !== next.rate_limit.requests) {
    rate.requests = next.rate_limit.requests
  }
  if (current.rate_limit.window_ms !== next.rate_limit.window_ms) {
    rate.window_ms = next.rate_limit.window_ms
  }
  if (Object.keys(rate).length > 0) patch.rate_limit = rate
  const prices: Record<string, ModelPrice | null> = {}
  for (const model of Object.keys(current.prices)) {
    if (!(model in next.prices)) prices[model] = null
  }
  for (const [model, price] of Object.entries(next.prices)) {
    const before = current.prices[model]
    if (
      !before ||
      before.input_per_million_tokens !== price.input_per_million_tokens ||
      before.output_per_million_tokens !== price.output_per_million_tokens
    ) {
      prices[model] = price
    }
  }
  if (Object.keys(prices).length > 0) patch.prices = prices
  return patch
}

/** The server's validation errors by form field: `body.budgets.x` → `budgets.x`. */
export function serverFieldErrors(
  errors: { field: string; message: string }[] | undefined,
): FieldErrors {
  const result: FieldErrors = {}
  for (const error of errors ?? []) {
    const field = error.field.replace(/^body\.?/, '') || 'form'
    result[field] = result[field] ? `${result[field]} ${error.message}` : error.message
  }
  return result
}

/** The PATCH body that puts one setting, or one field of budgets or rate_limit, back to default. */
export function resetPatch(path: string): Record<string, unknown> {
  const [key, field] = path.split('.', 2)
  if (!key) return {}
  return field ? { [key]: { [field]: null } } : { [key]: null }
}

/** A user's budget overrides as typed: blank means "the default". */
export type LimitsForm = Record<BudgetKey, string>

/** The form of a user's overrides. */
export function limitsForm(limits: Partial<Record<BudgetKey, number>>): LimitsForm {
  return Object.fromEntries(
    BUDGET_KEYS.map((key) => [key, limits[key] === undefined ? '' : String(limits[key])]),
  ) as LimitsForm
}

/**
 * The `limits` of PATCH /api/admin/users/{id} from the form: a changed number sets an override,
 * a cleared one sends null (the default applies again), an unchanged one is left out.
 */
export function limitsPatch(
  current: Partial<Record<BudgetKey, number>>,
  form: LimitsForm,
): { limits: Partial<Record<BudgetKey, number | null>> } | { errors: FieldErrors } {
  const limits: Partial<Record<BudgetKey, number | null>> = {}
  const errors: FieldErrors = {}
  for (const key of BUDGET_KEYS) {
    const text = form[key].trim()
    if (text === '') {
      if (current[key] !== undefined) limits[key] = null
      continue
    }
    const value = parseInteger(text, 0, MAX_BUDGET)
    if (typeof value === 'string') errors[`limits.${key}`] = value
    else if (value !== current[key]) limits[key] = value
  }
  return Object.keys(errors).length > 0 ? { errors } : { limits }
}
