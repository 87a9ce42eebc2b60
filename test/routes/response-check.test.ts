import type { FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { createTestApp, listenTestApp } from '../helpers/app.js'
import {
  checkedResponses,
  failOnResponseProblems,
  takeResponseProblems,
} from '../helpers/response-check.js'

const shape = z.object({ name: z.string(), size: z.number().int() })

/** A test app with routes that answer right and wrong, the ways a real route could drift. */
async function appWithDriftingRoutes(): Promise<FastifyInstance> {
  const app = await createTestApp()
  const unchecked = () => (data: unknown) => JSON.stringify(data)
  const route = (url: string, body: () => unknown, raw = false) =>
    app.get(
      url,
      {
        config: { access: 'public' },
        schema: { response: { 200: shape } },
        serializerCompiler: unchecked,
      },
      async (_request, reply) => {
        if (!raw) return body()
        return reply.type('application/json; charset=utf-8').send(JSON.stringify(body()))
      },
    )
  route('/check/right', () => ({ name: 'a', size: 1 }))
  route('/check/wrong-type', () => ({ name: 'a', size: 'big' }))
  route('/check/undeclared', () => ({ name: 'a', size: 1, colour: 'red' }))
  route('/check/text-missing', () => ({ name: 'a' }), true)
  route('/check/text-undeclared', () => ({ name: 'a', size: 1, extra: [1] }), true)
  app.get(
    '/check/undeclared-status',
    { config: { access: 'public' }, schema: { response: { 200: shape } } },
    (_r, reply) =>
      // The type provider refuses an undeclared status at compile time; a drift gets past it.
      reply.code(202 as 200).send({ name: 'a', size: 1 }),
  )
  return app
}

describe('the response check every test app runs', () => {
  afterEach(() => {
    // What these tests provoke on purpose must not fail them afterwards.
    takeResponseProblems()
  })

  it('passes an answer that matches its schema', async () => {
    const app = await appWithDriftingRoutes()
    const response = await app.inject({ method: 'GET', url: '/check/right' })
    expect(response.statusCode).toBe(200)
    expect(takeResponseProblems()).toEqual([])
    await app.close()
  })

  it('records a wrong type, a missing field, an undeclared field and an undeclared status, sent as objects or as text', async () => {
    const app = await appWithDriftingRoutes()
    for (const url of [
      '/check/wrong-type',
      '/check/undeclared',
      '/check/text-missing',
      '/check/text-undeclared',
      '/check/undeclared-status',
    ]) {
      await app.inject({ method: 'GET', url })
    }
    const problems = takeResponseProblems()
    expect(problems).toEqual([
      expect.stringMatching(/^GET \/check\/wrong-type → 200: size: .*expected number/i),
      'GET /check/undeclared → 200: colour: not declared in the schema',
      expect.stringMatching(/^GET \/check\/text-missing → 200: size: .*expected number/i),
      'GET /check/text-undeclared → 200: extra: not declared in the schema',
      expect.stringMatching(/^GET \/check\/undeclared-status → 202: status 202 is not declared/),
    ])
    await app.close()
  })

  it('fails the test that received a drifting answer, in afterEach', async () => {
    const app = await appWithDriftingRoutes()
    await app.inject({ method: 'GET', url: '/check/undeclared' })
    expect(() => failOnResponseProblems()).toThrow(
      /1 response\(s\) do not match their route's declared schema:\n {2}GET \/check\/undeclared → 200: colour: not declared/,
    )
    expect(takeResponseProblems()).toEqual([])
    await app.close()
  })

  it('checks answers sent over a real socket as well', async () => {
    const app = await appWithDriftingRoutes()
    const { url } = await listenTestApp(app)
    const response = await fetch(`${url}/check/undeclared`)
    expect(await response.json()).toEqual({ name: 'a', size: 1, colour: 'red' })
    expect(takeResponseProblems()).toEqual([
      'GET /check/undeclared → 200: colour: not declared in the schema',
    ])
    await app.close()
  })

  it("checks the service's own routes, pre-serialised ones and errors included", async () => {
    const app = await createTestApp()
    const before = checkedResponses()
    const missing = await app.inject({ method: 'GET', url: '/api/languages/cobol' })
    expect(missing.statusCode).toBe(404)
    const analysed = await app.inject({
      method: 'POST',
      url: '/api/analyze',
      payload: { code: 'def add(a, b):\n    return a + b\n', programming_language: 'python' },
    })
    expect(analysed.statusCode).toBe(200)
    const invalid = await app.inject({ method: 'POST', url: '/api/analyze', payload: {} })
    expect(invalid.statusCode).toBe(400)
    expect(checkedResponses() - before).toBe(3)
    expect(takeResponseProblems()).toEqual([])
    await app.close()
  })
})
