import { describe, expect, it } from 'vitest'
import {
  formFromSettings,
  limitsForm,
  limitsPatch,
  readForm,
  resetPatch,
  serverFieldErrors,
  settingsPatch,
  type SettingsForm,
} from './settings-form.js'
import type { Settings } from './types.js'

const settings: Settings = {
  default_model: 'm1',
  allowed_models: ['m1', 'm2'],
  max_prompt_length: 2000,
  verify_default: true,
  budgets: {
    requests_per_minute: 0,
    concurrent_generations: 2,
    tokens_per_day: 0,
    verify_runs_per_day: 0,
  },
  rate_limit: { requests: 100, window_ms: 60_000 },
  prices: { m1: { input_per_million_tokens: 1, output_per_million_tokens: 2 } },
}

function edited(change: (form: SettingsForm) => void): SettingsForm {
  const form = formFromSettings(settings)
  change(form)
  return form
}

function read(form: SettingsForm): Settings {
  const result = readForm(form)
  if ('errors' in result) throw new Error(JSON.stringify(result.errors))
  return result.settings
}

describe('the settings form', () => {
  it('reads back unchanged to an empty patch', () => {
    expect(settingsPatch(settings, read(formFromSettings(settings)))).toEqual({})
  })

  it('patches only what changed, budgets and rate limit field by field', () => {
    const next = read(
      edited((form) => {
        form.max_prompt_length = ' 5000 '
        form.budgets.tokens_per_day = '10000'
        form.rate_window_ms = '30000'
        form.allowed_models = 'm1\nm2, m3\n\n'
      }),
    )
    expect(settingsPatch(settings, next)).toEqual({
      max_prompt_length: 5000,
      budgets: { tokens_per_day: 10000 },
      rate_limit: { window_ms: 30000 },
      allowed_models: ['m1', 'm2', 'm3'],
    })
  })

  it('sends a removed price as null and a new one whole', () => {
    const next = read(
      edited((form) => {
        form.prices = [{ model: 'm2', input: '0.5', output: '1.5' }]
      }),
    )
    expect(settingsPatch(settings, next)).toEqual({
      prices: {
        m1: null,
        m2: { input_per_million_tokens: 0.5, output_per_million_tokens: 1.5 },
      },
    })
  })

  it('sends a cleared default model as null', () => {
    expect(settingsPatch(settings, read(edited((form) => (form.default_model = ''))))).toEqual({
      default_model: null,
    })
  })

  it('checks the limits of the schema, keyed like the server names fields', () => {
    const result = readForm(
      edited((form) => {
        form.max_prompt_length = '9'
        form.budgets.verify_runs_per_day = '-1'
        form.rate_window_ms = '1.5'
        form.default_model = 'other'
        form.prices.push({ model: '', input: 'x', output: '1' })
      }),
    )
    expect(result).toEqual({
      errors: {
        max_prompt_length: 'Must be at least 10.',
        'budgets.verify_runs_per_day': 'Must be at least 0.',
        'rate_limit.window_ms': 'Enter a whole number.',
        default_model: 'Must be one of the allowed models.',
        'prices.#1.model': 'Enter the model name.',
        'prices.#1.input_per_million_tokens': 'Enter a number, like 2.5.',
      },
    })
  })

  it('maps the server errors to the same keys', () => {
    expect(
      serverFieldErrors([
        { field: 'body.budgets.tokens_per_day', message: 'Too small' },
        { field: 'body', message: 'Bad' },
      ]),
    ).toEqual({ 'budgets.tokens_per_day': 'Too small', form: 'Bad' })
  })

  it('resets a setting or one field of a group with null', () => {
    expect(resetPatch('max_prompt_length')).toEqual({ max_prompt_length: null })
    expect(resetPatch('budgets.tokens_per_day')).toEqual({ budgets: { tokens_per_day: null } })
  })
})

describe('a user’s budget overrides', () => {
  it('sets changed numbers, clears emptied ones with null and leaves the rest out', () => {
    const current = { tokens_per_day: 100, requests_per_minute: 5 }
    const form = limitsForm(current)
    expect(form).toEqual({
      requests_per_minute: '5',
      concurrent_generations: '',
      tokens_per_day: '100',
      verify_runs_per_day: '',
    })
    form.tokens_per_day = ''
    form.concurrent_generations = '3'
    expect(limitsPatch(current, form)).toEqual({
      limits: { tokens_per_day: null, concurrent_generations: 3 },
    })
  })

  it('refuses what is not a budget', () => {
    expect(limitsPatch({}, { ...limitsForm({}), tokens_per_day: 'lots' })).toEqual({
      errors: { 'limits.tokens_per_day': 'Enter a whole number.' },
    })
  })
})
