import { describe, expect, it } from 'vitest'
import { parseRspecJson } from './rspec-json.js'

const context = { testFile: 'solution_spec.rb' }

describe('parseRspecJson', () => {
  it('names examples by full description, a failure by its exception', () => {
    const report = parseRspecJson(
      JSON.stringify({
        examples: [
          { full_description: 'Solution.add adds', status: 'passed', run_time: 0.01 },
          {
            full_description: 'Solution.add bad',
            status: 'failed',
            run_time: 0.03,
            exception: {
              class: 'RSpec::Expectations::ExpectationNotMetError',
              message: '\nexpected: 4\n     got: 3\n',
            },
          },
          { full_description: 'Solution.add later', status: 'pending', pending_message: 'later' },
        ],
        summary: { errors_outside_of_examples_count: 0 },
      }),
      context,
    )
    expect(report?.counts).toEqual({ total: 3, passed: 1, failed: 1, errors: 0, skipped: 1 })
    expect(report?.cases[1]).toEqual({
      name: 'Solution.add bad',
      outcome: 'failed',
      message: 'RSpec::Expectations::ExpectationNotMetError: \nexpected: 4\n     got: 3',
      duration_ms: 30,
    })
    expect(report?.cases[2]?.message).toBe('later')
  })

  it('makes errors outside examples (a spec that fails to load) one error case', () => {
    const report = parseRspecJson(
      JSON.stringify({
        examples: [],
        messages: [
          'An error occurred while loading ./solution_spec.rb.',
          'NameError: uninitialized constant Solution',
        ],
        summary: { errors_outside_of_examples_count: 1 },
      }),
      context,
    )
    expect(report?.cases).toEqual([
      {
        name: 'solution_spec.rb',
        outcome: 'error',
        message:
          'An error occurred while loading ./solution_spec.rb.\nNameError: uninitialized constant Solution',
        duration_ms: null,
      },
    ])
  })

  it('is null for what is not an RSpec report', () => {
    expect(parseRspecJson('{"examples": {}}', context)).toBeNull()
    expect(parseRspecJson('', context)).toBeNull()
  })
})
