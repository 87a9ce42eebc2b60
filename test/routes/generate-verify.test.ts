import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createTestApp, listenTestApp, readJson } from '../helpers/app.js'
import { DOCS, GOOD_CODE, llmEnv, TESTS } from '../helpers/generation.js'
import {
  CHAT,
  chatBody,
  chatReply,
  fenced,
  messageText,
  ScriptedLlmServer,
} from '../helpers/scripted-llm.js'
import { collectSse } from '../helpers/sse.js'
import { Client, isFinal } from '../helpers/ws-client.js'

/**
 * Verified generation end to end: a scripted model, the real server, the real sandbox and
 * pytest. The model's answers are chosen by what each request asks for, as a model would read it.
 */

const PROMPT = 'parse an ISO-8601 duration into seconds'

/** GOOD_CODE with a bug that TESTS expose: an hour is 3601 seconds. */
const BUGGY_CODE = GOOD_CODE.replace('return 3600', 'return 3601')

/** Tests that pass whatever the code does: they never call it. */
const WEAK_TESTS = `from solution import parse_duration


def test_imports():
    assert parse_duration is not None


def test_truth():
    assert 1 + 1 == 2
`

/** A test that is wrong: the request never said an hour is 60 seconds. */
const WRONG_TESTS = `from solution import parse_duration


def test_hour():
    assert parse_duration("PT1H") == 60
`

/**
 * Valid TypeScript (a tagged template with a type argument) that the tree-sitter grammar
 * rejects with "missing '!'"; TypeScript's own parser accepts it.
 */
const TAGGED_TEMPLATE = `type Row = { id: number }

export function query(sql: <T>(parts: TemplateStringsArray) => T): Row[] {
  return sql<Row[]>\`select id from t\`
}
`

const COMMA_IN_TERNARY = `struct Box {
  int value;
};

int pick(bool wanted, int value) {
  Box box{0};
  Box* found = wanted ? (box = Box{value}, &box) : nullptr;
  return found ? found->value : 0;
}
`

/** The verification events of a generation, as [type, round, status]. */
function roundsOf(events: { type: string; data: { round?: number; status?: string } }[]) {
  return events
    .filter((event) => ['verify.started', 'verify.result', 'fix'].includes(event.type))
    .map((event) => [event.type, event.data.round, event.data.status ?? null])
}

/** A buggy first answer, its failure quoted back, and the fixed code passing. */
const ONE_FIX_ROUND = [
  ['verify.started', 0, null],
  ['verify.result', 0, 'failed'],
  ['fix', 1, null],
  ['verify.started', 1, null],
  ['verify.result', 1, 'passed'],
]

type Ask = 'code' | 'tests' | 'docs' | 'fix' | 'stronger'

/** What a chat request asks for, read from its last user message. */
function askOf(text: string): Ask {
  if (text.startsWith('Write unit tests')) return 'tests'
  if (text.startsWith('Write the documentation')) return 'docs'
  if (text.includes('and the run did not pass')) return 'fix'
  if (text.includes('stub that only fails')) return 'stronger'
  return 'code'
}

