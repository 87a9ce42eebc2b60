import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { sampleRecord } from '../../../test/contracts/generation-store.contract.js'
import { SqliteGenerationStore } from '../../adapters/store/sqlite.js'
import type { UserLimits } from '../../ports/access-store.js'
import type { GenerationStatus } from '../../ports/generation-store.js'
import type { LiveSettings } from '../../schemas/settings.js'
import type { Principal } from '../access/principal.js'
import { Budgets, type BudgetLimits } from './budgets.js'

const NOON = Date.parse('2026-03-10T12:00:00.000Z')
/** Seconds from noon to the next 00:00 UTC. */
const HALF_DAY_S = 43_200

const unlimited: BudgetLimits = {
  requests_per_minute: 0,
  concurrent_generations: 0,
  tokens_per_day: 0,
  verify_runs_per_day: 0,
}

function user(limits: UserLimits = {}, id = 'user-a'): Principal {
  return { id, name: id, admin: false, via: 'token', limits }
}

describe('Budgets', () => {
  let store: SqliteGenerationStore
  let time: number
  let budgets: BudgetLimits

  beforeEach(async () => {
    time = NOON
    budgets = { ...unlimited }
    store = await SqliteGenerationStore.open('sqlite://:memory:')
  })
  afterEach(async () => {
    await store.close()
  })

  function service(): Budgets {
    const settings = { current: () => ({ budgets }) as LiveSettings }
    return new Budgets({ store: store.access, settings, clock: { now: () => time } })
  }

  /** A generation of `userId` created `secondsAgo` before now. */
  async function generation(
    secondsAgo: number,
    options: { status?: GenerationStatus; tokens?: number; userId?: string } = {},
  ): Promise<void> {
    const tokens = options.tokens ?? 0
    await store.insert(
      sampleRecord({
        userId: options.userId ?? 'user-a',
        createdAt: new Date(time - secondsAgo * 1000).toISOString(),
        status: options.status ?? 'completed',
        usage: {
          promptTokens: Math.floor(tokens / 2),
          completionTokens: tokens - Math.floor(tokens / 2),
          totalTokens: tokens,
          llmCalls: 1,
        },
      }),
    )
  }

  const one = { generations: 1, verifyRuns: 0 }

  it('admits everything when AUTH is off, whatever the budgets', async () => {
    budgets = {
      requests_per_minute: 1,
      concurrent_generations: 1,
      tokens_per_day: 1,
      verify_runs_per_day: 1,
    }
    await expect(service().admit(null, { generations: 5, verifyRuns: 5 })).resolves.toBeUndefined()
  })

  it('refuses the generation over requests_per_minute until the oldest leaves the minute', async () => {
    budgets.requests_per_minute = 2
    await generation(45)
    await generation(10)
    await generation(90)
    const refusal = service().admit(user(), one)
    await expect(refusal).rejects.toMatchObject({
      code: 'APP_ERR_QUOTA_EXCEEDED',
      budget: 'requests_per_minute',
      headers: { 'retry-after': '16' },
    })
    time += 16_000
    await expect(service().admit(user(), one)).resolves.toBeUndefined()
  })

  it('counts a whole batch against requests_per_minute', async () => {
    budgets.requests_per_minute = 3
    await generation(30)
    await expect(
      service().admit(user(), { generations: 2, verifyRuns: 0 }),
    ).resolves.toBeUndefined()
    await expect(service().admit(user(), { generations: 3, verifyRuns: 0 })).rejects.toMatchObject({
      budget: 'requests_per_minute',
      headers: { 'retry-after': '31' },
    })
  })

  it('refuses a generation over concurrent_generations, with a retry in 5 s', async () => {
    budgets.concurrent_generations = 2
    await generation(3600, { status: 'running' })
    await generation(7200, { status: 'queued' })
    await generation(5, { status: 'completed' })
    await expect(service().admit(user(), one)).rejects.toMatchObject({
      budget: 'concurrent_generations',
      headers: { 'retry-after': '5' },
    })
    await expect(service().admit(user({}, 'user-b'), one)).resolves.toBeUndefined()
  })

  it('refuses generations once tokens_per_day is used up, until 00:00 UTC', async () => {
    budgets.tokens_per_day = 1000
    await generation(3600, { tokens: 600 })
    await generation(13 * 3600, { tokens: 5000 })
    await expect(service().admit(user(), one)).resolves.toBeUndefined()
    await generation(60, { tokens: 400 })
    await expect(service().admit(user(), one)).rejects.toMatchObject({
      budget: 'tokens_per_day',
      headers: { 'retry-after': String(HALF_DAY_S) },
    })
    await expect(
      service().admit(user(), { generations: 0, verifyRuns: 1 }),
    ).resolves.toBeUndefined()
    time = Date.parse('2026-03-11T00:00:01.000Z')
    await expect(service().admit(user(), one)).resolves.toBeUndefined()
  })

  it('refuses verification runs over verify_runs_per_day, and records them', async () => {
    budgets.verify_runs_per_day = 3
    const budgetsService = service()
    await budgetsService.recordVerifyRuns(user(), 2, 'api')
    time -= 13 * 3600_000
    await budgetsService.recordVerifyRuns(user(), 5, 'generation')
    time = NOON
    await expect(
      budgetsService.admit(user(), { generations: 0, verifyRuns: 1 }),
    ).resolves.toBeUndefined()
    await expect(
      budgetsService.admit(user(), { generations: 1, verifyRuns: 2 }),
    ).rejects.toMatchObject({
      budget: 'verify_runs_per_day',
      headers: { 'retry-after': String(HALF_DAY_S) },
    })
    await expect(budgetsService.admit(user(), one)).resolves.toBeUndefined()
    const usage = await store.access.usageSince('user-a', '2026-03-10T00:00:00.000Z')
    expect(usage.verifyRuns).toBe(2)
  })

  it('lets a user’s own limit beat the default, and 0 mean no limit either way', async () => {
    budgets.requests_per_minute = 1
    await generation(10)
    await generation(20)
    await expect(service().admit(user(), one)).rejects.toMatchObject({
      budget: 'requests_per_minute',
    })
    await expect(service().admit(user({ requests_per_minute: 5 }), one)).resolves.toBeUndefined()
    await expect(service().admit(user({ requests_per_minute: 0 }), one)).resolves.toBeUndefined()
    await expect(service().admit(user({ requests_per_minute: 2 }), one)).rejects.toMatchObject({
      budget: 'requests_per_minute',
      headers: { 'retry-after': '41' },
    })
    budgets.requests_per_minute = 0
    await expect(service().admit(user(), one)).resolves.toBeUndefined()
    await expect(service().admit(user({ requests_per_minute: 2 }), one)).rejects.toMatchObject({
      budget: 'requests_per_minute',
    })
  })

  it('reads the default budgets at every request, so a settings change applies at once', async () => {
    const budgetsService = service()
    await generation(10)
    await expect(budgetsService.admit(user(), one)).resolves.toBeUndefined()
    budgets = { ...unlimited, requests_per_minute: 1 }
    await expect(budgetsService.admit(user(), one)).rejects.toMatchObject({
      budget: 'requests_per_minute',
    })
  })

  it('answers what is left of each budget', async () => {
    budgets = {
      requests_per_minute: 10,
      concurrent_generations: 2,
      tokens_per_day: 0,
      verify_runs_per_day: 4,
    }
    await generation(20, { status: 'running', tokens: 100 })
    await generation(3600, { tokens: 50 })
    await service().recordVerifyRuns(user(), 1, 'api')
    expect(await service().remaining(null)).toBeNull()
    expect(await service().remaining(user({ tokens_per_day: 1000 }))).toEqual({
      requests_per_minute: { limit: 10, used: 1, resets_at: '2026-03-10T12:00:40.000Z' },
      concurrent_generations: { limit: 2, used: 1, resets_at: null },
      tokens_per_day: { limit: 1000, used: 150, resets_at: '2026-03-11T00:00:00.000Z' },
      verify_runs_per_day: { limit: 4, used: 1, resets_at: '2026-03-11T00:00:00.000Z' },
    })
  })
})
