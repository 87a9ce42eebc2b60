import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { verificationSchema } from '../../src/schemas/verification.js'
import { createTestApp, listenTestApp } from '../helpers/app.js'
import { sandboxOrSkip } from '../sandbox/helpers.js'
import { SAMPLES } from '../verification/samples.js'

// Real sandbox, real Debian toolchains: skipped on a machine without bubblewrap, failing under
// CI=true, where .ci/run installs them.
const sandbox = await sandboxOrSkip()

const ADD = 'def add(a, b):\n    return a + b\n'
const ADD_TESTS =
  'from solution import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n\n\ndef test_negative():\n    assert add(-2, -3) == -5\n'
const SUBTRACTS = 'def add(a, b):\n    return a - b\n'

/** Two compilers at once fill a CI machine's two cores; a run gets room beyond the default. */
const ROOMY = { VERIFY_TIMEOUT_MS: '60000', VERIFY_CONCURRENCY: '2', RATE_LIMIT_REQUESTS: '0' }

function verify(app: FastifyInstance, body: Record<string, unknown>) {
  return app.inject({ method: 'POST', url: '/api/verify', payload: body })
}

describe.runIf(sandbox)('POST /api/verify', () => {
  let app: FastifyInstance

  beforeAll(async () => {
    app = await createTestApp(ROOMY)
    await app.services.verifier.start()
  })
  afterAll(async () => {
    await app.close()
  })

  it('runs passing tests against the code and answers the verification object', async () => {
    const response = await verify(app, {
      programming_language: 'python',
      code: ADD,
      tests: ADD_TESTS,
    })
    expect(response.statusCode).toBe(200)
    const body = response.json()
    expect(verificationSchema.strict().safeParse(body).success).toBe(true)
    expect(body).toEqual({
      status: 'passed',
      reason: null,
      runner: expect.stringMatching(/^pytest \d+\.\d+/),
      rounds: 0,
      tests: { total: 2, passed: 2, failed: 0, errors: 0, skipped: 0 },
      cases: [
        {
          name: 'test_solution::test_add',
          outcome: 'passed',
          message: null,
          duration_ms: expect.any(Number),
        },
        {
          name: 'test_solution::test_negative',
          outcome: 'passed',
          message: null,
          duration_ms: expect.any(Number),
        },
      ],
      test_quality: { fails_on_stub: null, passed_on_stub: [] },
      duration_ms: expect.any(Number),
      output: expect.stringContaining('2 passed'),
    })
    expect(body.duration_ms).toBeGreaterThan(0)
  })

  it('accepts a language alias', async () => {
    const response = await verify(app, { programming_language: 'py', code: ADD, tests: ADD_TESTS })
    expect(response.json()).toMatchObject({ status: 'passed' })
  })

  it('answers a failing test with 200, the failing case, its assertion and the output', async () => {
    const response = await verify(app, {
      programming_language: 'python',
      code: SUBTRACTS,
      tests: ADD_TESTS,
    })
    expect(response.statusCode).toBe(200)
    const body = response.json()
    expect(body).toMatchObject({
      status: 'failed',
      reason: expect.stringMatching(/failed/),
      tests: { total: 2, passed: 0, failed: 2, errors: 0, skipped: 0 },
      rounds: 0,
      test_quality: { fails_on_stub: null, passed_on_stub: [] },
    })
    expect(body.cases[0]).toMatchObject({
      name: 'test_solution::test_add',
      outcome: 'failed',
      message: expect.stringContaining('assert -1 == 5'),
    })
    expect(body.output).toContain('FAILED test_solution.py::test_add')
  })

  it('answers code that does not compile with 200 failed, compile error and the compiler output', async () => {
    const response = await verify(app, {
      programming_language: 'c',
      code: 'int add(int a, int b) { return a + }\n',
      tests: SAMPLES.c!.tests,
    })
    expect(response.statusCode).toBe(200)
    expect(response.json()).toMatchObject({
      status: 'failed',
      reason: 'compile error',
      runner: expect.stringMatching(/^cmocka /),
      tests: { total: 0 },
      cases: [],
      output: expect.stringMatching(/solution\.c:1:\d+: error: expected expression/),
    })
  })

  it('answers tests that do not compile likewise', async () => {
    const response = await verify(app, {
      programming_language: 'python',
      code: ADD,
      tests: 'from solution import add\n\ndef test_add(:\n    assert add(2, 3) == 5\n',
    })
    expect(response.statusCode).toBe(200)
    expect(response.json()).toMatchObject({
      status: 'failed',
      reason: 'compile error',
      output: expect.stringMatching(/test_solution\.py.*\n[\s\S]*SyntaxError/),
    })
  })

  it('answers a language without a runner with 200 skipped and the reason', async () => {
    const response = await verify(app, {
      programming_language: 'kotlin',
      code: 'fun add(a: Int, b: Int): Int = a + b\n',
      tests: 'import kotlin.test.Test\n',
    })
    expect(response.statusCode).toBe(200)
    expect(response.json()).toEqual({
      status: 'skipped',
      reason: 'no test runner for Kotlin in this version',
      runner: null,
      rounds: 0,
      tests: { total: 0, passed: 0, failed: 0, errors: 0, skipped: 0 },
      cases: [],
      test_quality: { fails_on_stub: null, passed_on_stub: [] },
      duration_ms: 0,
      output: '',
    })
  })

  it('answers an unknown language with 400 naming the supported ones', async () => {
    const response = await verify(app, { programming_language: 'cobol', code: 'x', tests: 'y' })
    expect(response.statusCode).toBe(400)
    expect(response.json()).toMatchObject({
      code: 'APP_ERR_LANGUAGE_UNSUPPORTED',
      detail: expect.stringContaining("'cobol'"),
      supported_languages: expect.arrayContaining(['python', 'rust']),
    })
  })

  it('validates the body', async () => {
    const missing = await verify(app, { programming_language: 'python', code: ADD })
    expect(missing.statusCode).toBe(400)
    expect(missing.json().errors).toEqual([
      expect.objectContaining({ field: 'body.tests', rule: expect.any(String) }),
    ])
    const extra = await verify(app, { programming_language: 'python', code: ADD, tests: 'x', y: 1 })
    expect(extra.statusCode).toBe(400)
    const empty = await verify(app, { programming_language: 'python', code: '', tests: 'x' })
    expect(empty.statusCode).toBe(400)
  })

  it('records each run in verigen_verify_runs_total and verigen_verify_duration_seconds', async () => {
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body
    expect(metrics).toMatch(/verigen_verify_runs_total\{language="python",outcome="passed"\} [1-9]/)
    expect(metrics).toMatch(/verigen_verify_runs_total\{language="python",outcome="failed"\} [1-9]/)
    expect(metrics).toMatch(/verigen_verify_runs_total\{language="kotlin",outcome="skipped"\} 1/)
    expect(metrics).toMatch(/verigen_verify_duration_seconds_count\{language="python"\} [1-9]/)
  })

  // Code and tests written by hand, as a user would, in every language that has a runner.
  describe.concurrent.each(Object.entries(SAMPLES))('%s', (id, sample) => {
    it(
      'passes its tests, and fails the wrong ones naming the case',
      { timeout: 240_000 },
      async () => {
        const [passing, failing] = await Promise.all([
          verify(app, { programming_language: id, code: sample.code, tests: sample.tests }),
          verify(app, { programming_language: id, code: sample.code, tests: sample.failingTests }),
        ])
        expect(passing.statusCode).toBe(200)
        const passed = passing.json()
        expect(passed, passed.output).toMatchObject({ status: 'passed', reason: null, rounds: 0 })
        expect(passed.runner).toMatch(/\d/)
        expect(passed.cases.map((entry: { name: string }) => entry.name)).toEqual(sample.cases)
        expect(failing.statusCode).toBe(200)
        const failed = failing.json()
        expect(failed, failed.output).toMatchObject({ status: 'failed' })
        const failedCase = failed.cases.find(
          (entry: { name: string }) => entry.name === sample.failingCase,
        )
        expect(failedCase).toMatchObject({ outcome: 'failed' })
        expect(failedCase.message).toContain(sample.failingMessage)
      },
    )
  })
})

