import { randomUUID } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { sampleRecord } from '../../../test/contracts/generation-store.contract.js'
import { SqliteGenerationStore } from '../../adapters/store/sqlite.js'
import type { UserEntry } from '../../ports/access-store.js'
import { usageReportSchema, type LiveSettings } from '../../schemas/settings.js'
import { UsageReport } from './usage-report.js'

const NOW = Date.parse('2026-03-10T12:00:00.000Z')

function userEntry(id: string, name: string): UserEntry {
  const at = '2026-01-01T00:00:00.000Z'
  return {
    id,
    name,
    passwordHash: null,
    admin: false,
    disabled: false,
    limits: {},
    issuer: null,
    subject: null,
    createdAt: at,
    updatedAt: at,
    lastLoginAt: null,
  }
}

describe('UsageReport', () => {
  let store: SqliteGenerationStore
  let prices: LiveSettings['prices']

  beforeEach(async () => {
    prices = {
      'model-a': { input_per_million_tokens: 2, output_per_million_tokens: 8 },
    }
    store = await SqliteGenerationStore.open('sqlite://:memory:')
    await store.access.createUser(userEntry('user-a', 'alice'))
    await store.access.createUser(userEntry('user-b', 'bob'))
  })
  afterEach(async () => {
    await store.close()
  })

  function report(): UsageReport {
    const settings = { current: () => ({ prices }) as LiveSettings }
    return new UsageReport({ store: store.access, settings, clock: { now: () => NOW } })
  }

  async function generation(
    at: string,
    userId: string | null,
    model: string,
    promptTokens: number,
    completionTokens: number,
  ): Promise<void> {
    await store.insert(
      sampleRecord({
        createdAt: at,
        userId,
        model,
        status: 'completed',
        usage: {
          promptTokens,
          completionTokens,
          totalTokens: promptTokens + completionTokens,
          llmCalls: 1,
        },
      }),
    )
  }

  async function verifyRun(at: string, userId: string | null): Promise<void> {
    await store.access.recordVerifyRun({ id: randomUUID(), userId, at, source: 'api' })
  }

  it('sums tokens, generations and verification runs by day, user and model, with costs', async () => {
    await generation('2026-03-09T08:00:00.000Z', 'user-a', 'model-a', 1000, 500)
    await generation('2026-03-09T09:00:00.000Z', 'user-a', 'model-a', 3000, 1500)
    await generation('2026-03-09T10:00:00.000Z', 'user-b', 'model-b', 100, 100)
    await generation('2026-03-10T10:00:00.000Z', 'user-a', 'model-a', 250_000, 125_000)
    await generation('2026-03-10T10:30:00.000Z', null, 'model-a', 10, 0)
    await verifyRun('2026-03-10T11:00:00.000Z', 'user-a')
    await verifyRun('2026-03-10T11:30:00.000Z', 'user-a')
    await generation('2026-01-01T10:00:00.000Z', 'user-a', 'model-a', 9, 9)

    const body = await report().report({})
    expect(usageReportSchema.strict().safeParse(body).success).toBe(true)
    expect(body.from).toBe('2026-02-08T12:00:00.000Z')
    expect(body.to).toBe('2026-03-10T12:00:00.000Z')
    const byKey = Object.fromEntries(
      body.rows.map((row) => [`${row.day} ${row.user ?? '-'} ${row.model ?? '-'}`, row]),
    )
    expect(byKey['2026-03-09 alice model-a']).toEqual({
      day: '2026-03-09',
      user_id: 'user-a',
      user: 'alice',
      model: 'model-a',
      generations: 2,
      prompt_tokens: 4000,
      completion_tokens: 2000,
      total_tokens: 6000,
      verify_runs: 0,
      estimated_cost_usd: 0.024,
    })
    expect(byKey['2026-03-09 bob model-b']).toMatchObject({
      generations: 1,
      total_tokens: 200,
      estimated_cost_usd: null,
    })
    expect(byKey['2026-03-10 alice model-a']).toMatchObject({ estimated_cost_usd: 1.5 })
    expect(byKey['2026-03-10 - model-a']).toMatchObject({ user_id: null, user: null })
    expect(byKey['2026-03-10 alice -']).toMatchObject({
      model: null,
      verify_runs: 2,
      generations: 0,
      estimated_cost_usd: null,
    })
    expect(body.totals).toEqual({
      generations: 5,
      prompt_tokens: 254_110,
      completion_tokens: 127_100,
      total_tokens: 381_210,
      verify_runs: 2,
      estimated_cost_usd: 1.52402,
    })
    expect(body.unpriced_models).toEqual(['model-b'])
  })

  it('reports one user, and a period given by days, `to` counting its whole day', async () => {
    await generation('2026-03-01T23:59:00.000Z', 'user-a', 'model-a', 1, 1)
    await generation('2026-03-02T00:00:00.000Z', 'user-a', 'model-a', 10, 10)
    await generation('2026-03-02T12:00:00.000Z', 'user-b', 'model-a', 100, 100)
    await generation('2026-03-03T00:00:00.000Z', 'user-a', 'model-a', 1000, 1000)
    const body = await report().report({ from: '2026-03-02', to: '2026-03-02', userId: 'user-a' })
    expect(body.from).toBe('2026-03-02T00:00:00.000Z')
    expect(body.to).toBe('2026-03-03T00:00:00.000Z')
    expect(body.rows.map((row) => [row.day, row.user, row.total_tokens])).toEqual([
      ['2026-03-02', 'alice', 20],
    ])
  })

  it('answers no rows and null costs for an empty period', async () => {
    const body = await report().report({ from: '2025-01-01', to: '2025-01-31' })
    expect(body.rows).toEqual([])
    expect(body.totals).toMatchObject({ generations: 0, estimated_cost_usd: null })
  })

  it('refuses an unreadable date, an empty period and one over 366 days', async () => {
    for (const query of [
      { from: 'yesterday' },
      { from: '2026-03-05', to: '2026-03-01' },
      { from: '2025-01-01', to: '2026-03-01' },
    ]) {
      await expect(report().report(query)).rejects.toMatchObject({ code: 'APP_ERR_VALIDATION' })
    }
    await expect(report().report({ from: '2025-03-10', to: '2026-03-09' })).resolves.toBeDefined()
  })
})
