import { describe, expect, it } from 'vitest'
import {
  applyEvent,
  currentStage,
  initialProgress,
  progressFromTimings,
  type JobProgress,
} from './progress.js'

function feed(events: [string, unknown][]): JobProgress {
  let progress = initialProgress()
  events.forEach(([event, data], index) => {
    progress = applyEvent(progress, { event, data: JSON.stringify(data) }, 1000 + index * 100)
  })
  return progress
}

describe('applyEvent', () => {
  it('follows a run from started to completed', () => {
    const progress = feed([
      ['started', { id: 'j', model: 'm' }],
      ['code.delta', { text: 'def f' }],
      ['code.delta', { text: '(): pass' }],
    ])
    expect(progress.started).toBe(true)
    expect(progress.model).toBe('m')
    expect(progress.code).toBe('def f(): pass')
    expect(progress.stages.code.state).toBe('running')
    expect(currentStage(progress)).toBe('code')

    const done = feed([
      ['started', { id: 'j', model: 'm' }],
      ['code.delta', { text: 'x' }],
      ['code.done', { code: 'final', validation: {} }],
      ['tests.delta', { text: 't' }],
      ['docs.delta', { text: 'd' }],
      ['tests.done', { code: 't' }],
      ['docs.done', null],
      ['verify.started', { round: 0 }],
      ['verify.result', { round: 0, status: 'passed', tests: { total: 3, passed: 3 } }],
      ['metrics', { functions: [] }],
      ['completed', { id: 'j' }],
    ])
    expect(done.code).toBe('final')
    expect(done.stages.code).toMatchObject({ state: 'done', startedAt: 1000, endedAt: 1200 })
    expect(done.stages.tests.state).toBe('done')
    expect(done.stages.docs.state).toBe('skipped')
    expect(done.stages.verify).toMatchObject({ state: 'done', note: 'passed, 3 of 3 passed' })
    expect(done.stages.metrics.state).toBe('done')
    expect(done.outcome).toBe('completed')
    expect(currentStage(done)).toBeNull()
  })

  it('counts repairs and fix rounds, and a repair restarts the streamed code', () => {
    const progress = feed([
      ['started', { model: 'm' }],
      ['code.delta', { text: 'broken' }],
      ['repair', { stage: 'code', attempt: 2, syntax_errors: [] }],
      ['code.delta', { text: 'ok' }],
      ['code.done', { code: 'ok' }],
      ['verify.started', { round: 0 }],
      ['verify.result', { round: 0, status: 'failed', tests: { total: 2, passed: 1 } }],
      ['fix', { round: 1, reason: 'x' }],
    ])
    expect(progress.repairs).toBe(1)
    expect(progress.stages.code.note).toBe('1 repair')
    expect(progress.code).toBe('ok')
    expect(progress.fixRounds).toBe(1)
    expect(progress.stages.verify).toMatchObject({ state: 'running', note: 'fixing (1 round)' })
  })

  it('ends running stages as failed on an error, and keeps its words', () => {
    const progress = feed([
      ['started', { model: 'm' }],
      ['code.delta', { text: 'x' }],
      [
        'error',
        { error: 'Cancelled', detail: 'Job was cancelled', code: 'APP_ERR_GENERATION_CANCELLED' },
      ],
    ])
    expect(progress.stages.code.state).toBe('failed')
    expect(progress.outcome).toBe('error')
    expect(progress.error).toEqual({
      error: 'Cancelled',
      detail: 'Job was cancelled',
      code: 'APP_ERR_GENERATION_CANCELLED',
    })
  })

  it('starts again on a second started event and ignores what it does not know', () => {
    let progress = feed([
      ['started', { model: 'm' }],
      ['code.delta', { text: 'first run' }],
    ])
    progress = applyEvent(progress, { event: 'started', data: '{"model":"n"}' }, 5000)
    expect(progress.code).toBe('')
    expect(progress.stages.code.startedAt).toBe(5000)
    expect(applyEvent(progress, { event: 'mystery', data: '{}' }, 6000)).toBe(progress)
    expect(applyEvent(progress, { event: 'code.delta', data: 'not json' }, 6000).code).toBe('')
  })
})

describe('progressFromTimings', () => {
  it('marks the stages with a time as done and the rest as skipped', () => {
    const progress = progressFromTimings({ code: 120, tests: 80, total: 300 }, 'completed')
    expect(progress.stages.code).toMatchObject({ state: 'done', startedAt: 0, endedAt: 120 })
    expect(progress.stages.docs.state).toBe('skipped')
    expect(progress.outcome).toBe('completed')
  })
})
