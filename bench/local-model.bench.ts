import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import {
  getLlama,
  LlamaChat,
  type ChatHistoryItem,
  type LlamaGrammar,
  type LlamaModel,
} from 'node-llama-cpp'
import { codeBlockGrammar } from '../src/adapters/llm/local/code-block-grammar.js'
import { createLlmProvider } from '../src/adapters/llm/provider-factories.js'
import { buildApp } from '../src/app.js'
import { loadConfig, type Config } from '../src/config.js'
import type {
  ChatMessage,
  Completion,
  CompletionRequest,
  LlmProvider,
} from '../src/ports/llm-provider.js'
import type { Logger } from '../src/ports/logger.js'
import { writeTinyGguf } from '../test/helpers/tiny-gguf.js'
import { percentiles, round, type Percentiles } from './stats.js'

const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url))

/** One model call, timed from its start. */
interface CallTiming {
  firstTokenMs: number
  totalMs: number
  tokens: number
}

interface Side {
  first_token_ms: Percentiles
  /** Generated tokens after the first one, per second of the time after the first one. */
  decode_tokens_per_s: Percentiles
  /** Generated tokens per second of the whole call, prompt evaluation included. */
  overall_tokens_per_s: Percentiles
  tokens_per_call: number
}

export interface LocalModelBenchResult {
  note: string
  model: { bytes: number; embedding: number; layers: number; vocabulary: number; context: number }
  threads: number
  runs: number
  http_runs: number
  max_tokens: number
  provider_vs_direct: {
    direct: Side
    provider: Side
    overhead_pct: { first_token_p50: number; decode_p50: number; overall_p50: number }
  }
  http_first_call_vs_direct: {
    calls_per_generation: number
    direct: Side
    /** The provider's own timing of the first call, seen through the service's pipeline. */
    provider_in_service: Side
    /** Client-side: request sent to first `code.delta`, and `code.delta` text rate. */
    sse: { first_delta_ms: Percentiles; generation_ms: Percentiles }
    /** Every call of the generations (code, tests, docs, repairs), each replayed directly. */
    every_call: {
      direct: Side
      provider_in_service: Side
      overhead_pct: { first_token_p50: number; decode_p50: number }
    }
    overhead_pct: { first_token_p50: number; decode_p50: number }
  }
  memory_mib: {
    before_load: number
    loaded: number
    after_unload: number
    heap_loaded: number
    heap_after_unload: number
    gc_exposed: boolean
  }
}

const SHAPE = { embedding: 256, layers: 4, contextLength: 8192, seed: 16 }
const MAX_TOKENS = 96

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} }

const mib = (bytes: number) => round(bytes / 1024 ** 2)

function collect(): void {
  ;(globalThis as { gc?: () => void }).gc?.()
}

function side(timings: CallTiming[]): Side {
  return {
    first_token_ms: percentiles(timings.map((t) => t.firstTokenMs)),
    decode_tokens_per_s: percentiles(
      timings.map((t) => ((t.tokens - 1) * 1000) / Math.max(1e-6, t.totalMs - t.firstTokenMs)),
    ),
    overall_tokens_per_s: percentiles(timings.map((t) => (t.tokens * 1000) / t.totalMs)),
    tokens_per_call: timings[0]?.tokens ?? 0,
  }
}

/** How much longer `through` takes than `direct`, in percent of direct. */
const slowerTime = (through: number, direct: number) => round(((through - direct) / direct) * 100)
/** How much lower `through`'s rate is than `direct`'s, in percent of direct. */
const slowerRate = (through: number, direct: number) => round(((direct - through) / direct) * 100)

/** How much slower `through` is than `direct`, in percent of direct, at the median. */
function overhead(through: Side, direct: Side) {
  return {
    first_token_p50: slowerTime(through.first_token_ms.p50, direct.first_token_ms.p50),
    decode_p50: slowerRate(through.decode_tokens_per_s.p50, direct.decode_tokens_per_s.p50),
  }
}

