import { describe, expect, it } from 'vitest'
import { parseJestJson } from './jest-json.js'

const context = { testFile: 'solution.test.js' }

function jestReport(testResults: unknown): string {
  return JSON.stringify({ numTotalTests: 99, success: false, testResults })
}

describe('parseJestJson', () => {
  it('names cases as Jest prints them, and keeps the failure without the runner frames', () => {
    const report = parseJestJson(
      jestReport([
        {
          name: '/work/solution.test.js',
          status: 'failed',
          message: '  ● add › bad',
          assertionResults: [
            {
              ancestorTitles: ['add'],
              title: 'adds',
              status: 'passed',
              duration: 4,
              failureMessages: [],
            },
            {
              ancestorTitles: ['add'],
              title: 'bad',
              status: 'failed',
              duration: 3,
              failureMessages: [
                'Error: expect(received).toBe(expected)\n\nExpected: 4\nReceived: 3\n    at Object.<anonymous> (/work/solution.test.js:5:41)\n    at Promise.finally.completed (/opt/node_modules/jest-circus/build/jestAdapterInit.js:1834:28)\n    at new Promise (<anonymous>)',
              ],
            },
            {
              ancestorTitles: [],
              title: 'later',
              status: 'todo',
              duration: null,
              failureMessages: [],
            },
          ],
        },
      ]),
      context,
    )
    expect(report?.counts).toEqual({ total: 3, passed: 1, failed: 1, errors: 0, skipped: 1 })
    expect(report?.cases).toEqual([
      { name: 'add › adds', outcome: 'passed', message: null, duration_ms: 4 },
      {
        name: 'add › bad',
        outcome: 'failed',
        message:
          'Error: expect(received).toBe(expected)\n\nExpected: 4\nReceived: 3\n    at Object.<anonymous> (/work/solution.test.js:5:41)',
        duration_ms: 3,
      },
      { name: 'later', outcome: 'skipped', message: null, duration_ms: null },
    ])
  })

  it('makes a test file that failed to run one error case named after it', () => {
    const report = parseJestJson(
      jestReport([
        {
          name: '/work/solution.test.js',
          status: 'failed',
          message: "  ● Test suite failed to run\n\n    SyntaxError: Unexpected token ')'",
          assertionResults: [],
        },
      ]),
      context,
    )
    expect(report?.cases).toEqual([
      {
        name: 'solution.test.js',
        outcome: 'error',
        message: "● Test suite failed to run\n\n    SyntaxError: Unexpected token ')'",
        duration_ms: null,
      },
    ])
  })

  it('reads a wrong shape as absent rather than trusting it', () => {
    expect(parseJestJson('{"testResults": 5}', context)).toBeNull()
    expect(parseJestJson('{"testResults": [', context)).toBeNull()
    expect(parseJestJson('null', context)).toBeNull()
    const odd = parseJestJson(
      jestReport([
        null,
        7,
        { assertionResults: [null, { title: 3, status: {}, failureMessages: 'x' }] },
      ]),
      context,
    )
    expect(odd?.cases).toEqual([{ name: '', outcome: 'error', message: null, duration_ms: null }])
  })
})
