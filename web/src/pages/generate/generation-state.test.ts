import { describe, expect, it } from 'vitest'
import type { GenerationEvent, GenerationResult } from '../../api/generation-types.js'
import {
  cancelProgress,
  fromResult,
  initialProgress,
  parseGenerationEvent,
  reduceProgress,
  statusLine,
  stripFence,
  type GenerationProgress,
} from './generation-state.js'

const counts = { total: 2, passed: 2, failed: 0, errors: 0, skipped: 0 }

function result(overrides: Partial<GenerationResult> = {}): GenerationResult {
  return {
    id: 'g1',
    status: 'completed',
    programming_language: 'python',
    code: 'def f():\n    return 1\n',
    filename: 'solution.py',
    tests: {
      code: 'def test_f(): pass\n',
      framework: 'pytest',
      filename: 'test_solution.py',
      syntax_valid: true,
    },
    documentation: { content: '# f\n', format: 'markdown' },
    verification: {
      status: 'passed',
      reason: null,
      runner: 'pytest 7',
      rounds: 0,
      tests: counts,
      cases: [],
      test_quality: { fails_on_stub: true, passed_on_stub: [] },
      duration_ms: 700,
      output: '2 passed',
    },
    metrics: null,
    validation: { syntax_valid: true, syntax_errors: [], repair_attempts: 0, attempts: [] },
    usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3, llm_calls: 3 },
    timings_ms: { code: 2000, tests: 30, docs: 25, verify: 750, metrics: 900, total: 2800 },
    model: 'm',
    provider: 'p',
    cached: false,
    created_at: '2026-01-01T00:00:00Z',
    errors: [],
    ...overrides,
  }
}

function run(events: [GenerationEvent, number][]): GenerationProgress {
  return events.reduce(
    (state, [event, now]) => reduceProgress(state, event, now),
    initialProgress(),
  )
}