/** The messages as node-llama-cpp chat history, written here so the direct side owes nothing to the adapter. */
function history(messages: readonly ChatMessage[]): ChatHistoryItem[] {
  return messages.map((message): ChatHistoryItem =>
    message.role === 'assistant'
      ? { type: 'model', response: [message.content] }
      : { type: message.role, text: message.content },
  )
}

const messagesOf = (run: number): ChatMessage[] => [
  { role: 'system', content: 'You are a careful Python engineer. Answer with one code block.' },
  { role: 'user', content: `Write a Python function number ${run} that adds two numbers.` },
]

/** node-llama-cpp called directly: one context, one sequence, one LlamaChat, as the adapter holds them. */
async function directModel(path: string, threads: number) {
  const llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' as never })
  const model: LlamaModel = await llama.loadModel({ modelPath: path })
  const context = await model.createContext({
    sequences: 1,
    contextSize: SHAPE.contextLength,
    threads,
  })
  const chat = new LlamaChat({ contextSequence: context.getSequence() })
  const grammars = new Map<string, LlamaGrammar>()
  return {
    async call(request: CompletionRequest): Promise<CallTiming> {
      let grammar: LlamaGrammar | undefined
      if (request.shape) {
        // The adapter's grammar exactly: the fence's tags and the file names it may carry.
        const source = codeBlockGrammar(request.shape.tags, request.shape.files)
        grammar = grammars.get(source)
        if (!grammar) {
          grammar = await llama.createGrammar({ grammar: source })
          grammars.set(source, grammar)
        }
      }
      const start = performance.now()
      let first: number | null = null
      let tokens = 0
      await chat.generateResponse(history(request.messages), {
        maxTokens: request.maxOutputTokens,
        temperature: request.temperature,
        grammar,
        onToken: (generated) => {
          tokens += generated.length
        },
        onTextChunk: (text) => {
          if (text !== '') first ??= performance.now()
        },
      })
      const end = performance.now()
      return { firstTokenMs: (first ?? end) - start, totalMs: end - start, tokens }
    },
    async close() {
      await context.dispose()
      await model.dispose()
      await llama.dispose()
    },
  }
}

async function providerCall(
  provider: LlmProvider,
  request: CompletionRequest,
): Promise<CallTiming> {
  const start = performance.now()
  let first: number | null = null
  const completion = await provider.complete(
    {
      ...request,
      onText: () => {
        first ??= performance.now()
      },
    },
    new AbortController().signal,
  )
  const end = performance.now()
  return {
    firstTokenMs: (first ?? end) - start,
    totalMs: end - start,
    tokens: completion.usage.completionTokens,
  }
}

/** Records each call the service makes, with the provider's own timing of it. */
function recording(provider: LlmProvider) {
  const calls: { request: CompletionRequest; timing: CallTiming }[] = []
  const wrapped: LlmProvider = {
    id: provider.id,
    model: provider.model,
    ping: (signal) => provider.ping(signal),
    details: () => provider.details?.() ?? {},
    warm: () => provider.warm?.() ?? Promise.resolve(),
    close: () => provider.close?.() ?? Promise.resolve(),
    async complete(request, signal): Promise<Completion> {
      // A copy now: the pipeline appends to its messages array for the next call (continuations).
      const asked = { ...request, messages: request.messages.map((message) => ({ ...message })) }
      const start = performance.now()
      let first: number | null = null
      const completion = await provider.complete(
        {
          ...request,
          onText: (delta) => {
            first ??= performance.now()
            request.onText?.(delta)
          },
        },
        signal,
      )
      const end = performance.now()
      calls.push({
        request: { ...asked, onText: undefined },
        timing: {
          firstTokenMs: (first ?? end) - start,
          totalMs: end - start,
          tokens: completion.usage.completionTokens,
        },
      })
      return completion
    },
  }
  return { calls, wrapped }
}

/**
 * One generation streamed to a client in another process (bench/sse-client.ts): when its first
 * `code.delta` arrived and when the generation ended, from the request.
 */
