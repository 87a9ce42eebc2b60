import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { request, type IncomingMessage } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spawnBuiltServer, startUpstream, stop, waitHealthy } from './server.js'
import { percentiles, round, type Percentiles } from './stats.js'

export interface StreamingBenchResult {
  note: string
  /** Upstream's sending of a token to its arrival at the client, in milliseconds. */
  first_token_ms: {
    direct: Percentiles
    through_verigen: Percentiles
    added_p50: number
    added_p99: number
  }
  every_token_ms: {
    direct: Percentiles
    through_verigen: Percentiles
    added_p50: number
    added_p99: number
  }
  concurrent: {
    streams: number
    /** Streams open at the same moment, at most. */
    peak_open_streams: number
    /** Streams are opened evenly over this time, as clients arrive, not in one instant. */
    ramp_s: number
    tokens_per_stream: number
    completed: number
    lost_or_reordered_events: number
    errors: number
    wall_s: number
    event_loop_delay_ms: { p50: number; p99: number; max: number }
    rss_idle_mib: number
    rss_peak_mib: number
    memory_per_stream_kib: number
  }
}

/** A token the timed upstream sent: `# <seq> <hrtime ns>`. */
interface Token {
  sequence: number
  latencyMs: number
}

const TOKEN = /# (\d+) (\d+)\n/g

function tokensIn(text: string, receivedAt: bigint): Token[] {
  return [...text.matchAll(TOKEN)].map((match) => ({
    sequence: Number(match[1]),
    latencyMs: Number(receivedAt - BigInt(match[2] as string)) / 1e6,
  }))
}

/** POSTs `body` and calls `onFrame` with each SSE frame's `event` and `data` as it arrives. */
function postStream(
  url: string,
  body: string,
  onFrame: (event: string, data: string, receivedAt: bigint) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (response: IncomingMessage) => {
        let buffer = ''
        response.setEncoding('utf8')
        response.on('data', (text: string) => {
          const receivedAt = process.hrtime.bigint()
          buffer += text
          let end: number
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const frame = buffer.slice(0, end)
            buffer = buffer.slice(end + 2)
            let event = 'message'
            let data = ''
            for (const line of frame.split('\n')) {
              if (line.startsWith('event: ')) event = line.slice(7)
              else if (line.startsWith('data: ')) data += line.slice(6)
            }
            if (data) onFrame(event, data, receivedAt)
          }
        })
        response.on('end', resolve)
        response.on('error', reject)
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

/** Tokens as a client of the upstream itself sees them. */
async function directStream(upstreamPort: number): Promise<Token[]> {
  const tokens: Token[] = []
  const body = JSON.stringify({
    model: 'bench-model',
    stream: true,
    messages: [{ role: 'user', content: 'x' }],
  })
  await postStream(
    `http://127.0.0.1:${upstreamPort}/v1/chat/completions`,
    body,
    (_event, data, at) => {
      if (data === '[DONE]') return
      const parsed = JSON.parse(data) as { choices: Array<{ delta: { content?: string } }> }
      tokens.push(...tokensIn(parsed.choices[0]?.delta.content ?? '', at))
    },
  )
  return tokens
}

const generation = (index: number) =>
  JSON.stringify({
    prompt: `stream a function back (${index})`,
    programming_language: 'python',
    include_tests: false,
    include_docs: false,
    options: { cache: false },
  })

interface StreamOutcome {
  tokens: Token[]
  names: string[]
}

/** Tokens and event names as a client of `POST /api/generate/stream` sees them. */
async function verigenStream(port: number, index: number): Promise<StreamOutcome> {
  const outcome: StreamOutcome = { tokens: [], names: [] }
  await postStream(
    `http://127.0.0.1:${port}/api/generate/stream`,
    generation(index),
    (event, data, at) => {
      outcome.names.push(event)
      if (event === 'code.delta')
        outcome.tokens.push(...tokensIn((JSON.parse(data) as { text: string }).text, at))
    },
  )
  return outcome
}

function rssMib(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024
}

async function eventLoopDelay(port: number): Promise<{ p50: number; p99: number; max: number }> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()
  const read = (name: string) =>
    round(Number(new RegExp(`^${name} ([\\d.e+-]+)`, 'm').exec(text)?.[1] ?? 0) * 1000)
  return {
    p50: read('nodejs_eventloop_lag_p50_seconds'),
    p99: read('nodejs_eventloop_lag_p99_seconds'),
    max: read('nodejs_eventloop_lag_max_seconds'),
  }
}

/** A stream is intact when its tokens arrive once each, in order, and it ends with `completed`. */
function intact(outcome: StreamOutcome, expected: number): boolean {
  return (
    outcome.tokens.length === expected &&
    outcome.tokens.every((token, index) => token.sequence === index) &&
    outcome.names[0] === 'started' &&
    outcome.names.at(-1) === 'completed'
  )
}

