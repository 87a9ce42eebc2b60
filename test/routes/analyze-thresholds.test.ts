import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { createTestApp } from '../helpers/app.js'

// area: cyclomatic 3 (if, or), cognitive 2.
const PYTHON =
  'def area(width, height):\n    if width < 0 or height < 0:\n        raise ValueError("negative")\n    return width * height\n'

interface Issue {
  rule: string
  severity: string
  message: string
  line: number
  function?: string
}

describe('options.max_cyclomatic and options.max_cognitive', () => {
  let app: FastifyInstance
  beforeAll(async () => {
    app = await createTestApp()
  })
  afterAll(() => app.close())

  const analyse = async (options?: Record<string, unknown>) => {
    const response = await app.inject({
      method: 'POST',
      url: '/api/analyze',
      payload: { code: PYTHON, programming_language: 'python', ...(options ? { options } : {}) },
    })
    expect(response.statusCode, response.body).toBe(200)
    return (response.json() as { issues: Issue[] }).issues.filter((issue) =>
      issue.rule.startsWith('complexity-'),
    )
  }

  it('makes each function past a limit an error issue naming the value and the limit', async () => {
    expect(await analyse()).toEqual([])
    expect(await analyse({ max_cyclomatic: 2, max_cognitive: 1 })).toEqual([
      {
        rule: 'complexity-cyclomatic',
        severity: 'error',
        message: "'area' has a cyclomatic complexity of 3; the limit is 2",
        line: 1,
        function: 'area',
      },
      {
        rule: 'complexity-cognitive',
        severity: 'error',
        message: "'area' has a cognitive complexity of 2; the limit is 1",
        line: 1,
        function: 'area',
      },
    ])
  })

  it('counts only values above the limit, not equal to it', async () => {
    expect(await analyse({ max_cyclomatic: 3, max_cognitive: 2 })).toEqual([])
  })

  it('replaces the default limit, which would otherwise flag a complex function as a warning', async () => {
    const branches = Array.from(
      { length: 12 },
      (_, index) => `    if x == ${index}:\n        return ${index}\n`,
    )
    const code = `def pick(x):\n${branches.join('')}    return -1\n`
    const issuesWith = async (options?: Record<string, unknown>) => {
      const response = await app.inject({
        method: 'POST',
        url: '/api/analyze',
        payload: { code, programming_language: 'python', ...(options ? { options } : {}) },
      })
      return (response.json() as { issues: Issue[] }).issues.filter(
        (issue) => issue.rule === 'complexity-cyclomatic',
      )
    }
    expect((await issuesWith()).map((issue) => issue.severity)).toEqual(['warning'])
    expect(await issuesWith({ max_cyclomatic: 20 })).toEqual([])
    expect((await issuesWith({ max_cyclomatic: 5 })).map((issue) => issue.severity)).toEqual([
      'error',
    ])
  })

  it('applies the same limits to every file of a batch', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/api/analyze/batch',
      payload: {
        files: [
          { filename: 'a.py', code: PYTHON },
          { filename: 'b.js', code: 'function f(a, b) {\n  return a && b\n}\n' },
        ],
        options: { max_cyclomatic: 1 },
      },
    })
    expect(response.statusCode).toBe(200)
    const results = (response.json() as { results: { result: { issues: Issue[] } }[] }).results.map(
      (item) =>
        item.result.issues
          .filter((issue) => issue.rule === 'complexity-cyclomatic')
          .map((issue) => [issue.function, issue.severity]),
    )
    expect(results).toEqual([[['area', 'error']], [['f', 'error']]])
  })

  it('refuses a limit below 1 with 400', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/api/analyze',
      payload: { code: PYTHON, programming_language: 'python', options: { max_cyclomatic: 0 } },
    })
    expect(response.statusCode).toBe(400)
  })
})
