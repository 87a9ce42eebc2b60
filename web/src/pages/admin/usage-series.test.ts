import { describe, expect, it } from 'vitest'
import type { UsageReport, UsageRow } from './types.js'
import { daysOf, formatCost, NO_MODEL, tokenSeries, usageByUserAndModel } from './usage-series.js'

function row(values: Partial<UsageRow>): UsageRow {
  return {
    day: '2026-03-02',
    user_id: 'u1',
    user: 'ann',
    model: 'gpt',
    generations: 1,
    prompt_tokens: 10,
    completion_tokens: 20,
    total_tokens: 30,
    verify_runs: 0,
    estimated_cost_usd: null,
    ...values,
  }
}

function report(rows: UsageRow[]): UsageReport {
  return {
    from: '2026-03-01T00:00:00.000Z',
    to: '2026-03-04T00:00:00.000Z',
    rows,
    totals: {
      generations: 0,
      prompt_tokens: 0,
      completion_tokens: 0,
      total_tokens: 0,
      verify_runs: 0,
      estimated_cost_usd: null,
    },
    unpriced_models: [],
  }
}

describe('daysOf', () => {
  it('lists every UTC day from the start to the exclusive end', () => {
    expect(daysOf('2026-03-01T00:00:00Z', '2026-03-04T00:00:00Z')).toEqual([
      '2026-03-01',
      '2026-03-02',
      '2026-03-03',
    ])
  })

  it('includes the day of an end in the middle of a day', () => {
    expect(daysOf('2026-03-01T15:00:00Z', '2026-03-02T10:00:00Z')).toEqual([
      '2026-03-01',
      '2026-03-02',
    ])
  })

  it('answers nothing for dates it cannot read', () => {
    expect(daysOf('nope', '2026-03-02')).toEqual([])
  })
})

describe('tokenSeries', () => {
  it('has one series per model, zero on days without use, and leaves out verification rows', () => {
    const chart = tokenSeries(
      report([
        row({ day: '2026-03-01', model: 'gpt', total_tokens: 5 }),
        row({ day: '2026-03-03', model: 'gpt', total_tokens: 7, user: 'bob' }),
        row({ day: '2026-03-03', model: 'gpt', total_tokens: 1 }),
        row({ day: '2026-03-02', model: 'claude', total_tokens: 9 }),
        row({ day: '2026-03-02', model: null, total_tokens: 0, verify_runs: 3 }),
      ]),
    )
    expect(chart.labels).toEqual(['2026-03-01', '2026-03-02', '2026-03-03'])
    expect(chart.series).toEqual([
      { label: 'claude', values: [0, 9, 0] },
      { label: 'gpt', values: [5, 0, 8] },
    ])
  })

  it('is empty when no model was used', () => {
    expect(tokenSeries(report([row({ model: null })]))).toEqual({ labels: [], series: [] })
  })
})

describe('usageByUserAndModel', () => {
  it('sums the days per user and model and keeps a null cost when no row has one', () => {
    const rows = usageByUserAndModel(
      report([
        row({ day: '2026-03-01', estimated_cost_usd: 0.5 }),
        row({ day: '2026-03-02', estimated_cost_usd: 0.25 }),
        row({ user: null, user_id: null, model: null, verify_runs: 2, generations: 0 }),
        row({ user: 'bob', model: 'gpt' }),
      ]),
    )
    expect(rows.map((entry) => [entry.user, entry.model])).toEqual([
      ['ann', 'gpt'],
      ['Anonymous or deleted', NO_MODEL],
      ['bob', 'gpt'],
    ])
    expect(rows[0]).toMatchObject({ generations: 2, total_tokens: 60, estimated_cost_usd: 0.75 })
    expect(rows[1]).toMatchObject({ verify_runs: 2, estimated_cost_usd: null })
  })
})

describe('formatCost', () => {
  it('writes dollars, with more digits below a cent', () => {
    expect(formatCost(null)).toBe('–')
    expect(formatCost(1.5)).toBe('$1.50')
    expect(formatCost(0.0012)).toBe('$0.0012')
    expect(formatCost(0)).toBe('$0.00')
  })
})
