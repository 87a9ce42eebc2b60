import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generationBody, load, type LoadResult } from './load.js'
import { spawnBuiltServer, stop, waitHealthy } from './server.js'

export interface VerifyBenchResult {
  note: string
  verify_concurrency: number
  verified_generations: LoadResult & { per_minute: number }
  health_while_busy_ms: { samples: number; p50: number; p99: number; max: number }
  health_idle_ms: { samples: number; p50: number; p99: number; max: number }
}

const CODE = `def add(a: int, b: int) -> int:
    """Add two numbers."""
    if not isinstance(a, int) or not isinstance(b, int):
        raise TypeError("integers only")
    return a + b
`
const TESTS = `import pytest
from solution import add


def test_adds():
    assert add(2, 3) == 5


def test_negative():
    assert add(-2, -3) == -5


def test_rejects_text():
    with pytest.raises(TypeError):
        add("1", 2)
`

/**
 * A scripted model: code, pytest tests or documentation, by what the request asks for. In this
 * process: it answers at once, and the sandbox runs dominate the time measured.
 */
function startScriptedModel(port: number): Promise<Server> {
  const server = createServer((request, response) => {
    const parts: Buffer[] = []
    request.on('data', (part: Buffer) => parts.push(part))
    request.on('end', () => {
      const body = Buffer.concat(parts).toString()
      const content = body.includes('Write unit tests')
        ? '```python\n' + TESTS + '```\n'
        : body.includes('Write the documentation')
          ? '# add\n\nAdds two integers.\n'
          : '```python\n' + CODE + '```\n'
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end(
        JSON.stringify({
          id: 'chatcmpl-bench',
          object: 'chat.completion',
          created: 1,
          model: 'bench-model',
          choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 100, completion_tokens: 60, total_tokens: 160 },
        }),
      )
    })
  })
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)))
}

/** `GET /api/health` once every `intervalMs` until `until` resolves: its latencies. */
async function sampleHealth(port: number, until: Promise<unknown>, intervalMs = 50) {
  const latencies: number[] = []
  let done = false
  void until.finally(() => (done = true))
  while (!done) {
    const sent = performance.now()
    const response = await fetch(`http://127.0.0.1:${port}/api/health`)
    await response.text()
    latencies.push(performance.now() - sent)
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
  return summary(latencies)
}

function summary(latencies: number[]) {
  const sorted = [...latencies].sort((a, b) => a - b)
  const at = (fraction: number) =>
    Math.round(
      (sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? 0) * 100,
    ) / 100
  return { samples: sorted.length, p50: at(0.5), p99: at(0.99), max: at(1) }
}

/**
 * Verified generations (code, tests and documentation from a model that answers at once; the
 * tests run in the sandbox, then once more against the stub) per minute with VERIFY_CONCURRENCY
 * generations at a time, and the latency of /api/health while those runs keep the sandbox busy.
 */
export async function benchVerify(seconds = 30): Promise<VerifyBenchResult> {
  const directory = mkdtempSync(join(tmpdir(), 'verigen-bench-verify-'))
  const concurrency = 2
  const model = await startScriptedModel(18_621)
  const servers: ChildProcess[] = []
  try {
    const server = spawnBuiltServer(18_631, join(directory, 'verify.db'), {
      LLM_PROVIDER: 'openai-compatible',
      LLM_BASE_URL: 'http://127.0.0.1:18621/v1',
      LLM_MODEL: 'bench-model',
      RATE_LIMIT_REQUESTS: '0',
      VERIFY_DEFAULT: 'true',
      VERIFY_CONCURRENCY: String(concurrency),
    })
    servers.push(server)
    await waitHealthy(18_631)
    // /api/languages answers once the runners are found: "idle" then means idle.
    await (await fetch('http://127.0.0.1:18631/api/languages')).text()
    const idle = await sampleHealth(18_631, new Promise((resolve) => setTimeout(resolve, 3_000)))
    const body = generationBody({ include_tests: true, include_docs: true })
    // The figures count only if a generation really is verified here.
    const probe = await fetch('http://127.0.0.1:18631/api/generate', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: body(-1),
    })
    const result = (await probe.json()) as { status: string; verification?: { status: string } }
    if (result.status !== 'completed' || result.verification?.status !== 'passed') {
      throw new Error(
        `the probe generation was not verified: ${JSON.stringify(result).slice(0, 500)}`,
      )
    }
    const running = load('http://127.0.0.1:18631/api/generate', body, concurrency, seconds, 2)
    const busy = await sampleHealth(18_631, running)
    const generations = await running
    return {
      note: 'Python: code, pytest tests (3 cases) and docs from a scripted model answering at once; each generation runs pytest in the sandbox twice (the code, then the stub). The load keeps VERIFY_CONCURRENCY generations in flight; /api/health is sampled every 50 ms meanwhile.',
      verify_concurrency: concurrency,
      verified_generations: {
        ...generations,
        per_minute:
          Math.round(((generations.requests - generations.errors) / generations.seconds) * 600) /
          10,
      },
      health_while_busy_ms: busy,
      health_idle_ms: idle,
    }
  } finally {
    await Promise.all(servers.map(stop))
    await new Promise((resolve) => model.close(resolve))
    rmSync(directory, { recursive: true, force: true })
  }
}