// Each case runs several sandboxed test runs (code, fixes, the stub): seconds on a busy machine.
describe('verified generation', { timeout: 60_000 }, () => {
  let upstream: ScriptedLlmServer
  let app: FastifyInstance
  let url: string
  /** Replies per kind of request; each call takes the next one, the last one repeats. */
  let script: Record<Ask, string[]>
  /** The user messages received, by kind. */
  let asked: Record<Ask, string[]>

  beforeAll(async () => {
    upstream = await new ScriptedLlmServer().start()
    upstream.on(CHAT, (request, response) => {
      const messages = chatBody(request).messages
      const text = messageText(messages[messages.length - 1] ?? { role: 'user', content: '' })
      const ask = askOf(text)
      asked[ask].push(text)
      const replies = script[ask]
      const reply = replies.length > 1 ? replies.shift()! : replies[0]!
      return chatReply(reply)(request, response)
    })
    app = await createTestApp(llmEnv(upstream, { VERIFY_DEFAULT: 'true' }))
    url = (await listenTestApp(app)).url
  })
  afterAll(async () => {
    await app.close()
    await upstream.close()
  })
  beforeEach(() => {
    script = {
      code: [fenced('python', GOOD_CODE)],
      tests: [fenced('python', TESTS)],
      docs: [DOCS],
      fix: [fenced('python', GOOD_CODE)],
      stronger: [fenced('python', TESTS)],
    }
    asked = { code: [], tests: [], docs: [], fix: [], stronger: [] }
  })

  async function generate(body: Record<string, unknown> = {}) {
    const response = await fetch(`${url}/api/generate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        prompt: PROMPT,
        programming_language: 'python',
        ...body,
        options: { cache: false, ...(body.options as object) },
      }),
    })
    expect(response.status).toBe(200)
    return readJson(response)
  }

  it('runs the tests, and a passing run whose tests fail on a stub is completed', async () => {
    const result = await generate()
    expect(result.status).toBe('completed')
    expect(result.errors).toEqual([])
    expect(result.verification).toMatchObject({
      status: 'passed',
      reason: null,
      runner: expect.stringMatching(/^pytest \d+\.\d+/),
      rounds: 0,
      tests: { total: 2, passed: 2, failed: 0, errors: 0, skipped: 0 },
      test_quality: { fails_on_stub: true, passed_on_stub: [] },
    })
    expect(result.verification.cases.map((test: { outcome: string }) => test.outcome)).toEqual([
      'passed',
      'passed',
    ])
    expect(result.timings_ms.verify).toBeGreaterThan(0)
    expect(asked.fix).toEqual([])
    expect(asked.stronger).toEqual([])
    const stored = await readJson(await fetch(`${url}/api/generations/${result.id}`))
    expect(stored.result.verification).toEqual(result.verification)
  })

  it('quotes the failure back, takes the fixed code and verifies it', async () => {
    script.code = [fenced('python', BUGGY_CODE)]
    const result = await generate()
    expect(result.status).toBe('completed')
    expect(result.code).toContain('return 3600')
    expect(result.verification).toMatchObject({ status: 'passed', rounds: 1 })
    // The fix request names the failing test and quotes pytest's assertion.
    expect(asked.fix).toHaveLength(1)
    expect(asked.fix[0]).toContain('test_hour')
    expect(asked.fix[0]).toContain('3601')
    const fix = result.validation.attempts.find(
      (attempt: { kind: string }) => attempt.kind === 'test_failure',
    )
    expect(fix).toMatchObject({ stage: 'code', round: 1, syntax_valid: true })
    expect(fix.reason).toMatch(/1 of 2 tests failed/)
  })

  it('streams each round: verify.started, verify.result, fix, then completed', async () => {
    script.code = [fenced('python', BUGGY_CODE)]
    const response = await fetch(`${url}/api/generate/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        prompt: PROMPT,
        programming_language: 'python',
        include_docs: false,
        options: { cache: false },
      }),
    })
    const { events } = await collectSse(response)
    expect(roundsOf(events.map(({ event, data }) => ({ type: event, data })))).toEqual(
      ONE_FIX_ROUND,
    )
    const completed = events.at(-1)!
    expect(completed.event).toBe('completed')
    expect(completed.data.verification.status).toBe('passed')
  })

  it('sends the same rounds over the WebSocket', async () => {
    script.code = [fenced('python', BUGGY_CODE)]
    const client = await Client.open(url)
    try {
      client.send({
        type: 'generate',
        ref: 'verified',
        prompt: PROMPT,
        programming_language: 'python',
        include_docs: false,
        options: { cache: false },
      })
      // Three sandbox runs and a fix round: longer than finished()'s 5 s on a busy machine.
      await client.until(
        () => client.messages.find((message) => message.ref === 'verified' && isFinal(message)),
        'the end of the generation',
        60_000,
      )
      const events = client.messages.filter((message) => message.ref === 'verified')
      expect(roundsOf(events)).toEqual(ONE_FIX_ROUND)
      expect(events.at(-1)).toMatchObject({
        type: 'completed',
        data: { verification: { status: 'passed', rounds: 1 } },
      })
    } finally {
      client.socket.close()
    }
  })

  it('is partial, with the failure in errors, when the fix rounds run out', async () => {
    script.code = [fenced('python', BUGGY_CODE)]
    script.fix = [fenced('python', BUGGY_CODE)]
    const result = await generate({ options: { max_fix_rounds: 1 } })
    expect(result.status).toBe('partial')
    expect(result.verification).toMatchObject({
      status: 'failed',
      rounds: 1,
      tests: { total: 2, passed: 1, failed: 1 },
    })
    const failing = result.verification.cases.find(
      (test: { outcome: string }) => test.outcome === 'failed',
    )
    expect(failing.name).toContain('test_hour')
    expect(failing.message).toContain('3601')
    expect(result.errors).toEqual([
      { stage: 'verify', detail: '1 of 2 tests still fail after 1 fix round' },
    ])
    expect(asked.fix).toHaveLength(1)
  })

  it('takes a corrected test, and says the tests were corrected, when the model finds the test wrong', async () => {
    script.tests = [fenced('python', WRONG_TESTS)]
    script.fix = [fenced(`python ${'test_solution.py'}`, TESTS)]
    const result = await generate()
    expect(result.status).toBe('completed')
    expect(result.code).toBe(GOOD_CODE)
    expect(result.tests.code).toBe(TESTS)
    const fix = result.validation.attempts.find(
      (attempt: { kind: string }) => attempt.kind === 'test_failure',
    )
    expect(fix).toMatchObject({ stage: 'tests', round: 1 })
    expect(fix.reason).toMatch(/^The model corrected the tests, not the code/)
  })

  it('asks once for stronger tests when the tests pass on a stub, and reports them if they still do', async () => {
    script.tests = [fenced('python', WEAK_TESTS)]
    script.stronger = [fenced('python', WEAK_TESTS)]
    const result = await generate()
    expect(result.status).toBe('partial')
    expect(result.verification.status).toBe('passed')
    expect(result.verification.test_quality.fails_on_stub).toBe(false)
    expect(result.verification.test_quality.passed_on_stub).toHaveLength(2)
    expect(asked.stronger).toHaveLength(1)
    expect(result.errors).toEqual([
      { stage: 'verify', detail: expect.stringMatching(/^2 tests also pass on a stub/) },
    ])
    const kinds = result.validation.attempts.map((attempt: { kind: string }) => attempt.kind)
    expect(kinds).toContain('weak_tests')
  })

  it('keeps the stronger tests when they fail on the stub', async () => {
    script.tests = [fenced('python', WEAK_TESTS)]
    const result = await generate()
    expect(result.status).toBe('completed')
    expect(result.tests.code).toBe(TESTS)
    expect(result.verification.test_quality).toEqual({ fails_on_stub: true, passed_on_stub: [] })
  })

  it('skips verification, saying why, when it is not asked for or there are no tests', async () => {
    const off = await generate({ options: { verify: false } })
    expect(off.status).toBe('completed')
    expect(off.verification).toMatchObject({
      status: 'skipped',
      reason: expect.stringMatching(/not asked/),
    })
    const noTests = await generate({ include_tests: false })
    expect(noTests.verification).toMatchObject({
      status: 'skipped',
      reason: expect.stringMatching(/include_tests/),
    })
  })

  it('runs no fix round when max_fix_rounds is 0', async () => {
    script.code = [fenced('python', BUGGY_CODE)]
    const result = await generate({ options: { max_fix_rounds: 0 } })
    expect(result.status).toBe('partial')
    expect(result.verification).toMatchObject({ status: 'failed', rounds: 0 })
    expect(asked.fix).toEqual([])
  })

  it("lets the compiler's verdict beat the grammar's: valid code the grammar rejects costs no repair", async () => {
    // tree-sitter-cpp cannot read a comma expression inside a ternary; g++ compiles it.
    script.code = [fenced('cpp', COMMA_IN_TERNARY)]
    const result = await generate({
      programming_language: 'cpp',
      include_tests: false,
      include_docs: false,
    })
    expect(result.status).toBe('completed')
    expect(result.validation).toMatchObject({ syntax_valid: true, repair_attempts: 0 })
    expect(result.validation.attempts).toEqual([
      expect.objectContaining({
        syntax_valid: true,
        syntax_checked_by: 'compiler',
        syntax_errors: [],
      }),
    ])
    expect(asked.code).toHaveLength(1)
  })

  it("takes the TypeScript compiler parser's verdict in process: no sandbox run, no repair", async () => {
    script.code = [fenced('typescript', TAGGED_TEMPLATE)]
    const result = await generate({
      programming_language: 'typescript',
      include_tests: false,
      include_docs: false,
    })
    expect(result.status).toBe('completed')
    expect(result.validation.attempts).toEqual([
      expect.objectContaining({
        syntax_valid: true,
        syntax_checked_by: 'parser',
        syntax_errors: [],
      }),
    ])
    expect(asked.code).toHaveLength(1)
  })
})
