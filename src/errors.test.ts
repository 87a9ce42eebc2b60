import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import {
  AppError,
  ERRORS,
  schemaValidationError,
  toAppError,
  toErrorBody,
  UnsupportedLanguageError,
  ValidationError,
} from './errors.js'

describe('error catalogue', () => {
  const rows = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('| `APP_ERR_'))
    .map((line) => line.split('|').map((cell) => cell.trim()))

  it.each(Object.entries(ERRORS))(
    '%s has a status, a title and a row in docs/errors.md',
    (code, entry) => {
      expect(code).toMatch(/^APP_ERR_[A-Z_]+$/)
      expect(entry.status).toBeGreaterThanOrEqual(400)
      expect(entry.status).toBeLessThan(600)
      expect(entry.title.length).toBeGreaterThan(0)
      expect(rows).toContainEqual([
        '',
        `\`${code}\``,
        String(entry.status),
        entry.title,
        expect.any(String),
        '',
      ])
    },
  )

  it('has unique titles per status, so a title never hides two meanings', () => {
    const keys = Object.values(ERRORS).map((entry) => `${entry.status} ${entry.title}`)
    expect(new Set(keys).size).toBe(keys.length)
  })
})

describe('toErrorBody', () => {
  it('has exactly the contract fields plus extras', () => {
    const now = new Date('2026-01-02T03:04:05.678Z')
    const body = toErrorBody(
      new ValidationError('body.prompt: too short', [
        { field: 'body.prompt', rule: 'too_small', message: 'too short' },
      ]),
      'req-1',
      now,
    )
    expect(body).toEqual({
      error: 'Request validation failed',
      detail: 'body.prompt: too short',
      status_code: 400,
      timestamp: '2026-01-02T03:04:05.678Z',
      request_id: 'req-1',
      code: 'APP_ERR_VALIDATION',
      errors: [{ field: 'body.prompt', rule: 'too_small', message: 'too short' }],
    })
  })

  it('words an unsupported language the documented way', () => {
    const error = new UnsupportedLanguageError('cobol', ['python', 'javascript'])
    expect(error.status).toBe(400)
    expect(toErrorBody(error, 'r').detail).toBe(
      "Programming language 'cobol' not supported; supported: python, javascript",
    )
  })

  it('uses the title when no detail is given', () => {
    expect(new AppError('APP_ERR_INTERNAL').message).toBe('Internal server error')
  })
})

describe('toAppError', () => {
  it('passes an AppError through and hides anything else behind a generic 500', () => {
    const ours = new AppError('APP_ERR_NOT_FOUND', 'gone')
    expect(toAppError(ours)).toBe(ours)
    const theirs = new Error('connection string postgres://u:p@db/x')
    const mapped = toAppError(theirs)
    expect(mapped.code).toBe('APP_ERR_INTERNAL')
    expect(mapped.message).not.toContain('postgres')
    expect(mapped.cause).toBe(theirs)
    expect(toAppError('a string').code).toBe('APP_ERR_INTERNAL')
  })
})

describe('schemaValidationError', () => {
  const schema = z.object({ id: z.string(), options: z.object({ n: z.number().max(5) }) })

  it('names each field with its context and the rule it broke; a missing one is required', () => {
    const result = schema.safeParse({ options: { n: 9 } })
    if (result.success) throw new Error('expected a failure')
    const error = schemaValidationError('message', result.error.issues)
    expect(error.code).toBe('APP_ERR_VALIDATION')
    expect(error.problems).toEqual([
      { field: 'message.id', rule: 'required', message: 'is required' },
      { field: 'message.options.n', rule: 'too_big', message: expect.stringMatching(/5/) },
    ])
    expect(error.message).toMatch(
      /^message\.id: is required \(rule: required\); message\.options\.n: .* \(rule: too_big\)$/,
    )
  })

  it('asks for the value itself when it is missing, and falls back without issues', () => {
    const result = schema.safeParse(undefined)
    if (result.success) throw new Error('expected a failure')
    expect(schemaValidationError('body', result.error.issues).problems).toEqual([
      { field: 'body', rule: 'required', message: 'a JSON body is required' },
    ])
    expect(schemaValidationError('query', [], 'bad query').message).toBe('bad query')
  })
})
