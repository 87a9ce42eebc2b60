import { describe, expect, it } from 'vitest'
import { AppError } from '../errors.js'
import type { LlmProvider } from '../ports/llm-provider.js'
import { HealthService, llmCheck, type HealthCheck } from './health.js'

const silent = { debug() {}, info() {}, warn() {}, error() {} }

function scriptedProvider(outcomes: (Error | null)[]): LlmProvider & { pings: number } {
  return {
    id: 'openai-compatible',
    model: 'm',
    pings: 0,
    async ping() {
      const outcome = outcomes[this.pings] ?? null
      this.pings += 1
      if (outcome) throw outcome
    },
    complete() {
      throw new Error('a health check never generates')
    },
  }
}

describe('llmCheck', () => {
  it('probes again only after the interval, and remembers failures meanwhile', async () => {
    let now = 0
    const provider = scriptedProvider([
      new AppError('APP_ERR_PROVIDER_UNAVAILABLE', 'The provider answered HTTP 500'),
      null,
    ])
    const check = llmCheck(provider, {
      intervalMs: 60_000,
      timeoutMs: 1000,
      clock: { now: () => now },
      logger: silent,
    })
    const signal = new AbortController().signal
    expect(await check.check(signal)).toMatchObject({
      status: 'down',
      detail: 'The provider answered HTTP 500',
    })
    now = 59_999
    expect(await check.check(signal)).toMatchObject({ status: 'down' })
    expect(provider.pings).toBe(1)
    now = 60_000
    expect(await check.check(signal)).toMatchObject({
      status: 'ok',
      provider: 'openai-compatible',
      model: 'm',
    })
    expect(provider.pings).toBe(2)
  })
})

describe('HealthService', () => {
  const check = (name: string, critical: boolean, status: 'ok' | 'down'): HealthCheck => ({
    name,
    critical,
    check: async () => {
      if (status === 'down') throw new Error(`${name} refused`)
      return { status }
    },
  })
  const options = {
    version: '1.2.3',
    auth: 'off' as const,
    startedAt: 0,
    clock: { now: () => 12_345 },
    timeoutMs: 100,
  }

  it('is degraded when an optional component is down, unhealthy when a critical one is', async () => {
    expect(
      (
        await new HealthService(
          [check('a', true, 'ok'), check('b', false, 'down')],
          options,
        ).report()
      ).status,
    ).toBe('degraded')
    const report = await new HealthService(
      [check('a', true, 'down'), check('b', false, 'ok')],
      options,
    ).report()
    expect(report).toMatchObject({
      status: 'unhealthy',
      version: '1.2.3',
      uptime_s: 12.3,
      services: { a: { status: 'down', detail: 'a refused' }, b: { status: 'ok' } },
    })
  })

  it('is degraded, never unhealthy, when a component says degraded, even a critical one', async () => {
    const degraded = (name: string, critical: boolean): HealthCheck => ({
      name,
      critical,
      check: async () => ({ status: 'degraded', detail: `${name} cannot start runs` }),
    })
    for (const critical of [false, true]) {
      const report = await new HealthService(
        [check('a', true, 'ok'), degraded('sandbox', critical)],
        options,
      ).report()
      expect(report.status).toBe('degraded')
      expect(report.services.sandbox).toEqual({
        status: 'degraded',
        detail: 'sandbox cannot start runs',
      })
    }
  })

  it('gives up on a check that does not answer within the deadline', async () => {
    const hanging: HealthCheck = {
      name: 'slow',
      critical: true,
      identity: { backend: 'x' },
      check: () => new Promise(() => {}),
    }
    const report = await new HealthService([hanging], options).report()
    expect(report.services.slow).toEqual({
      backend: 'x',
      status: 'down',
      detail: 'no answer within the deadline',
    })
  })
})