/**
 * What streaming adds between the upstream's tokens and the client, and how one process holds
 * 1,000 streams at once against a slow upstream.
 */
export async function benchStreaming(streams = 1000): Promise<StreamingBenchResult> {
  const directory = mkdtempSync(join(tmpdir(), 'verigen-bench-stream-'))
  const quick = await startUpstream(18_621, 0, 20, 10)
  const tokensPerStream = 100
  const rampMs = 5000
  const slow = await startUpstream(18_622, 0, tokensPerStream, 100)
  const environment = (upstreamPort: number) => ({
    LLM_PROVIDER: 'openai-compatible',
    LLM_BASE_URL: `http://127.0.0.1:${upstreamPort}/v1`,
    LLM_MODEL: 'bench-model',
    RATE_LIMIT_REQUESTS: '0',
    GENERATION_CONCURRENCY: String(streams * 2),
  })
  const latencyServer = spawnBuiltServer(18_631, join(directory, 'latency.db'), environment(18_621))
  const loadServer = spawnBuiltServer(18_632, join(directory, 'load.db'), environment(18_622))
  try {
    await Promise.all([waitHealthy(18_631), waitHealthy(18_632)])

    const direct: Token[][] = []
    const through: Token[][] = []
    for (let index = 0; index < 5; index++) await verigenStream(18_631, -index) // warm-up
    for (let index = 0; index < 50; index++) {
      direct.push(await directStream(18_621))
      through.push((await verigenStream(18_631, index)).tokens)
    }
    const first = (runs: Token[][]) => percentiles(runs.map((run) => run[0]?.latencyMs ?? 0))
    const every = (runs: Token[][]) => percentiles(runs.flat().map((token) => token.latencyMs))
    const firstDirect = first(direct)
    const firstThrough = first(through)
    const everyDirect = every(direct)
    const everyThrough = every(through)

    // 1,000 streams at once against an upstream that sends a token every 100 ms (10 s a stream).
    await Promise.all(Array.from({ length: 20 }, (_, index) => verigenStream(18_632, -index - 100)))
    await new Promise((resolve) => setTimeout(resolve, 500))
    const rssIdle = rssMib(loadServer.pid!)
    await eventLoopDelay(18_632) // resets the server's event-loop histogram
    let rssPeak = rssIdle
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rssMib(loadServer.pid!))), 100)
    const started = performance.now()
    let errors = 0
    let open = 0
    let peakOpen = 0
    const outcomes = await Promise.all(
      Array.from({ length: streams }, async (_, index) => {
        await new Promise((resolve) => setTimeout(resolve, (index * rampMs) / streams))
        open++
        peakOpen = Math.max(peakOpen, open)
        try {
          return await verigenStream(18_632, index)
        } catch {
          errors++
          return { tokens: [], names: [] } as StreamOutcome
        } finally {
          open--
        }
      }),
    )
    const wall = (performance.now() - started) / 1000
    clearInterval(sampler)
    const loopDelay = await eventLoopDelay(18_632)
    const completed = outcomes.filter((outcome) => outcome.names.at(-1) === 'completed').length
    const broken = outcomes.filter((outcome) => !intact(outcome, tokensPerStream)).length

    return {
      note: 'Tokens carry the upstream process hrtime, one clock for all processes on this machine; added = through Verigen minus directly from the upstream. Streams: include_tests/include_docs false; 20 tokens, one every 10 ms (latency); 100 tokens, one every 100 ms (1,000 streams, opened over 5 s, all open together for about 5 s). Event-loop delay is measured in the server process (prom-client, over the whole run).',
      first_token_ms: {
        direct: firstDirect,
        through_verigen: firstThrough,
        added_p50: round(firstThrough.p50 - firstDirect.p50),
        added_p99: round(firstThrough.p99 - firstDirect.p99),
      },
      every_token_ms: {
        direct: everyDirect,
        through_verigen: everyThrough,
        added_p50: round(everyThrough.p50 - everyDirect.p50),
        added_p99: round(everyThrough.p99 - everyDirect.p99),
      },
      concurrent: {
        streams,
        peak_open_streams: peakOpen,
        ramp_s: rampMs / 1000,
        tokens_per_stream: tokensPerStream,
        completed,
        lost_or_reordered_events: broken,
        errors,
        wall_s: round(wall),
        event_loop_delay_ms: loopDelay,
        rss_idle_mib: round(rssIdle),
        rss_peak_mib: round(rssPeak),
        memory_per_stream_kib: round(((rssPeak - rssIdle) * 1024) / streams),
      },
    }
  } finally {
    await Promise.all([latencyServer, loadServer, quick, slow].map(stop))
    rmSync(directory, { recursive: true, force: true })
  }
}