describe.runIf(sandbox)('POST /api/verify, limits', () => {
  it('answers a run past VERIFY_TIMEOUT_MS with 200 error and the time limit', async () => {
    const app = await createTestApp({ VERIFY_TIMEOUT_MS: '3000' })
    const started = performance.now()
    const response = await verify(app, {
      programming_language: 'python',
      code: 'def spin():\n    while True:\n        pass\n',
      tests: 'from solution import spin\n\n\ndef test_spin():\n    spin()\n',
    })
    expect(response.statusCode).toBe(200)
    expect(response.json()).toMatchObject({
      status: 'error',
      reason: 'time limit (VERIFY_TIMEOUT_MS=3000)',
    })
    // Discovery at start-up, then the run: the limit stopped it, not the test's timeout.
    expect(performance.now() - started).toBeLessThan(15_000)
    await app.close()
  })

  it('refuses code or tests over ANALYSIS_MAX_FILE_BYTES, and a body over ANALYSIS_BODY_LIMIT, with 413', async () => {
    const app = await createTestApp({ ANALYSIS_MAX_FILE_BYTES: '2kb', ANALYSIS_BODY_LIMIT: '8kb' })
    const big = `${ADD}# ${'x'.repeat(3000)}\n`
    const code = await verify(app, { programming_language: 'python', code: big, tests: ADD_TESTS })
    expect(code.statusCode).toBe(413)
    expect(code.json()).toMatchObject({
      code: 'APP_ERR_BODY_TOO_LARGE',
      detail: expect.stringMatching(
        /^The code is \d+ bytes; the limit is 2048 bytes \(ANALYSIS_MAX_FILE_BYTES\)$/,
      ),
    })
    const tests = await verify(app, { programming_language: 'python', code: ADD, tests: big })
    expect(tests.statusCode).toBe(413)
    expect(tests.json().detail).toMatch(/^The tests are \d+ bytes/)
    const body = await verify(app, {
      programming_language: 'python',
      code: ADD,
      tests: ADD_TESTS,
      padding: 'x'.repeat(10_000),
    })
    expect(body.statusCode).toBe(413)
    expect(body.json()).toMatchObject({
      code: 'APP_ERR_BODY_TOO_LARGE',
      detail: expect.stringContaining('ANALYSIS_BODY_LIMIT'),
    })
    await app.close()
  })

  it('is rate-limited like generation', async () => {
    const app = await createTestApp({ RATE_LIMIT_REQUESTS: '1' })
    const body = { programming_language: 'kotlin', code: 'fun f() = 1\n', tests: 'x' }
    expect((await verify(app, body)).statusCode).toBe(200)
    const limited = await verify(app, body)
    expect(limited.statusCode).toBe(429)
    expect(limited.json()).toMatchObject({ code: 'APP_ERR_RATE_LIMITED' })
    await app.close()
  })

  it('stops the run when the client leaves, freeing its slot', { timeout: 60_000 }, async () => {
    const app = await createTestApp({ VERIFY_CONCURRENCY: '1', VERIFY_TIMEOUT_MS: '60000' })
    await app.services.verifier.start()
    const { url } = await listenTestApp(app)
    const client = new AbortController()
    const abandoned = fetch(`${url}/api/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        programming_language: 'python',
        code: 'import time\n\n\ndef wait():\n    time.sleep(60)\n',
        tests: 'from solution import wait\n\n\ndef test_wait():\n    wait()\n',
      }),
      signal: client.signal,
    }).catch((error: unknown) => error)
    // As soon as the run holds the only slot: a client may leave at any moment of a run.
    while (app.services.verifier.health().running === 0) await sleep(20)
    client.abort()
    await abandoned
    const started = performance.now()
    const next = await verify(app, { programming_language: 'python', code: ADD, tests: ADD_TESTS })
    expect(next.json()).toMatchObject({ status: 'passed' })
    // The slot came free long before the 60 s the abandoned test would have slept.
    expect(performance.now() - started).toBeLessThan(15_000)
    expect(app.services.verifier.health()).toMatchObject({ running: 0, queued: 0 })
    await app.close()
  })
})

describe('POST /api/verify without a sandbox', () => {
  it('answers skipped with the reason under SANDBOX=off', async () => {
    const app = await createTestApp({ SANDBOX: 'off' })
    const response = await verify(app, {
      programming_language: 'python',
      code: ADD,
      tests: ADD_TESTS,
    })
    expect(response.statusCode).toBe(200)
    expect(response.json()).toMatchObject({
      status: 'skipped',
      reason: expect.stringMatching(/SANDBOX=off/),
      runner: 'pytest',
      rounds: 0,
      tests: { total: 0 },
      cases: [],
      test_quality: { fails_on_stub: null, passed_on_stub: [] },
    })
    await app.close()
  })
})

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