describe('reduceProgress', () => {
  it('streams the code, stripping the fence, and times the code stage', () => {
    const state = run([
      [{ type: 'started', data: { id: 'g1', model: 'm' } }, 1000],
      [{ type: 'code.delta', data: { text: '```python\nde' } }, 1100],
      [{ type: 'code.delta', data: { text: 'f f():' } }, 1200],
    ])
    expect(state.id).toBe('g1')
    expect(state.stages.code.status).toBe('running')
    expect(stripFence(state.code)).toBe('def f():')
    expect(statusLine(state)).toBe('Running: code…')

    const done = reduceProgress(
      state,
      {
        type: 'code.done',
        data: {
          code: 'def f():\n    return 1\n',
          validation: { syntax_valid: true, syntax_errors: [], repair_attempts: 0, attempts: [] },
        },
      },
      3000,
    )
    expect(done.code).toBe('def f():\n    return 1\n')
    expect(done.fresh.code).toBe(true)
    expect(done.stages.code).toMatchObject({ status: 'done', elapsedMs: 2000 })
  })

  it('counts repairs and starts the next answer afresh', () => {
    const state = run([
      [{ type: 'started', data: { id: 'g1', model: 'm' } }, 0],
      [{ type: 'code.delta', data: { text: 'broken(' } }, 10],
      [{ type: 'repair', data: { stage: 'code', attempt: 2, syntax_errors: [] } }, 20],
      [{ type: 'code.delta', data: { text: 'fixed' } }, 30],
    ])
    expect(state.repairs).toBe(1)
    expect(state.stages.repairs.status).toBe('running')
    expect(state.code).toBe('fixed')
  })

  it('follows tests and docs side by side, then verification rounds and metrics', () => {
    const state = run([
      [{ type: 'started', data: { id: 'g1', model: 'm' } }, 0],
      [{ type: 'tests.delta', data: { text: 'def test' } }, 10],
      [{ type: 'docs.delta', data: { text: '# Doc' } }, 12],
      [{ type: 'verify.started', data: { round: 0 } }, 40],
    ])
    expect(state.stages.tests.status).toBe('running')
    expect(state.stages.docs.status).toBe('running')
    expect(statusLine(state)).toBe('Running: code and tests and docs and verification…')
    const after = [
      {
        type: 'verify.result',
        data: { round: 0, status: 'failed', tests: { ...counts, passed: 1, failed: 1 } },
      },
      { type: 'fix', data: { round: 1, reason: 'test_x failed' } },
      { type: 'verify.started', data: { round: 1 } },
      { type: 'verify.result', data: { round: 1, status: 'passed', tests: counts } },
      { type: 'metrics', data: null },
    ] as GenerationEvent[]
    const final = after.reduce((s, e, i) => reduceProgress(s, e, 50 + i * 10), state)
    expect(final.rounds).toEqual([
      {
        round: 0,
        status: 'failed',
        tests: { ...counts, passed: 1, failed: 1 },
        fixReason: 'test_x failed',
      },
      { round: 1, status: 'passed', tests: counts, fixReason: null },
    ])
    expect(final.stages.verify.status).toBe('done')
    expect(final.stages.verify.elapsedMs).toBe(50 + 4 * 10 - 40)
  })

  it('takes the server timings and the result on completed', () => {
    const state = reduceProgress(run([]), { type: 'completed', data: result() }, 5000)
    expect(state.phase).toBe('completed')
    expect(state.stages.code.elapsedMs).toBe(2000)
    expect(state.stages.verify).toMatchObject({ status: 'done', elapsedMs: 750 })
    expect(state.stages.repairs.status).toBe('skipped')
    expect(statusLine(state)).toBe('Finished: completed, verification passed (2/2 tests passed)')
  })

  it('shows an error event as failed, with the body kept', () => {
    const body = {
      error: 'Provider not configured',
      detail: 'Set X',
      status_code: 503,
      code: 'APP_ERR_PROVIDER_NOT_CONFIGURED',
    }
    const state = run([
      [{ type: 'started', data: { id: 'g1', model: 'm' } }, 0],
      [{ type: 'error', data: body }, 5],
    ])
    expect(state.phase).toBe('failed')
    expect(state.error).toEqual(body)
    expect(state.stages.code.status).toBe('failed')
  })

  it('marks what did not finish as not run when cancelled', () => {
    const state = cancelProgress(run([[{ type: 'started', data: { id: 'g1', model: 'm' } }, 0]]))
    expect(state.phase).toBe('cancelled')
    expect(state.stages.code.status).toBe('skipped')
    expect(statusLine(state)).toBe('Cancelled')
  })
})

describe('fromResult', () => {
  it('reports skipped stages, repairs and verification from a stored result', () => {
    const state = fromResult(
      result({
        tests: null,
        documentation: null,
        verification: { ...result().verification, status: 'skipped', reason: 'no tests' },
        validation: {
          syntax_valid: true,
          syntax_errors: [],
          repair_attempts: 1,
          attempts: [
            { stage: 'code', kind: 'syntax', attempt: 1, duration_ms: 10 },
            { stage: 'code', kind: 'syntax', attempt: 2, duration_ms: 25 },
          ] as GenerationResult['validation']['attempts'],
        },
      }),
    )
    expect(state.stages.tests.status).toBe('skipped')
    expect(state.stages.docs.status).toBe('skipped')
    expect(state.stages.verify).toMatchObject({ status: 'skipped', note: 'no tests' })
    expect(state.stages.repairs).toMatchObject({ status: 'done', elapsedMs: 25, note: '1 repair' })
    expect(state.rounds).toEqual([])
  })
})

describe('stripFence', () => {
  it('strips an opening and a closing fence, and a half-written one', () => {
    expect(stripFence('```python\nx = 1\n```\n')).toBe('x = 1')
    expect(stripFence('```py')).toBe('')
    expect(stripFence('``')).toBe('')
    expect(stripFence('plain')).toBe('plain')
  })
})

describe('parseGenerationEvent', () => {
  it('parses known events and ignores others', () => {
    expect(parseGenerationEvent('code.delta', '{"text":"x"}')).toEqual({
      type: 'code.delta',
      data: { text: 'x' },
    })
    expect(parseGenerationEvent('ping', '{}')).toBeNull()
    expect(parseGenerationEvent('code.delta', 'not json')).toBeNull()
  })
})
