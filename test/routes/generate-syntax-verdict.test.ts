import type { FastifyInstance } from 'fastify'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, listenTestApp, readJson } from '../helpers/app.js'
import { DOCS, llmEnv, repliesByStage, TESTS_REPLY, type Stage } from '../helpers/generation.js'
import { CHAT, fenced, ScriptedLlmServer } from '../helpers/scripted-llm.js'

/**
 * The parse gate acts on the analysis report's verdict. For TypeScript that verdict is the
 * compiler's parser's: code the grammar misreads (a tagged template with type arguments) is
 * valid and goes through without a repair round; code the compiler rejects is sent back.
 */

// tree-sitter-typescript reads `sql<Row[]>` followed by a template as a comparison and fails.
const TAGGED_TEMPLATE = `type Row = { id: number }
type Sql = <T>(parts: TemplateStringsArray, ...values: unknown[]) => Promise<T>

export async function ids(sql: Sql): Promise<number[]> {
  const rows = await sql<Row[]>\`SELECT id FROM items\`
  return rows.map((row) => row.id)
}
`

const UNCLOSED = `export function total(values: number[]): number {
  let sum = 0
  for (const value of values) {
    sum += value
  return sum
}
`

describe("the parse gate and the TypeScript compiler's verdict", () => {
  let upstream: ScriptedLlmServer
  let app: FastifyInstance
  let url: string
  let script: Record<Stage, string[]>

  beforeAll(async () => {
    upstream = await new ScriptedLlmServer().start()
    upstream.on(
      CHAT,
      repliesByStage(() => script),
    )
    app = await createTestApp(llmEnv(upstream, { LLM_ALLOWED_MODELS: 'scripted-large' }))
    url = (await listenTestApp(app)).url
  })
  afterAll(async () => {
    await app.close()
    await upstream.close()
  })
  afterEach(() => {
    upstream.received.length = 0
  })

  async function generate(code: string[]) {
    script = { code, tests: [TESTS_REPLY], docs: [DOCS] }
    const response = await fetch(`${url}/api/generate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        prompt: 'list the item ids',
        programming_language: 'typescript',
        include_tests: false,
        include_docs: false,
        options: { cache: false, max_repair_attempts: 1 },
      }),
    })
    expect(response.status).toBe(200)
    return readJson(response)
  }

  it('accepts a tagged template with type arguments without a repair round', async () => {
    const body = await generate([fenced('typescript', TAGGED_TEMPLATE)])
    expect(body).toMatchObject({
      status: 'completed',
      code: TAGGED_TEMPLATE,
      validation: { syntax_valid: true, syntax_errors: [], repair_attempts: 0 },
    })
    expect(body.validation.attempts[0]).toMatchObject({ syntax_checked_by: 'parser' })
    expect(upstream.requests(CHAT)).toHaveLength(1)
  })

  it("sends the compiler's error back when the code does not parse", async () => {
    const body = await generate([
      fenced('typescript', UNCLOSED),
      fenced('typescript', TAGGED_TEMPLATE),
    ])
    expect(body.validation.repair_attempts).toBe(1)
    expect(body.validation.attempts[0]).toMatchObject({ syntax_valid: false })
    expect(body.validation.attempts[0].syntax_errors[0]).toMatchObject({
      line: 7,
      message: "'}' expected.",
    })
    expect(upstream.requests(CHAT)).toHaveLength(2)
  })
})
