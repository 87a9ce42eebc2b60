import { Agent, request } from 'node:http'

export interface LoadResult {
  clients: number
  requests: number
  errors: number
  seconds: number
  requests_per_s: number
  latency_ms: { p50: number; p90: number; p99: number; max: number }
}

/**
 * The body of the benchmarks' generation request number `index`: one model call (no tests, no
 * docs) unless `extra` asks for more, and no cache, so that every request reaches the upstream.
 */
export const generationBody =
  (extra: object = {}) =>
  (index: number): string =>
    JSON.stringify({
      prompt: `add two integers and return the sum (${index})`,
      programming_language: 'python',
      include_tests: false,
      include_docs: false,
      options: { cache: false },
      ...extra,
    })

const round = (value: number) => Math.round(value * 100) / 100

function percentile(sorted: number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? 0
}

function post(agent: Agent, url: URL, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (response) => {
        response.on('data', () => {})
        response.on('end', () => resolve(response.statusCode ?? 0))
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

/**
 * `clients` keep-alive connections posting `body(i)` back to back for `seconds`; latency is
 * measured per request from send to the end of the response.
 */
export async function load(
  target: string,
  body: (index: number) => string,
  clients: number,
  seconds: number,
  warmupRequests = 200,
): Promise<LoadResult> {
  const url = new URL(target)
  const agent = new Agent({ keepAlive: true, maxSockets: clients })
  let counter = 0
  for (let index = 0; index < warmupRequests; index += clients) {
    await Promise.all(
      Array.from({ length: clients }, () => post(agent, url, body(counter++)).catch(() => 0)),
    )
  }
  const latencies: number[] = []
  let errors = 0
  const started = performance.now()
  const end = started + seconds * 1000
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < end) {
        const sent = performance.now()
        const status = await post(agent, url, body(counter++)).catch(() => 0)
        if (status === 200) latencies.push(performance.now() - sent)
        else errors++
      }
    }),
  )
  const elapsed = (performance.now() - started) / 1000
  agent.destroy()
  latencies.sort((a, b) => a - b)
  return {
    clients,
    requests: latencies.length,
    errors,
    seconds: round(elapsed),
    requests_per_s: Math.round(latencies.length / elapsed),
    latency_ms: {
      p50: round(percentile(latencies, 0.5)),
      p90: round(percentile(latencies, 0.9)),
      p99: round(percentile(latencies, 0.99)),
      max: round(latencies.at(-1) ?? 0),
    },
  }
}
