import { describe, expect, it } from 'vitest'
import { redact, REDACTED, registerSecrets } from './redact.js'

describe('redact', () => {
  it('removes a registered secret wherever it appears, also URL-encoded or JSON-escaped', () => {
    const secret = 'plain words "quoted" & more'
    registerSecrets([secret])
    expect(redact(`before ${secret} after`)).toBe(`before ${REDACTED} after`)
    expect(redact(`q=${encodeURIComponent(secret)}`)).toBe(`q=${REDACTED}`)
    expect(redact(JSON.stringify({ detail: `x ${secret}` }))).toBe(`{"detail":"x ${REDACTED}"}`)
  })

  it('removes extra secrets passed by the caller', () => {
    expect(redact('the password is opensesame42', ['opensesame42'])).not.toContain('opensesame42')
  })

  it('ignores blank and very short secrets, which would match ordinary words', () => {
    registerSecrets(['', null, undefined, 'abc', 'ollama'])
    expect(redact('abc def at http://ollama:11434/v1')).toBe('abc def at http://ollama:11434/v1')
  })

  it.each([
    ['Invalid API key provided: sk-abc123def456ghi', 'Invalid API key provided: [redacted]'],
    ['key sk-proj-Ab12_cd34-EF56 refused', 'key [redacted] refused'],
    ['sk-ant-api03-xYz987654321 is invalid', '[redacted] is invalid'],
    ['Authorization: Bearer abc.def-123~x', 'Authorization: Bearer [redacted]'],
    ['header Basic dXNlcjpwYXNz', 'header Basic [redacted]'],
    ['{"api_key": "hunter2hunter2"}', '{"api_key": "[redacted]"}'],
    ['x-api-key=abcdefgh&x=1', 'x-api-key=[redacted]&x=1'],
    ['password: correct-horse', 'password: [redacted]'],
    ['token AbCdEfGh12345678IjKlMnOp90123456Qr', 'token [redacted]'],
  ])('removes a credential-shaped token from %j', (text, expected) => {
    expect(redact(text)).toBe(expected)
  })

  it.each([
    'generation 3f2b8c1e-4d5a-4b6c-8d7e-9f0a1b2c3d4e failed',
    'sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
    'The openai provider at https://api.example.com is rate limiting requests (HTTP 429)',
    'max_tokens: 4096, api-version 2023-06-01',
    'Unexpected token < in JSON at position 0',
  ])('leaves ordinary text alone: %j', (text) => {
    expect(redact(text)).toBe(text)
  })

  // Log lines and error bodies pass through redact, so hostile text must not make it slow: with
  // patterns that scanned ahead from every start these took minutes (the test's time limit ends
  // them); taking each run of token characters once, they take milliseconds.
  it.each([
    ['a run of sk- prefixes', 'sk-'.repeat(200_000), 'sk-'],
    ['a run of short hyphenated words', 'a-'.repeat(300_000), 'a-a-'],
  ])('redacts %s in one pass', (_name, text, kept) => {
    expect(redact(text)).toContain(kept)
    expect(redact(`${text} sk-live-1234567890`)).toContain(REDACTED)
  })
})
