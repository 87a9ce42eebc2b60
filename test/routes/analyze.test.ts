import type { FastifyInstance } from 'fastify'
import { describe, expect, it } from 'vitest'
import { createTestApp, listenTestApp, readJson } from '../helpers/app.js'

const PYTHON =
  'def area(width, height):\n    if width < 0 or height < 0:\n        raise ValueError("negative")\n    return width * height\n'

describe('POST /api/analyze', () => {
  it('analyses code in the named language', async () => {
    const app = await createTestApp()
    const response = await app.inject({
      method: 'POST',
      url: '/api/analyze',
      payload: { code: PYTHON, programming_language: 'python' },
    })
    expect(response.statusCode).toBe(200)
    const body = response.json()
    expect(body).toMatchObject({
      programming_language: 'python',
      syntax_valid: true,
      syntax_errors: [],
      metrics: { lines: { total: 4 }, maintainability_rank: 'A' },
      functions: [
        {
          name: 'area',
          qualified_name: 'area',
          start_line: 1,
          end_line: 4,
          cyclomatic_complexity: 3,
          parameters: 2,
          performance: { time_complexity: 'O(1)', estimated: true },
        },
      ],
      performance: { estimated: true },
      readability: { score: expect.any(Number) },
    })
    expect(body.functions[0].halstead).toMatchObject({
      volume: expect.any(Number),
      effort: expect.any(Number),
    })
    await app.close()
  })

  it('detects the language from the file name and reports syntax errors with positions', async () => {
    const app = await createTestApp()
    const response = await app.inject({
      method: 'POST',
      url: '/api/analyze',
      payload: { code: 'function f() {\n  return g(1,\n}\n', filename: 'src/f.js' },
    })
    const body = response.json()
    expect(body).toMatchObject({
      programming_language: 'javascript',
      filename: 'src/f.js',
      syntax_valid: false,
      // JavaScript's verdict is the TypeScript compiler's, with its positions and message.
      syntax_checker: 'typescript',
    })
    expect(body.syntax_errors[0]).toMatchObject({
      line: 3,
      column: 1,
      message: 'Argument expression expected.',
    })
    expect(body.issues[0]).toMatchObject({ rule: 'syntax-error', severity: 'error' })
    await app.close()
  })

  it('reads a .h file as C++ when its code is C++, and as C otherwise', async () => {
    const app = await createTestApp()
    const analyse = async (code: string) =>
      (
        await app.inject({
          method: 'POST',
          url: '/api/analyze',
          payload: { code, filename: 'include/db.h' },
        })
      ).json()
    const cpp = await analyse('namespace db {\nclass Slice {\n public:\n  Slice();\n};\n}\n')
    expect(cpp).toMatchObject({ programming_language: 'cpp', syntax_valid: true })
    const c = await analyse('struct slice { int len; };\nint slice_len(struct slice *s);\n')
    expect(c).toMatchObject({ programming_language: 'c', syntax_valid: true })
    await app.close()
  })

  it('answers an unsupported language with 400 naming it and listing the supported ones', async () => {
    const app = await createTestApp()
    const response = await app.inject({
      method: 'POST',
      url: '/api/analyze',
      payload: { code: 'DISPLAY "HI".', programming_language: 'cobol' },
    })
    expect(response.statusCode).toBe(400)
    expect(response.json()).toMatchObject({
      code: 'APP_ERR_LANGUAGE_UNSUPPORTED',
      detail: expect.stringMatching(
        /^Programming language 'cobol' not supported; supported: .*python/,
      ),
    })
    await app.close()
  })

  it('answers an undetectable language with 400', async () => {
    const app = await createTestApp()
    const response = await app.inject({
      method: 'POST',
      url: '/api/analyze',
      payload: { code: 'x', filename: 'notes.txt' },
    })
    expect(response.statusCode).toBe(400)
    expect(response.json()).toMatchObject({
      code: 'APP_ERR_LANGUAGE_UNDETECTED',
      detail: expect.stringContaining("'notes.txt'"),
    })
    await app.close()
  })

  it('answers code over the file size limit with 413', async () => {
    const app = await createTestApp({ ANALYSIS_MAX_FILE_BYTES: '4kb' })
    const response = await app.inject({
      method: 'POST',
      url: '/api/analyze',
      payload: { code: 'x = 1\n'.repeat(1000), programming_language: 'python' },
    })
    expect(response.statusCode).toBe(413)
    expect(response.json()).toMatchObject({
      code: 'APP_ERR_BODY_TOO_LARGE',
      detail: expect.stringMatching(/6000 bytes; the limit is 4096/),
    })
    await app.close()
  })

  it('validates the request body', async () => {
    const app = await createTestApp()
    const response = await app.inject({
      method: 'POST',
      url: '/api/analyze',
      payload: { programming_language: 'python' },
    })
    expect(response.statusCode).toBe(400)
    expect(response.json().errors).toEqual([
      { field: 'body.code', rule: 'required', message: 'is required' },
    ])
    await app.close()
  })

  it('analyses large inputs in a worker, and keeps serving meanwhile', async () => {
    const app = await createTestApp()
    const { url } = await listenTestApp(app)
    const code =
      'def f(x):\n    for i in range(x):\n        if i % 2 and i % 3:\n            x += i\n    return x\n\n'.repeat(
        8000,
      )
    const order: string[] = []
    const analysis = fetch(`${url}/api/analyze`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code, programming_language: 'python' }),
    }).then(async (response) => {
      order.push('analysis')
      return readJson(response)
    })
    await new Promise((resolve) => setTimeout(resolve, 20))
    const health = await fetch(`${url}/api/health`)
    order.push('health')
    expect(health.status).toBe(200)
    const report = await analysis
    expect(order).toEqual(['health', 'analysis'])
    expect(report.functions).toHaveLength(8000)
    expect(report.functions[7999]).toMatchObject({
      start_line: 7999 * 6 + 1,
      cyclomatic_complexity: 4,
    })
    await app.close()
  }, 30_000)

  it('stops an analysis past ANALYSIS_TIMEOUT_MS with 422, and the next one still works', async () => {
    const app = await createTestApp({ ANALYSIS_TIMEOUT_MS: '100' })
    const slow = 'x = [' + '[1, 2, 3], '.repeat(60_000) + ']\n'
    const response = await app.inject({
      method: 'POST',
      url: '/api/analyze',
      payload: { code: slow, programming_language: 'python' },
    })
    expect(response.statusCode).toBe(422)
    expect(response.json()).toMatchObject({ code: 'APP_ERR_ANALYSIS_TIMEOUT' })
    const next = await app.inject({
      method: 'POST',
      url: '/api/analyze',
      payload: { code: 'y = 1\n'.repeat(300), programming_language: 'python' },
    })
    expect(next.statusCode).toBe(200)
    await app.close()
  }, 30_000)
})

