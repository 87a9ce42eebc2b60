import { describe, expect, it } from 'vitest'
import { createTestApp } from '../helpers/app.js'

describe('GET /metrics', () => {
  it('exposes request counts and durations by route template and status, and process metrics', async () => {
    const app = await createTestApp()
    await app.inject({ method: 'GET', url: '/api/languages/python' })
    await app.inject({ method: 'GET', url: '/api/languages/go' })
    await app.inject({ method: 'GET', url: '/api/languages/cobol' })
    await app.inject({ method: 'GET', url: '/no/such/route' })
    const response = await app.inject({ method: 'GET', url: '/metrics' })
    expect(response.statusCode).toBe(200)
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/)
    const text = response.body
    expect(text).toContain(
      'http_requests_total{method="GET",route="/api/languages/:id",status_code="200"} 2',
    )
    expect(text).toContain(
      'http_requests_total{method="GET",route="/api/languages/:id",status_code="404"} 1',
    )
    expect(text).toContain(
      'http_requests_total{method="GET",route="(unmatched)",status_code="404"} 1',
    )
    expect(text).toMatch(
      /http_request_duration_seconds_bucket\{le="0\.005",method="GET",route="\/api\/languages\/:id",status_code="200"\} \d+/,
    )
    expect(text).toContain('process_resident_memory_bytes')
    expect(text).toContain('nodejs_eventloop_lag_p99_seconds')
    await app.close()
  })
})