async function sseGeneration(port: number, run: number) {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(BENCH_DIR, 'sse-client.ts'),
      String(port),
      `add two numbers, variant ${run}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const status = await new Promise<number | null>((resolve) => child.once('close', resolve))
  if (status !== 0) throw new Error(`the stream client failed: ${stderr.slice(0, 300)}`)
  return JSON.parse(stdout) as { firstDeltaMs: number; generationMs: number }
}

function benchConfig(path: string, directory: string, threads: number): Config {
  return loadConfig({
    ENV_FILE: '/dev/null',
    DATABASE_URL: 'sqlite://:memory:',
    LOG_LEVEL: 'silent',
    LLM_PROVIDER: 'local',
    LOCAL_MODEL: path,
    LOCAL_MODELS_DIR: directory,
    LOCAL_CONTEXT_SIZE: String(SHAPE.contextLength),
    LOCAL_THREADS: String(threads),
    LOCAL_GPU: 'off',
    LOCAL_IDLE_UNLOAD_S: '0',
    LLM_MAX_OUTPUT_TOKENS: String(MAX_TOKENS),
    GENERATION_CONCURRENCY: '1',
    RATE_LIMIT_REQUESTS: '0',
    VERIFY_DEFAULT: 'false',
  })
}

/**
 * The local model through the service against node-llama-cpp called directly, in one process and
 * one run, on a tiny random-weight model (inference dominates; the text is noise). Runs alternate
 * direct and service calls with the same messages, temperature 0 and token limit. Threads default
 * to 1: on a small shared machine more llama.cpp threads spin against each other.
 */
export async function benchLocalModel(
  runs = 8,
  threads = Number(process.env.BENCH_LOCAL_THREADS ?? 1),
  httpRuns = 4,
): Promise<LocalModelBenchResult> {
  const directory = mkdtempSync(join(tmpdir(), 'verigen-bench-local-'))
  try {
    const written = await writeTinyGguf(join(directory, 'tiny-bench.gguf'), SHAPE)
    const config = benchConfig(written.path, directory, threads)
    const provider = (options = {}) => {
      const created = createLlmProvider(config.llm, silent, { slots: 1, ...options })
      if (!created) throw new Error('LLM_PROVIDER=local gave no provider')
      return created
    }

    // Memory: the provider alone, loaded then closed.
    collect()
    const before = process.memoryUsage()
    const measured = provider()
    await measured.warm?.()
    collect()
    const loaded = process.memoryUsage()
    await measured.close?.()
    collect()
    const after = process.memoryUsage()

    // (a) The provider object against node-llama-cpp, interleaved, order swapped every run.
    const direct = await directModel(written.path, threads)
    const local = provider()
    const directTimes: CallTiming[] = []
    const providerTimes: CallTiming[] = []
    const request = (run: number): CompletionRequest => ({
      messages: messagesOf(run),
      temperature: 0,
      maxOutputTokens: MAX_TOKENS,
    })
    await direct.call(request(-1))
    await providerCall(local, request(-1))
    for (let run = 0; run < runs; run += 1) {
      if (run % 2 === 0) {
        directTimes.push(await direct.call(request(run)))
        providerTimes.push(await providerCall(local, request(run)))
      } else {
        providerTimes.push(await providerCall(local, request(run)))
        directTimes.push(await direct.call(request(run)))
      }
    }
    await local.close?.()

    // (b) The HTTP API: each generation's first call (the code) replayed directly.
    const { calls, wrapped } = recording(provider())
    const app = await buildApp(config, { llm: wrapped })
    const httpDirect: CallTiming[] = []
    const httpProvider: CallTiming[] = []
    const allDirect: CallTiming[] = []
    const allProvider: CallTiming[] = []
    const firstDelta: number[] = []
    const generation: number[] = []
    let callsPerGeneration = 0
    try {
      await app.listen({ host: '127.0.0.1', port: 0 })
      const port = (app.server.address() as AddressInfo).port
      await sseGeneration(port, -1)
      for (const call of calls) await direct.call(call.request)
      for (let run = 0; run < httpRuns; run += 1) {
        const seen = calls.length
        const sse = await sseGeneration(port, run)
        const mine = calls.slice(seen)
        const firstCall = mine[0]
        if (!firstCall) throw new Error('the generation made no model call')
        callsPerGeneration = mine.length
        firstDelta.push(sse.firstDeltaMs)
        generation.push(sse.generationMs)
        // Every call replayed in the service's order, so that the direct sequence's cache holds
        // what the service's one slot held (a shared prompt prefix is not evaluated again).
        for (const [index, call] of mine.entries()) {
          const replayed = await direct.call(call.request)
          allProvider.push(call.timing)
          allDirect.push(replayed)
          if (process.env.BENCH_LOCAL_DEBUG) {
            const chars = call.request.messages.map((message) => message.content.length)
            console.error(run, index, chars, call.request.shape?.kind, call.timing, replayed)
          }
          if (index === 0) {
            httpProvider.push(call.timing)
            httpDirect.push(replayed)
          }
        }
      }
    } finally {
      await app.close()
      await direct.close()
    }

    const a = { direct: side(directTimes), provider: side(providerTimes) }
    const b = { direct: side(httpDirect), provider_in_service: side(httpProvider) }
    const all = { direct: side(allDirect), provider_in_service: side(allProvider) }
    return {
      note:
        'Tiny random-weight llama model written by test/helpers/tiny-gguf.ts; CPU, one process. ' +
        '(a) provider.complete() vs LlamaChat.generateResponse on the same messages, greedy, same token limit. ' +
        "(b) POST /api/generate/stream: every model call of each generation (first = the code, under the adapter's " +
        'code-block grammar) as timed around the provider inside the service, all replayed directly in the same order with the same ' +
        'messages, grammar, temperature and limit; sse = client-side times. Overhead = how much slower than direct (negative: faster).',
      model: {
        bytes: written.bytes,
        embedding: SHAPE.embedding,
        layers: SHAPE.layers,
        vocabulary: written.vocabulary,
        context: SHAPE.contextLength,
      },
      threads,
      runs,
      http_runs: httpRuns,
      max_tokens: MAX_TOKENS,
      provider_vs_direct: {
        ...a,
        overhead_pct: {
          ...overhead(a.provider, a.direct),
          overall_p50: slowerRate(
            a.provider.overall_tokens_per_s.p50,
            a.direct.overall_tokens_per_s.p50,
          ),
        },
      },
      http_first_call_vs_direct: {
        calls_per_generation: callsPerGeneration,
        ...b,
        sse: { first_delta_ms: percentiles(firstDelta), generation_ms: percentiles(generation) },
        every_call: { ...all, overhead_pct: overhead(all.provider_in_service, all.direct) },
        overhead_pct: overhead(b.provider_in_service, b.direct),
      },
      memory_mib: {
        before_load: mib(before.rss),
        loaded: mib(loaded.rss),
        after_unload: mib(after.rss),
        heap_loaded: mib(loaded.heapUsed),
        heap_after_unload: mib(after.heapUsed),
        gc_exposed: typeof (globalThis as { gc?: unknown }).gc === 'function',
      },
    }
  } finally {
    rmSync(directory, { recursive: true, force: true })
  }
}

// `npx tsx --expose-gc bench/local-model.bench.ts` runs this benchmark alone.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const result = await benchLocalModel()
  const a = result.provider_vs_direct
  const b = result.http_first_call_vs_direct
  console.table({
    'direct (a)': row(a.direct),
    'provider (a)': row(a.provider),
    'direct (b)': row(b.direct),
    'in service (b)': row(b.provider_in_service),
    'direct (b, every call)': row(b.every_call.direct),
    'in service (b, every call)': row(b.every_call.provider_in_service),
  })
  console.log(JSON.stringify(result, null, 2))
}

function row(s: Side) {
  return {
    'first token p50 ms': s.first_token_ms.p50,
    'decode tok/s p50': round(s.decode_tokens_per_s.p50),
    'overall tok/s p50': round(s.overall_tokens_per_s.p50),
    tokens: s.tokens_per_call,
  }
}