/** 16,000 bytes of nested braces: seconds of analysis in Kotlin, whatever the machine. */
const NESTED_KOTLIN = '{'.repeat(8000) + '}'.repeat(8000)

function post(url: string, path: string, body: unknown): Promise<Response> {
  return fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
}

/** Waits until the pool runs `busy` tasks, as `/api/health` reports it. */
async function untilBusy(app: FastifyInstance, busy: number): Promise<void> {
  for (;;) {
    const health = await app.inject({ method: 'GET', url: '/api/health' })
    if (health.json().services.analysis.busy >= busy) return
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

describe('bounded analyses', () => {
  it('stops a small hostile input at ANALYSIS_TIMEOUT_MS with 422, serving other requests meanwhile', async () => {
    const app = await createTestApp({ ANALYSIS_TIMEOUT_MS: '1000' })
    const { url } = await listenTestApp(app)
    const order: string[] = []
    const analysis = post(url, '/api/analyze', {
      code: NESTED_KOTLIN,
      programming_language: 'kotlin',
    }).then(async (response) => {
      order.push('analysis')
      return { status: response.status, body: await readJson(response) }
    })
    await untilBusy(app, 1)
    const health = await fetch(`${url}/api/health`)
    order.push('health')
    expect(health.status).toBe(200)
    const { status, body } = await analysis
    expect(order).toEqual(['health', 'analysis'])
    expect(status).toBe(422)
    expect(body).toMatchObject({
      code: 'APP_ERR_ANALYSIS_TIMEOUT',
      status_code: 422,
      detail: expect.stringContaining('ANALYSIS_TIMEOUT_MS'),
    })
    await app.close()
  }, 30_000)

  it('bounds the parse gate of a generation the same way (the service every caller shares)', async () => {
    const app = await createTestApp({ ANALYSIS_TIMEOUT_MS: '500' })
    await expect(
      app.services.analysis.analyze({ code: NESTED_KOTLIN, programming_language: 'kotlin' }),
    ).rejects.toMatchObject({ code: 'APP_ERR_ANALYSIS_TIMEOUT' })
    await app.close()
  }, 30_000)

  it('stops a worker that needs more than ANALYSIS_WORKER_MEMORY with 422, and the next analysis works', async () => {
    const app = await createTestApp({
      ANALYSIS_WORKER_MEMORY: '96MiB',
      ANALYSIS_TIMEOUT_MS: '60000',
    })
    const response = await app.inject({
      method: 'POST',
      url: '/api/analyze',
      payload: { code: NESTED_KOTLIN, programming_language: 'kotlin' },
    })
    expect(response.statusCode).toBe(422)
    expect(response.json()).toMatchObject({
      code: 'APP_ERR_ANALYSIS_MEMORY',
      detail: expect.stringContaining('ANALYSIS_WORKER_MEMORY'),
    })
    const next = await app.inject({
      method: 'POST',
      url: '/api/analyze',
      payload: { code: PYTHON, programming_language: 'python' },
    })
    expect(next.statusCode).toBe(200)
    await app.close()
  }, 60_000)

  it("answers another request's analysis while a batch of slow files runs, and times out each slow file alone", async () => {
    const app = await createTestApp({ ANALYSIS_WORKERS: '1', ANALYSIS_TIMEOUT_MS: '1000' })
    const { url } = await listenTestApp(app)
    const order: string[] = []
    const files = [
      ...[1, 2, 3].map((index) => ({ filename: `nested${index}.kt`, code: NESTED_KOTLIN })),
      { filename: 'area.py', code: PYTHON },
    ]
    const batch = post(url, '/api/analyze/batch', { files }).then(async (response) => {
      order.push('batch')
      return { status: response.status, body: await readJson(response) }
    })
    await untilBusy(app, 1)
    const single = await post(url, '/api/analyze', { code: PYTHON, programming_language: 'python' })
    order.push('single')
    expect(single.status).toBe(200)
    const { status, body } = await batch
    expect(order).toEqual(['single', 'batch'])
    expect(status).toBe(200)
    expect(body.results.map((result: { status: string }) => result.status)).toEqual([
      'error',
      'error',
      'error',
      'ok',
    ])
    for (const result of body.results.slice(0, 3)) {
      expect(result.error).toMatchObject({ code: 'APP_ERR_ANALYSIS_TIMEOUT', status_code: 422 })
    }
    expect(body.results[3].result).toMatchObject({ filename: 'area.py', syntax_valid: true })
    expect(body.summary).toEqual({ files: 4, analysed: 1, failed: 3, syntax_invalid: 0 })
    await app.close()
  }, 30_000)

  it('gives a batch ANALYSIS_BATCH_TIMEOUT_MS: the files not done by then answer 422, the others keep their reports', async () => {
    const app = await createTestApp({
      ANALYSIS_WORKERS: '1',
      ANALYSIS_TIMEOUT_MS: '60000',
      ANALYSIS_BATCH_TIMEOUT_MS: '1000',
    })
    // A started worker: its start-up (a second from source) is not the batch's to pay here.
    await app.services.analysis.analyze({ code: PYTHON, programming_language: 'python' })
    const response = await app.inject({
      method: 'POST',
      url: '/api/analyze/batch',
      payload: {
        files: [
          { filename: 'area.py', code: PYTHON },
          { filename: 'nested1.kt', code: NESTED_KOTLIN },
          { filename: 'nested2.kt', code: NESTED_KOTLIN },
        ],
      },
    })
    expect(response.statusCode).toBe(200)
    const body = response.json()
    expect(body.results[0]).toMatchObject({ status: 'ok', result: { syntax_valid: true } })
    for (const result of body.results.slice(1)) {
      expect(result).toMatchObject({
        status: 'error',
        error: {
          code: 'APP_ERR_ANALYSIS_TIMEOUT',
          status_code: 422,
          detail: expect.stringContaining('ANALYSIS_BATCH_TIMEOUT_MS'),
        },
      })
    }
    // The worker that ran the unfinished file was stopped: the pool is free at once.
    const health = await app.inject({ method: 'GET', url: '/api/health' })
    expect(health.json().services.analysis).toMatchObject({ busy: 0, queued: 0 })
    await app.close()
  }, 30_000)
})

describe('POST /api/analyze/batch', () => {
  it('analyses every file in order, and one failure never fails the others', async () => {
    const app = await createTestApp()
    const response = await app.inject({
      method: 'POST',
      url: '/api/analyze/batch',
      payload: {
        files: [
          { filename: 'a.py', code: PYTHON },
          { filename: 'b.cob', code: 'DISPLAY "HI".' },
          { filename: 'c.go', code: 'package main\nfunc f() {\n' },
          { filename: 'd.txt', code: 'fn main() {}\n', programming_language: 'rust' },
        ],
      },
    })
    expect(response.statusCode).toBe(200)
    const body = response.json()
    expect(
      body.results.map((result: { index: number; status: string }) => [
        result.index,
        result.status,
      ]),
    ).toEqual([
      [0, 'ok'],
      [1, 'error'],
      [2, 'ok'],
      [3, 'ok'],
    ])
    // A failed file carries the API's whole error body, as an HTTP answer would.
    expect(body.results[1].error).toEqual({
      error: 'Programming language not detected',
      detail: expect.stringContaining('b.cob'),
      status_code: 400,
      code: 'APP_ERR_LANGUAGE_UNDETECTED',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      request_id: response.headers['x-request-id'],
      supported_languages: expect.arrayContaining(['python', 'go']),
    })
    expect(body.results[2].result.syntax_valid).toBe(false)
    expect(body.results[3].result.programming_language).toBe('rust')
    expect(body.summary).toEqual({ files: 4, analysed: 3, failed: 1, syntax_invalid: 1 })
    await app.close()
  })

  it('refuses more than 100 files', async () => {
    const app = await createTestApp()
    const files = Array.from({ length: 101 }, (_, index) => ({
      filename: `f${index}.py`,
      code: 'x = 1\n',
    }))
    const response = await app.inject({
      method: 'POST',
      url: '/api/analyze/batch',
      payload: { files },
    })
    expect(response.statusCode).toBe(400)
    expect(response.json().errors[0]).toMatchObject({ field: 'body.files', rule: 'too_big' })
    await app.close()
  })
})
