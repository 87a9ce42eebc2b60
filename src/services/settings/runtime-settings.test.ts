import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { SqliteGenerationStore } from '../../adapters/store/sqlite.js'
import { ValidationError } from '../../errors.js'
import type { Clock } from '../../ports/clock.js'
import { liveSettingsSchema } from '../../schemas/settings.js'
import type { Actor } from '../access/principal.js'
import { RuntimeSettings, type LiveSettings, type SettingsAuditEntry } from './runtime-settings.js'

const defaults: LiveSettings = {
  default_model: 'model-a',
  allowed_models: ['model-a', 'model-b'],
  max_prompt_length: 2000,
  verify_default: true,
  budgets: {
    requests_per_minute: 10,
    concurrent_generations: 2,
    tokens_per_day: 0,
    verify_runs_per_day: 0,
  },
  rate_limit: { requests: 100, window_ms: 60_000 },
  prices: {},
}

const admin: Actor = { id: 'user-admin', name: 'admin', ip: '127.0.0.1' }

function recordingLogger() {
  const warnings: string[] = []
  const note = () => {}
  return {
    warnings,
    logger: {
      debug: note,
      info: note,
      error: note,
      warn: (_fields: object, message: string) => void warnings.push(message),
    },
  }
}

describe('RuntimeSettings', () => {
  let store: SqliteGenerationStore
  let time: number
  const clock: Clock = { now: () => time }
  const started: RuntimeSettings[] = []

  beforeEach(async () => {
    time = Date.parse('2026-03-10T12:00:00.000Z')
    store = await SqliteGenerationStore.open('sqlite://:memory:')
  })
  afterEach(async () => {
    for (const settings of started.splice(0)) await settings.stop()
    await store.close()
  })

  function build(
    options: {
      on?: SqliteGenerationStore
      refreshMs?: number
      audit?: (entry: SettingsAuditEntry) => Promise<void>
      logger?: ReturnType<typeof recordingLogger>['logger']
    } = {},
  ): RuntimeSettings {
    const settings = new RuntimeSettings({
      store: (options.on ?? store).access,
      defaults,
      clock,
      logger: options.logger ?? recordingLogger().logger,
      refreshMs: options.refreshMs ?? 60_000,
      ...(options.audit ? { audit: options.audit } : {}),
    })
    started.push(settings)
    return settings
  }

  it('answers the environment’s values while nothing is stored', async () => {
    const settings = build()
    await settings.start()
    expect(settings.current()).toEqual(defaults)
    expect(settings.describe()).toEqual({
      settings: defaults,
      defaults,
      overridden: [],
      updated_at: null,
    })
  })

  it('lets a stored row win over the environment, budgets and rate limit field by field', async () => {
    await store.access.putSettings(
      {
        max_prompt_length: 500,
        verify_default: false,
        budgets: { tokens_per_day: 1000 },
        rate_limit: { requests: 5 },
        prices: { 'model-a': { input_per_million_tokens: 1, output_per_million_tokens: 2 } },
      },
      '2026-03-10T11:00:00.000Z',
      'user-admin',
    )
    const settings = build()
    await settings.start()
    expect(settings.current()).toEqual({
      ...defaults,
      max_prompt_length: 500,
      verify_default: false,
      budgets: { ...defaults.budgets, tokens_per_day: 1000 },
      rate_limit: { requests: 5, window_ms: 60_000 },
      prices: { 'model-a': { input_per_million_tokens: 1, output_per_million_tokens: 2 } },
    })
    const description = settings.describe()
    expect(description.overridden).toEqual([
      'max_prompt_length',
      'verify_default',
      'budgets',
      'rate_limit',
      'prices',
    ])
    expect(description.updated_at).toBe('2026-03-10T11:00:00.000Z')
    expect(description.defaults).toEqual(defaults)
  })

  it('ignores a malformed row with one warning, and keeps the other rows', async () => {
    await store.access.putSettings(
      {
        max_prompt_length: 'long',
        budgets: { requests_per_minute: -1 },
        rate_limit: { requests: 5, burst: 9 },
        verify_default: false,
        unknown_setting: 1,
      },
      '2026-03-10T11:00:00.000Z',
      null,
    )
    const { logger, warnings } = recordingLogger()
    const settings = build({ logger })
    await settings.start()
    await settings.refresh()
    expect(settings.current()).toEqual({ ...defaults, verify_default: false })
    expect(settings.describe().overridden).toEqual(['verify_default'])
    expect(warnings.filter((message) => message.includes('wrong shape'))).toHaveLength(3)
  })

  it('keeps the last values when the database cannot be read', async () => {
    const { logger, warnings } = recordingLogger()
    const settings = build({ logger })
    await settings.update({ max_prompt_length: 300 }, admin)
    await store.close()
    await settings.refresh()
    expect(settings.current().max_prompt_length).toBe(300)
    expect(warnings).toContain('runtime settings could not be read; keeping the last values')
    store = await SqliteGenerationStore.open('sqlite://:memory:')
  })

  it('applies an update at once, merges nested fields, and audits what changed', async () => {
    const audited: SettingsAuditEntry[] = []
    const settings = build({ audit: async (entry) => void audited.push(entry) })
    await settings.start()
    const seen: LiveSettings[] = []
    settings.onChange((values) => seen.push(values))

    const answer = await settings.update(
      { budgets: { tokens_per_day: 5000 }, allowed_models: ['model-a'] },
      admin,
    )
    expect(answer).toEqual({
      ...defaults,
      allowed_models: ['model-a'],
      budgets: { ...defaults.budgets, tokens_per_day: 5000 },
    })
    expect(settings.current()).toEqual(answer)
    expect(seen).toEqual([answer])
    expect(audited).toEqual([
      {
        actor: admin,
        action: 'settings.changed',
        target: 'allowed_models,budgets',
        detail: {
          changed: {
            allowed_models: { from: ['model-a', 'model-b'], to: ['model-a'] },
            budgets: { from: defaults.budgets, to: answer.budgets },
          },
        },
      },
    ])

    await settings.update({ budgets: { requests_per_minute: 3 } }, admin)
    expect(settings.current().budgets).toEqual({
      ...defaults.budgets,
      requests_per_minute: 3,
      tokens_per_day: 5000,
    })
    const rows = await store.access.listSettings()
    expect(rows.find((row) => row.key === 'budgets')).toMatchObject({
      value: { requests_per_minute: 3, tokens_per_day: 5000 },
      updatedBy: 'user-admin',
    })
  })

  it('puts a setting, a budget field or a price back to the environment’s value with null', async () => {
    const settings = build()
    await settings.start()
    await settings.update(
      {
        max_prompt_length: 300,
        budgets: { tokens_per_day: 5000, verify_runs_per_day: 4 },
        prices: {
          'model-a': { input_per_million_tokens: 1, output_per_million_tokens: 2 },
          'model-b': { input_per_million_tokens: 3, output_per_million_tokens: 4 },
        },
      },
      admin,
    )
    await settings.update(
      { max_prompt_length: null, budgets: { tokens_per_day: null }, prices: { 'model-a': null } },
      admin,
    )
    expect(settings.current()).toEqual({
      ...defaults,
      budgets: { ...defaults.budgets, verify_runs_per_day: 4 },
      prices: { 'model-b': { input_per_million_tokens: 3, output_per_million_tokens: 4 } },
    })
    expect(settings.describe().overridden).toEqual(['budgets', 'prices'])

    await settings.update({ budgets: null, prices: null }, admin)
    expect(settings.current()).toEqual(defaults)
    expect(await store.access.listSettings()).toEqual([])
  })

  it('refuses an invalid patch with a problem per field, and writes nothing', async () => {
    const settings = build()
    await settings.start()
    const attempts: [unknown, string][] = [
      [{ max_prompt_length: 5 }, 'body.max_prompt_length'],
      [{ budgets: { tokens_per_day: 1.5 } }, 'body.budgets.tokens_per_day'],
      [{ rate_limit: { window_ms: 10 } }, 'body.rate_limit.window_ms'],
      [{ secret: 'x' }, 'body'],
      [
        { allowed_models: Array.from({ length: 101 }, (_, index) => `m${index}`) },
        'body.allowed_models',
      ],
      [
        { prices: { m: { input_per_million_tokens: -1, output_per_million_tokens: 1 } } },
        'body.prices.m.input_per_million_tokens',
      ],
      [{ default_model: 'model-z' }, 'body.default_model'],
    ]
    for (const [patch, field] of attempts) {
      const error = await settings.update(patch, admin).then(
        () => expect.fail(`${JSON.stringify(patch)} was accepted`),
        (caught: unknown) => caught as ValidationError,
      )
      expect(error).toBeInstanceOf(ValidationError)
      expect(error.problems.map((problem) => problem.field)).toContain(field)
    }
    expect(await store.access.listSettings()).toEqual([])
    expect(settings.current()).toEqual(defaults)
  })

  it('refuses starting values out of range, with a sentence', () => {
    expect(
      () =>
        new RuntimeSettings({
          store: store.access,
          defaults: { ...defaults, rate_limit: { requests: 100, window_ms: 10 } },
          clock,
          logger: recordingLogger().logger,
          refreshMs: 1000,
        }),
    ).toThrow(/rate_limit\.window_ms/)
  })

  it('answers values the live schema accepts', async () => {
    const settings = build()
    await settings.update(
      { prices: { m: { input_per_million_tokens: 0.5, output_per_million_tokens: 1 } } },
      admin,
    )
    expect(liveSettingsSchema.safeParse(settings.current()).success).toBe(true)
  })
})
