import { createHmac } from 'node:crypto'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, listenTestApp, readJson } from '../helpers/app.js'
import { jobsApi } from '../helpers/jobs.js'
import {
  CODE_REPLY,
  DOCS,
  llmEnv,
  repliesByStage,
  TESTS_REPLY,
  waitFor,
  type StageReplies,
} from '../helpers/generation.js'
import {
  CHAT,
  chatBody,
  errorReply,
  hang,
  ScriptedLlmServer,
  type ScriptedHandler,
} from '../helpers/scripted-llm.js'
import { collectSse } from '../helpers/sse.js'
import { Client, isFinal } from '../helpers/ws-client.js'

const REQUEST = {
  prompt: 'parse an ISO-8601 duration into seconds',
  programming_language: 'python',
  options: { cache: false },
}
const SECRET = 'a-webhook-secret-of-enough-length'

/** The prompt of a chat request, to script one job apart from the others. */
const promptOf = (request: Parameters<ScriptedHandler>[0]) =>
  chatBody(request)
    .messages.map((message) => JSON.stringify(message.content))
    .join('\n')

describe('/api/jobs with the worker inside the API process (database queue)', () => {
  let upstream: ScriptedLlmServer
  let app: FastifyInstance
  let url: string
  let hooks: Server
  let hookUrl: string
  const received: Array<{ url?: string; headers: IncomingMessage['headers']; body: string }> = []
  /** Prompts with these words get a special reply; others the normal script. */
  const special: Array<[string, ScriptedHandler]> = []
  const script: StageReplies = { code: CODE_REPLY, tests: TESTS_REPLY, docs: DOCS }

  beforeAll(async () => {
    hooks = createServer((request, response) => {
      let body = ''
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')))
      request.on('end', () => {
        received.push({ url: request.url, headers: request.headers, body })
        response.end('ok')
      })
    })
    await new Promise<void>((resolve) => hooks.listen(0, '127.0.0.1', resolve))
    hookUrl = `http://127.0.0.1:${(hooks.address() as AddressInfo).port}/hook`
    upstream = await new ScriptedLlmServer().start()
    const normal = repliesByStage(() => script)
    upstream.on(CHAT, (request, response) => {
      const prompt = promptOf(request)
      const handler = special.find(([word]) => prompt.includes(word))?.[1] ?? normal
      return handler(request, response)
    })
    app = await createTestApp(
      llmEnv(upstream, {
        WORKER_CONCURRENCY: '1',
        JOB_QUEUE_MAX: '3',
        WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
        WEBHOOK_SECRET: SECRET,
        LLM_MAX_RETRIES: '0',
        RATE_LIMIT_REQUESTS: '0',
      }),
    )
    url = (await listenTestApp(app)).url
  })
  afterAll(async () => {
    await app.close()
    await upstream.close()
    await new Promise((resolve) => hooks.close(resolve))
  })

  let post: ReturnType<typeof jobsApi>['post']
  let job: ReturnType<typeof jobsApi>['job']
  let until: ReturnType<typeof jobsApi>['until']
  beforeAll(() => ({ post, job, until } = jobsApi(url)))

  it('answers 202 with where to follow the job, and the job ends with the result /api/generate gives', async () => {
    const response = await post({ ...REQUEST, callback_url: `${hookUrl}?token=receiver-token` })
    expect(response.status).toBe(202)
    const accepted = await readJson(response)
    expect(accepted).toMatchObject({
      job_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      status: 'queued',
      status_url: `/api/jobs/${accepted.job_id}`,
      events_url: `/api/jobs/${accepted.job_id}/events`,
    })
    expect(accepted.position === null || accepted.position >= 1).toBe(true)
    expect(response.headers.get('location')).toBe(accepted.status_url)

    const done = await until(accepted.job_id, ['completed', 'failed'])
    expect(done).toMatchObject({
      id: accepted.job_id,
      status: 'completed',
      attempts: 1,
      position: null,
      error: null,
      result: { id: accepted.job_id, status: 'completed', programming_language: 'python' },
    })
    expect(done.result.code).toContain('def parse_duration')
    expect(Date.parse(done.started_at)).toBeGreaterThanOrEqual(Date.parse(done.created_at))
    expect(Date.parse(done.finished_at)).toBeGreaterThanOrEqual(Date.parse(done.started_at))
    // The job is the generation: the history holds it under the same id.
    const history = await readJson(await fetch(`${url}/api/generations/${accepted.job_id}`))
    expect(history.status).toBe('completed')

    // The callback arrives signed with the secret.
    await waitFor(() => received.length > 0, 5000)
    const [callback] = received
    expect(callback?.headers['x-verigen-event']).toBe('job.completed')
    const expected = `sha256=${createHmac('sha256', SECRET).update(callback!.body).digest('hex')}`
    expect(callback?.headers['x-verigen-signature']).toBe(expected)
    expect(JSON.parse(callback!.body)).toMatchObject({ id: accepted.job_id, status: 'completed' })
    // The callback goes to the whole URL; a reader of the job never sees its query.
    expect(callback?.url).toBe('/hook?token=receiver-token')
    expect(done.callback_url).toBe(`${hookUrl}?…`)
    expect(JSON.stringify(await job(accepted.job_id))).not.toContain('receiver-token')
  })

  it('answers a repeated Idempotency-Key with the first job, and refuses a key used elsewhere', async () => {
    const key = { 'idempotency-key': `job-key-${Date.now()}` }
    const first = await readJson(await post(REQUEST, key))
    const again = await post(REQUEST, key)
    expect(again.status).toBe(202)
    expect((await readJson(again)).job_id).toBe(first.job_id)
    const other = await post({ ...REQUEST, prompt: `${REQUEST.prompt}, in hours` }, key)
    expect(other.status).toBe(422)
    expect((await readJson(other)).code).toBe('APP_ERR_IDEMPOTENCY_MISMATCH')
    await until(first.job_id, ['completed'])

    // A key that named a generation run directly names no job.
    const direct = { 'idempotency-key': `direct-key-${Date.now()}` }
    const generated = await fetch(`${url}/api/generate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...direct },
      body: JSON.stringify(REQUEST),
    })
    expect(generated.status).toBe(200)
    const refused = await post(REQUEST, direct)
    expect(refused.status).toBe(422)
    expect((await readJson(refused)).code).toBe('APP_ERR_IDEMPOTENCY_MISMATCH')
  })

  it('replays the events of a finished job from the start, ending with completed', async () => {
    const accepted = await readJson(await post(REQUEST))
    await until(accepted.job_id, ['completed'])
    const { events } = await collectSse(await fetch(`${url}${accepted.events_url}`))
    const names = events.map((event) => event.event)
    expect(names[0]).toBe('started')
    expect(names).toContain('code.done')
    expect(names.at(-1)).toBe('completed')
    expect(events.at(-1)?.data.id).toBe(accepted.job_id)
    expect(names.filter((name) => name === 'completed')).toHaveLength(1)
  })

  it('lists jobs newest first, filters by status and pages with a cursor', async () => {
    const first = await readJson(await fetch(`${url}/api/jobs?limit=1&status=completed`))
    expect(first.items).toHaveLength(1)
    expect(first.items[0].status).toBe('completed')
    expect(first.next_cursor).toEqual(expect.any(String))
    const second = await readJson(
      await fetch(`${url}/api/jobs?limit=1&status=completed&cursor=${first.next_cursor}`),
    )
    expect(second.items[0].id).not.toBe(first.items[0].id)
    expect(Date.parse(second.items[0].created_at)).toBeLessThanOrEqual(
      Date.parse(first.items[0].created_at),
    )
    const none = await readJson(await fetch(`${url}/api/jobs?status=cancelled`))
    expect(none.items.every((item: { status: string }) => item.status === 'cancelled')).toBe(true)
  })

  it('shows each job its prompt and language, and lists them by language (aliases too) and prompt text', async () => {
    const api = jobsApi(url)
    const accepted = await readJson(
      await api.post({ ...REQUEST, prompt: 'parse a quokka duration into seconds' }),
    )
    const done = await api.until(accepted.job_id, ['completed'])
    expect(done).toMatchObject({
      prompt: 'parse a quokka duration into seconds',
      programming_language: 'python',
    })
    const list = async (query: string) =>
      (await readJson(await fetch(`${url}/api/jobs?${query}`))).items.map(
        (item: { id: string }) => item.id,
      )
    expect(await list('q=QUOKKA')).toEqual([accepted.job_id])
    expect(await list('q=quokka&programming_language=py')).toEqual([accepted.job_id])
    expect(await list('q=quokka&programming_language=javascript')).toEqual([])
    expect(await list('q=no%20such%20prompt')).toEqual([])
    const python = await readJson(await fetch(`${url}/api/jobs?programming_language=python`))
    expect(python.items.length).toBeGreaterThan(0)
    expect(
      python.items.every(
        (item: { programming_language: string }) => item.programming_language === 'python',
      ),
    ).toBe(true)
    for (const query of ['q=', 'q=a%00', `q=${'x'.repeat(201)}`, 'programming_language=']) {
      expect((await fetch(`${url}/api/jobs?${query}`)).status, query).toBe(400)
    }
  })

  it('cancels a queued job at once and a running one where it runs; a finished one is 409', async () => {
    special.push(['HANGS-FOREVER', hang()])
    const running = await readJson(
      await post({ ...REQUEST, prompt: `${REQUEST.prompt} HANGS-FOREVER` }),
    )
    await until(running.job_id, ['running'])
    // One worker slot, taken: the next job waits.
    const queued = await readJson(await post(REQUEST))
    expect((await job(queued.job_id)).status).toBe('queued')
    expect((await job(queued.job_id)).position).toBe(1)

    const cancelQueued = await fetch(`${url}/api/jobs/${queued.job_id}/cancel`, { method: 'POST' })
    expect(cancelQueued.status).toBe(200)
    expect(await readJson(cancelQueued)).toMatchObject({
      status: 'cancelled',
      attempts: 0,
      error: { code: 'APP_ERR_GENERATION_CANCELLED' },
    })
    const cancelRunning = await fetch(`${url}/api/jobs/${running.job_id}/cancel`, {
      method: 'POST',
    })
    expect(await readJson(cancelRunning)).toMatchObject({
      status: 'cancelled',
      error: { code: 'APP_ERR_GENERATION_CANCELLED' },
    })
    const again = await fetch(`${url}/api/jobs/${running.job_id}/cancel`, { method: 'POST' })
    expect(again.status).toBe(409)
    expect((await readJson(again)).code).toBe('APP_ERR_GENERATION_FINISHED')
    // Its events end with the cancellation.
    const { events } = await collectSse(await fetch(`${url}/api/jobs/${queued.job_id}/events`))
    expect(events.at(-1)).toMatchObject({
      event: 'error',
      data: { code: 'APP_ERR_GENERATION_CANCELLED' },
    })
  })

  it('retries a retryable provider failure by itself, and a failed job on request', async () => {
    let failures = 1
    special.push([
      'FAILS-ONCE',
      (request, response) =>
        failures-- > 0
          ? errorReply(503, { error: { message: 'busy' } })(request, response)
          : repliesByStage(() => script)(request, response),
    ])
    const flaky = await readJson(await post({ ...REQUEST, prompt: `${REQUEST.prompt} FAILS-ONCE` }))
    const done = await until(flaky.job_id, ['completed', 'failed'], 15_000)
    expect(done).toMatchObject({ status: 'completed', attempts: 2 })

    special.push(['REJECTED', errorReply(400, { error: { message: 'bad request' } })])
    const rejected = await readJson(
      await post({ ...REQUEST, prompt: `${REQUEST.prompt} REJECTED` }),
    )
    const failed = await until(rejected.job_id, ['failed', 'completed'])
    expect(failed).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: { code: 'APP_ERR_PROVIDER_REJECTED' },
    })
    const notRetryable = await fetch(`${url}/api/jobs/${flaky.job_id}/retry`, { method: 'POST' })
    expect(notRetryable.status).toBe(409)
    expect((await readJson(notRetryable)).code).toBe('APP_ERR_JOB_NOT_RETRYABLE')

    special.splice(
      special.findIndex(([word]) => word === 'REJECTED'),
      1,
    )
    const retried = await fetch(`${url}/api/jobs/${rejected.job_id}/retry`, { method: 'POST' })
    expect(retried.status).toBe(202)
    expect(await until(rejected.job_id, ['completed', 'failed'])).toMatchObject({
      status: 'completed',
      attempts: 1,
      error: null,
    })
  })

  it('refuses a callback to a host not allowed, and a full queue with 503 and Retry-After', async () => {
    const refused = await post({
      ...REQUEST,
      callback_url: 'http://169.254.169.254/latest/meta-data',
    })
    expect(refused.status).toBe(422)
    expect((await readJson(refused)).code).toBe('APP_ERR_CALLBACK_NOT_ALLOWED')

    special.push(['BLOCKS-QUEUE', hang()])
    const blocking = await readJson(
      await post({ ...REQUEST, prompt: `${REQUEST.prompt} BLOCKS-QUEUE` }),
    )
    await until(blocking.job_id, ['running'])
    const waiting = []
    for (let index = 0; index < 3; index++) waiting.push(await readJson(await post(REQUEST)))
    const full = await post(REQUEST)
    expect(full.status).toBe(503)
    expect(full.headers.get('retry-after')).toEqual(expect.stringMatching(/^\d+$/))
    expect((await readJson(full)).code).toBe('APP_ERR_QUEUE_FULL')
    for (const queued of [blocking, ...waiting]) {
      await fetch(`${url}/api/jobs/${queued.job_id}/cancel`, { method: 'POST' })
    }
  })

  it('follows a job over the WebSocket, and deleting a waiting job cancels it and forgets it', async () => {
    special.push(['HOLDS-SLOT', hang()])
    const holder = await readJson(
      await post({ ...REQUEST, prompt: `${REQUEST.prompt} HOLDS-SLOT` }),
    )
    await until(holder.job_id, ['running'])
    const waiting = await readJson(await post(REQUEST))
    const socket = await Client.open(url)
    socket.send({ type: 'subscribe', ref: 'job', id: waiting.job_id })
    expect((await job(waiting.job_id)).status).toBe('queued')

    // Cancelled over the socket, the running job frees the slot; the waiting one then runs.
    socket.send({ type: 'cancel', id: holder.job_id })
    const seen = await socket.until(
      () => {
        const end = socket.messages.findIndex(
          (message) => message.ref === 'job' && isFinal(message),
        )
        return (
          end >= 0 && socket.messages.slice(0, end + 1).filter((message) => message.ref === 'job')
        )
      },
      'the job to end',
      10_000,
    )
    expect(seen[0]).toMatchObject({ type: 'started', id: waiting.job_id })
    expect(seen.at(-1)).toMatchObject({
      type: 'completed',
      id: waiting.job_id,
      data: { status: 'completed' },
    })
    expect((await job(holder.job_id)).status).toBe('cancelled')
    socket.socket.close()

    const another = await readJson(
      await post({ ...REQUEST, prompt: `${REQUEST.prompt} HOLDS-SLOT` }),
    )
    await until(another.job_id, ['running'])
    const doomed = await readJson(await post(REQUEST))
    const deleted = await fetch(`${url}/api/generations/${doomed.job_id}`, { method: 'DELETE' })
    expect(deleted.status).toBe(204)
    expect((await fetch(`${url}/api/jobs/${doomed.job_id}`)).status).toBe(404)
    expect((await fetch(`${url}/api/generations/${doomed.job_id}`)).status).toBe(404)

    // A job that vanishes from the store under its followers (no final event) ends them too.
    const vanishing = await readJson(await post(REQUEST))
    const followed = fetch(`${url}/api/jobs/${vanishing.job_id}/events`).then(collectSse)
    await new Promise((resolve) => setTimeout(resolve, 300))
    await app.services.store.delete(vanishing.job_id)
    const { events } = await followed
    expect(events.at(-1)).toMatchObject({ event: 'error', data: { code: 'APP_ERR_NOT_FOUND' } })

    expect(
      (await fetch(`${url}/api/generations/${another.job_id}`, { method: 'DELETE' })).status,
    ).toBe(204)
    expect((await fetch(`${url}/api/jobs/${another.job_id}`)).status).toBe(404)
  })

  it('answers 404 for an unknown job, and health lists the queue and this worker', async () => {
    const missing = await fetch(`${url}/api/jobs/00000000-0000-4000-8000-000000000000`)
    expect(missing.status).toBe(404)
    const health = await readJson(await fetch(`${url}/api/health`))
    expect(health.services.queue).toMatchObject({
      status: 'ok',
      backend: 'database',
      waiting: expect.any(Number),
      active: expect.any(Number),
      failed: expect.any(Number),
      workers: [{ id: app.services.worker?.id, pid: process.pid, concurrency: 1 }],
    })
    const metrics = await (await fetch(`${url}/metrics`)).text()
    expect(metrics).toMatch(/verigen_jobs_total\{outcome="completed"\} \d+/)
    expect(metrics).toMatch(/verigen_job_wait_seconds_count \d+/)
    expect(metrics).toContain('verigen_jobs_waiting')
  })
})
