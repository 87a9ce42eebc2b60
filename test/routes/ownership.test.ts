import { randomUUID } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, listenTestApp, readJson } from '../helpers/app.js'
import {
  authEnv,
  bearer,
  createUser,
  login,
  openSocket,
  withoutRequestFields,
} from '../helpers/auth.js'
import {
  CODE_REPLY,
  DOCS,
  llmEnv,
  repliesByStage,
  TESTS_REPLY,
  waitFor,
} from '../helpers/generation.js'
import { CHAT, ScriptedLlmServer } from '../helpers/scripted-llm.js'
import { collectSse } from '../helpers/sse.js'
import type { Client } from '../helpers/ws-client.js'

/**
 * Object-level authorization (OWASP API1): a generation, a job and a streamed generation belong
 * to the user who asked. Another user gets the 404 an unknown id gets, on every route and on the
 * WebSocket; lists show one's own; administrators see all.
 */

const request = (prompt: string, cache = false) => ({
  prompt,
  programming_language: 'python',
  include_tests: false,
  include_docs: false,
  options: { cache },
})

describe('ownership of generations and jobs (AUTH=on)', () => {
  let upstream: ScriptedLlmServer
  let app: FastifyInstance
  let url: string
  const as: Record<'a' | 'b' | 'admin', Record<string, string>> = { a: {}, b: {}, admin: {} }
  const tokens: Record<'a' | 'b', string> = { a: '', b: '' }
  const ids = { a: { generation: '', job: '', stream: '' }, b: { generation: '' } }
  let userA = ''
  const sockets: Client[] = []

  const api = (who: keyof typeof as, method: string, path: string, body?: object, extra = {}) =>
    fetch(`${url}${path}`, {
      method,
      headers: {
        ...as[who],
        ...extra,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    })

  beforeAll(async () => {
    upstream = await new ScriptedLlmServer().start()
    upstream.on(
      CHAT,
      repliesByStage(() => ({ code: CODE_REPLY, tests: TESTS_REPLY, docs: DOCS })),
    )
    app = await createTestApp(authEnv(llmEnv(upstream, { WORKER_CONCURRENCY: '1' })))
    url = (await listenTestApp(app)).url
    const a = await createUser(app, 'owner-a')
    const b = await createUser(app, 'owner-b')
    const admin = await createUser(app, 'owner-admin', { admin: true })
    userA = a.id
    tokens.a = (await login(app, a)).access_token
    tokens.b = (await login(app, b)).access_token
    as.a = bearer(tokens.a)
    as.b = bearer(tokens.b)
    as.admin = bearer((await login(app, admin)).access_token)

    const generated = await api('a', 'POST', '/api/generate', request('reverse a list, for A'))
    expect(generated.status).toBe(200)
    ids.a.generation = (await readJson(generated)).id

    const queued = await api('a', 'POST', '/api/jobs', request('sum a list, for A'))
    expect(queued.status).toBe(202)
    ids.a.job = (await readJson(queued)).job_id
    await waitFor(
      async () =>
        (await readJson(await api('a', 'GET', `/api/jobs/${ids.a.job}`))).status === 'completed',
      10_000,
    )

    const streamed = await api('a', 'POST', '/api/generate/stream', request('sort a list, for A'))
    expect(streamed.status).toBe(200)
    const { events } = await collectSse(streamed)
    expect(events.at(-1)?.event).toBe('completed')
    ids.a.stream = events[0]?.data.id

    const other = await api('b', 'POST', '/api/generate', request('reverse a list, for B'))
    expect(other.status).toBe(200)
    ids.b.generation = (await readJson(other)).id
  }, 30_000)
  afterAll(async () => {
    for (const socket of sockets) socket.close()
    await app?.close()
    await upstream?.close()
  })

  /** The routes that name one generation or job, each with its method and body. */
  const routes: Array<[string, (id: string) => string, object?]> = [
    ['GET', (id) => `/api/generations/${id}`],
    ['DELETE', (id) => `/api/generations/${id}`],
    ['POST', (id) => `/api/generations/${id}/cancel`, {}],
    ['GET', (id) => `/api/jobs/${id}`],
    ['POST', (id) => `/api/jobs/${id}/cancel`, {}],
    ['POST', (id) => `/api/jobs/${id}/retry`, {}],
    ['GET', (id) => `/api/jobs/${id}/events`],
  ]

  it("answers user B's every request for A's generation, job and stream as for an unknown id", async () => {
    const wrong: string[] = []
    for (const [kind, id] of Object.entries(ids.a)) {
      for (const [method, path, body] of routes) {
        const unknownId = randomUUID()
        const [theirs, unknown] = await Promise.all([
          api('b', method, path(id), body),
          api('b', method, path(unknownId), body),
        ])
        const where = `${method} ${path(`{${kind}}`)}`
        if (theirs.status !== 404) wrong.push(`${where}: ${theirs.status}`)
        const shown = JSON.stringify(withoutRequestFields(await readJson(theirs))).replaceAll(
          id,
          '{id}',
        )
        const hidden = JSON.stringify(withoutRequestFields(await readJson(unknown))).replaceAll(
          unknownId,
          '{id}',
        )
        if (shown !== hidden) wrong.push(`${where}: ${shown} differs from ${hidden}`)
      }
    }
    expect(wrong).toEqual([])
    // None of it touched A's items: they are all still there, and A reads them.
    for (const id of Object.values(ids.a)) {
      const mine = await api('a', 'GET', `/api/generations/${id}`)
      expect(mine.status).toBe(200)
      expect((await readJson(mine)).status).toBe('completed')
    }
    expect((await api('a', 'GET', `/api/jobs/${ids.a.job}`)).status).toBe(200)
  })

  it("refuses B's WebSocket subscribe and cancel of A's ids with APP_ERR_NOT_FOUND, and lets A follow them", async () => {
    const socketB = await openSocket(url, tokens.b)
    sockets.push(socketB)
    for (const id of [ids.a.job, ids.a.generation]) {
      for (const type of ['subscribe', 'cancel']) {
        const ref = `${type}-${id}`
        socketB.send({ type, id, ref })
        const message = await socketB.message((m) => m.ref === ref, ref)
        expect(message.type).toBe('error')
        expect(message.data.code).toBe('APP_ERR_NOT_FOUND')
        // The same answer as an id nobody has.
        expect(message.data.detail).not.toContain('owner-a')
      }
    }
    expect(socketB.messages.some((message) => message.type === 'completed')).toBe(false)

    const socketA = await openSocket(url, tokens.a)
    sockets.push(socketA)
    socketA.send({ type: 'subscribe', id: ids.a.job, ref: 'mine' })
    const events = await socketA.finished('mine')
    expect(events.at(-1)?.type).toBe('completed')
  })

  it('ends a WebSocket whose user is disabled after its handshake, at its next message', async () => {
    const late = await createUser(app, 'owner-disabled-later')
    const socket = await openSocket(url, (await login(app, late)).access_token)
    sockets.push(socket)
    socket.send({ type: 'subscribe', id: randomUUID(), ref: 'before' })
    expect((await socket.message((m) => m.ref === 'before', 'before')).data.code).toBe(
      'APP_ERR_NOT_FOUND',
    )
    await app.services.access.users.update(late.id, { disabled: true }, null)
    socket.send({ type: 'subscribe', id: ids.a.job, ref: 'after' })
    const refused = await socket.message((m) => m.ref === 'after', 'after')
    expect(refused.data.code).toBe('APP_ERR_UNAUTHENTICATED')
    await socket.until(() => socket.closed, 'the socket to close')
  })

  it('shows each user only their own in the lists; an admin sees all, and ?user= filters', async () => {
    const listed = async (who: keyof typeof as, path: string) =>
      ((await readJson(await api(who, 'GET', path))).items as Array<{ id: string }>).map(
        (item) => item.id,
      )
    const ofA = Object.values(ids.a)
    const historyB = await listed('b', '/api/generations?limit=100')
    expect(historyB).toContain(ids.b.generation)
    for (const id of ofA) expect(historyB).not.toContain(id)
    // A user's ?user= names nobody else: the list stays their own.
    const sneaky = await listed('b', `/api/generations?limit=100&user=${userA}`)
    for (const id of ofA) expect(sneaky).not.toContain(id)
    expect(await listed('b', '/api/jobs?limit=100')).not.toContain(ids.a.job)

    const historyA = await listed('a', '/api/generations?limit=100')
    expect(historyA).toEqual(expect.arrayContaining(ofA))
    expect(historyA).not.toContain(ids.b.generation)
    expect(await listed('a', '/api/jobs?limit=100')).toContain(ids.a.job)

    const all = await listed('admin', '/api/generations?limit=100')
    expect(all).toEqual(expect.arrayContaining([...ofA, ids.b.generation]))
    for (const filter of [userA, 'owner-a']) {
      const onlyA = await listed('admin', `/api/generations?limit=100&user=${filter}`)
      expect(onlyA).toEqual(expect.arrayContaining(ofA))
      expect(onlyA).not.toContain(ids.b.generation)
    }
    expect(await listed('admin', '/api/jobs?limit=100')).toContain(ids.a.job)
    expect(await listed('admin', `/api/jobs?limit=100&user=${userA}`)).toContain(ids.a.job)
    // The admin reads A's items directly too.
    expect((await api('admin', 'GET', `/api/generations/${ids.a.generation}`)).status).toBe(200)
  })

  it('gives A and B their own generation for the same Idempotency-Key', async () => {
    const key = { 'idempotency-key': `shared-key-${randomUUID()}` }
    const body = request('count the words of a text')
    const first = await api('a', 'POST', '/api/generate', body, key)
    const again = await api('a', 'POST', '/api/generate', body, key)
    const theirs = await api('b', 'POST', '/api/generate', body, key)
    expect([first.status, again.status, theirs.status]).toEqual([200, 200, 200])
    const [one, two, three] = await Promise.all([first, again, theirs].map(readJson))
    // A's repeat is A's replay; B's request with the same key is B's own generation.
    expect(two.id).toBe(one.id)
    expect(again.headers.get('idempotent-replayed')).toBe('true')
    expect(three.id).not.toBe(one.id)
    expect(theirs.headers.get('idempotent-replayed')).toBeNull()
    expect((await api('b', 'GET', `/api/generations/${three.id}`)).status).toBe(200)
    expect((await api('b', 'GET', `/api/generations/${one.id}`)).status).toBe(404)
  })

  it("never answers B from A's cached result", async () => {
    const body = request(`the cached prompt ${randomUUID()}`, true)
    const calls = () => upstream.requests(CHAT).length
    const first = await readJson(await api('a', 'POST', '/api/generate', body))
    const afterFirst = calls()
    // A's identical request is answered from the cache: the cache works, without a model call.
    const cached = await readJson(await api('a', 'POST', '/api/generate', body))
    expect(cached.id).toBe(first.id)
    expect(calls()).toBe(afterFirst)
    // B's identical request is B's own generation, which calls the model.
    const theirs = await readJson(await api('b', 'POST', '/api/generate', body))
    expect(theirs.id).not.toBe(first.id)
    expect(calls()).toBeGreaterThan(afterFirst)
    expect((await api('b', 'GET', `/api/generations/${theirs.id}`)).status).toBe(200)
  })
})
