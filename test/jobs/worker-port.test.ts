import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readJson } from '../helpers/app.js'
import {
  baseEnv,
  killAll,
  settle,
  SlowUpstream,
  startApi,
  startWorkerProcess,
  submitJob,
  type AppProcess,
} from '../helpers/workers.js'

/**
 * A worker process has no API, but `WORKER_PORT` (or `--port`) gives it a monitoring port: its
 * job metrics, which no API process records, and its health.
 */
describe('verigen worker with a monitoring port', () => {
  const upstream = new SlowUpstream(50, 100)
  const directory = mkdtempSync(join(tmpdir(), 'verigen-worker-port-'))
  const processes: AppProcess[] = []

  beforeAll(async () => {
    await upstream.start()
  })
  afterAll(async () => {
    await killAll(processes)
    await upstream.close()
    rmSync(directory, { recursive: true, force: true })
  }, 30_000)

  it('answers /metrics with the jobs it ran and /api/health with itself, and nothing else', async () => {
    const environment = {
      ...baseEnv(upstream.url),
      DATABASE_URL: `sqlite://${join(directory, 'verigen.db')}`,
    }
    const api = await startApi({ ...environment, WORKER_CONCURRENCY: '0' })
    processes.push(api)
    const worker = await startWorkerProcess({ ...environment, WORKER_PORT: '0' }, 2)
    processes.push(worker)
    const started = worker.logs().find((entry) => entry.msg === 'worker started')
    const metricsUrl = String(started?.metrics)
    const healthUrl = String(started?.health)
    expect(metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/)

    const ids = [
      await submitJob(api.url, 'parse an ISO-8601 duration, job P1'),
      await submitJob(api.url, 'parse an ISO-8601 duration, job P2'),
    ]
    const bodies = await settle(api.url, ids, 30_000)
    expect(ids.map((id) => bodies.get(id)?.status)).toEqual(['completed', 'completed'])

    const metrics = await (await fetch(metricsUrl)).text()
    expect(metrics).toMatch(/verigen_jobs_total\{outcome="completed"\} 2\b/)
    expect(metrics).toMatch(/verigen_job_wait_seconds_count 2\b/)
    const health = await fetch(healthUrl)
    expect(health.status).toBe(200)
    const report = await readJson(health)
    expect(report.services.queue.workers).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: worker.workerId, pid: worker.child.pid, concurrency: 2 }),
      ]),
    )
    // The API is not served there.
    const base = metricsUrl.replace(/\/metrics$/, '')
    expect((await fetch(`${base}/api/jobs`)).status).toBe(404)
    expect((await fetch(metricsUrl, { method: 'POST' })).status).toBe(404)
  }, 90_000)

  it('starts on a public HOST without AUTH (it serves no API), and its /metrics keeps METRICS_TOKEN', async () => {
    const token = 'a-metrics-token-of-the-worker-test'
    const worker = await startWorkerProcess(
      {
        ...baseEnv(upstream.url),
        DATABASE_URL: `sqlite://${join(directory, 'public.db')}`,
        HOST: '0.0.0.0',
        WORKER_PORT: '0',
        METRICS_TOKEN: token,
      },
      1,
    )
    processes.push(worker)
    const started = worker.logs().find((entry) => entry.msg === 'worker started')
    const port = new URL(String(started?.metrics).replace('0.0.0.0', '127.0.0.1')).port
    const metricsUrl = `http://127.0.0.1:${port}/metrics`
    const refused = await fetch(metricsUrl)
    expect(refused.status).toBe(401)
    expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer/)
    const allowed = await fetch(metricsUrl, { headers: { authorization: `Bearer ${token}` } })
    expect(allowed.status).toBe(200)
    expect(await allowed.text()).toContain('verigen_jobs_waiting')
    expect((await fetch(`http://127.0.0.1:${port}/api/health`)).status).toBe(200)
    // No warning about an open API: there is none.
    expect(worker.logs().some((line) => String(line.msg).includes('AUTH=off'))).toBe(false)
  }, 60_000)
})
