import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generationBody, load, type LoadResult } from './load.js'
import { spawnBuiltServer, startUpstream, stop, waitHealthy } from './server.js'

export interface GenerationBenchResult {
  note: string
  upstream_direct: { c1: LoadResult; c50: LoadResult }
  through_verigen: { c1: LoadResult; c50: LoadResult }
  added_ms: {
    c1: { p50: number; p99: number }
    c50: { p50: number; p99: number }
  }
  full_generation_c50: LoadResult
  cache_hit: { c1: LoadResult; c50: LoadResult }
  against_60ms_upstream: { c100: LoadResult; c200: LoadResult; full_c200: LoadResult }
}

const chatBody = JSON.stringify({
  model: 'bench-model',
  messages: [
    { role: 'system', content: 'You are a senior Python engineer.'.repeat(20) },
    { role: 'user', content: 'Write Python code for: add two numbers'.repeat(20) },
  ],
  max_tokens: 4096,
})

const added = (through: LoadResult, direct: LoadResult) => ({
  p50: Math.round((through.latency_ms.p50 - direct.latency_ms.p50) * 100) / 100,
  p99: Math.round((through.latency_ms.p99 - direct.latency_ms.p99) * 100) / 100,
})

/**
 * What the service adds to an instantly answering upstream, and how many generations per second
 * it sustains against one that takes 60 ms. The upstream runs in its own process; the load
 * generator runs in this one, so all three share the machine's cores.
 */
export async function benchGeneration(seconds = 5): Promise<GenerationBenchResult> {
  const directory = mkdtempSync(join(tmpdir(), 'verigen-bench-gen-'))
  const instant = await startUpstream(18_601, 0)
  const slow = await startUpstream(18_602, 60)
  const environment = (upstreamPort: number) => ({
    LLM_PROVIDER: 'openai-compatible',
    LLM_BASE_URL: `http://127.0.0.1:${upstreamPort}/v1`,
    LLM_MODEL: 'bench-model',
    RATE_LIMIT_REQUESTS: '0',
    GENERATION_CONCURRENCY: '512',
    CACHE_MAX_ENTRIES: '10000',
    // What the service adds around model calls; running the tests is measured by verify.bench.ts.
    VERIFY_DEFAULT: 'false',
  })
  const servers: ChildProcess[] = []
  try {
    const fast = spawnBuiltServer(18_611, join(directory, 'fast.db'), environment(18_601))
    const delayed = spawnBuiltServer(18_612, join(directory, 'slow.db'), environment(18_602))
    servers.push(fast, delayed)
    await Promise.all([waitHealthy(18_611), waitHealthy(18_612)])
    const upstreamUrl = 'http://127.0.0.1:18601/v1/chat/completions'
    const generateUrl = (port: number) => `http://127.0.0.1:${port}/api/generate`

    const direct1 = await load(upstreamUrl, () => chatBody, 1, seconds)
    const direct50 = await load(upstreamUrl, () => chatBody, 50, seconds)
    const through1 = await load(generateUrl(18_611), generationBody(), 1, seconds)
    const through50 = await load(generateUrl(18_611), generationBody(), 50, seconds)
    const full50 = await load(
      generateUrl(18_611),
      generationBody({ include_tests: true, include_docs: true }),
      50,
      seconds,
    )
    const cached = () =>
      JSON.stringify({
        prompt: 'add two integers and return the sum',
        programming_language: 'python',
        include_tests: false,
        include_docs: false,
      })
    const cache1 = await load(generateUrl(18_611), cached, 1, seconds)
    const cache50 = await load(generateUrl(18_611), cached, 50, seconds)
    const slow100 = await load(generateUrl(18_612), generationBody(), 100, seconds)
    const slow200 = await load(generateUrl(18_612), generationBody(), 200, seconds)
    const slowFull200 = await load(
      generateUrl(18_612),
      generationBody({ include_tests: true, include_docs: true }),
      200,
      seconds,
    )
    return {
      note: 'One model call per generation (include_tests/include_docs false, cache off) unless marked full (3 calls). Upstream, server and load generator share the 2 cores.',
      upstream_direct: { c1: direct1, c50: direct50 },
      through_verigen: { c1: through1, c50: through50 },
      added_ms: { c1: added(through1, direct1), c50: added(through50, direct50) },
      full_generation_c50: full50,
      cache_hit: { c1: cache1, c50: cache50 },
      against_60ms_upstream: { c100: slow100, c200: slow200, full_c200: slowFull200 },
    }
  } finally {
    await Promise.all([...servers, instant, slow].map(stop))
    rmSync(directory, { recursive: true, force: true })
  }
}
