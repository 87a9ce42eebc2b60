import { describe, expect, it } from 'vitest'
import { parseGoTestJson } from './go-test-json.js'

const context = { testFile: 'solution_test.go' }

function events(...lines: object[]): string {
  return `${lines.map((line) => JSON.stringify(line)).join('\n')}\n`
}

describe('parseGoTestJson', () => {
  it('reports subtests as the cases, with their own output as the message', () => {
    const report = parseGoTestJson(
      events(
        { Action: 'run', Test: 'TestAdd' },
        { Action: 'output', Test: 'TestAdd', Output: '=== RUN   TestAdd\n' },
        { Action: 'run', Test: 'TestAdd/one' },
        { Action: 'run', Test: 'TestAdd/bad' },
        {
          Action: 'output',
          Test: 'TestAdd/bad',
          Output: '    solution_test.go:11: Add(1, 2) = 3, want 4\n',
        },
        { Action: 'output', Test: 'TestAdd/bad', Output: '    --- FAIL: TestAdd/bad (0.00s)\n' },
        { Action: 'pass', Test: 'TestAdd/one', Elapsed: 0.001 },
        { Action: 'fail', Test: 'TestAdd/bad', Elapsed: 0 },
        { Action: 'fail', Test: 'TestAdd', Elapsed: 0.002 },
        { Action: 'run', Test: 'TestSkip' },
        { Action: 'skip', Test: 'TestSkip', Elapsed: 0 },
        { Action: 'output', Output: 'FAIL\n' },
        { Action: 'fail', Elapsed: 0.003 },
      ),
      context,
    )
    expect(report?.complete).toBe(true)
    expect(report?.cases).toEqual([
      { name: 'TestAdd/one', outcome: 'passed', message: null, duration_ms: 1 },
      {
        name: 'TestAdd/bad',
        outcome: 'failed',
        message: 'solution_test.go:11: Add(1, 2) = 3, want 4',
        duration_ms: 0,
      },
      { name: 'TestSkip', outcome: 'skipped', message: null, duration_ms: 0 },
    ])
  })

  it('keeps a parent that failed on its own while its subtests passed', () => {
    const report = parseGoTestJson(
      events(
        { Action: 'run', Test: 'TestX' },
        { Action: 'run', Test: 'TestX/a' },
        { Action: 'pass', Test: 'TestX/a' },
        { Action: 'output', Test: 'TestX', Output: '    solution_test.go:9: after the subtests\n' },
        { Action: 'fail', Test: 'TestX' },
        { Action: 'fail' },
      ),
      context,
    )
    expect(report?.cases.map((testCase) => [testCase.name, testCase.outcome])).toEqual([
      ['TestX', 'failed'],
      ['TestX/a', 'passed'],
    ])
  })

  it('takes a panicked test from its result line, and one that never ended as an error', () => {
    const report = parseGoTestJson(
      events(
        { Action: 'run', Test: 'TestPanic' },
        { Action: 'output', Test: 'TestPanic', Output: '--- FAIL: TestPanic (0.00s)\n' },
        { Action: 'output', Test: 'TestPanic', Output: 'panic: not implemented [recovered]\n' },
        { Action: 'run', Test: 'TestHang' },
        { Action: 'output', Test: 'TestHang', Output: 'waiting\n' },
      ),
      context,
    )
    expect(report?.complete).toBe(false)
    expect(report?.cases).toEqual([
      {
        name: 'TestPanic',
        outcome: 'failed',
        message: 'panic: not implemented [recovered]',
        duration_ms: 0,
      },
      { name: 'TestHang', outcome: 'error', message: 'waiting', duration_ms: null },
    ])
  })

  it('adds an error case when the package failed with no failing test', () => {
    const report = parseGoTestJson(
      events({ Action: 'output', Output: 'panic: in init\n' }, { Action: 'fail' }),
      context,
    )
    expect(report?.cases).toEqual([
      { name: 'solution_test.go', outcome: 'error', message: 'panic: in init', duration_ms: null },
    ])
  })

  it('skips what is not an event, and is null when nothing is', () => {
    expect(parseGoTestJson('go: no such tool\n{"Action": 5}\n', context)).toBeNull()
    const report = parseGoTestJson(
      `noise\n${events({ Action: 'run', Test: 'T' }, { Action: 'pass', Test: 'T' }, { Action: 'pass' })}`,
      context,
    )
    expect(report?.counts).toMatchObject({ total: 1, passed: 1 })
  })
})
