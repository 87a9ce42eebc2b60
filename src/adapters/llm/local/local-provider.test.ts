import { once } from 'node:events'
import { readFile, mkdtemp, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { tinyGgufFile } from '../../../../test/helpers/tiny-gguf.js'
import { AppError } from '../../../errors.js'
import type { ChatMessage, LlmProvider } from '../../../ports/llm-provider.js'
import type { Logger } from '../../../ports/logger.js'
import { createLocalProvider, type LocalModelObserver, type LocalModelSettings } from './index.js'

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} }

const prompt: ChatMessage[] = [
  { role: 'system', content: 'You write Python code.' },
  { role: 'user', content: 'def add(a, b): return a + b' },
]

function settings(overrides: Partial<LocalModelSettings>): LocalModelSettings {
  return {
    source: '',
    modelsDir: tmpdir(),
    hfEndpoint: 'http://127.0.0.1:9',
    idleUnloadMs: 0,
    sequences: 2,
    contextSize: 512,
    // One thread: llama.cpp's spinning workers slow down badly when the test machine's cores
    // are shared with other test processes.
    threads: 1,
    gpu: false,
    timeoutMs: 60_000,
    logger: quiet,
    ...overrides,
  }
}

function signal(): AbortSignal {
  return new AbortController().signal
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail('expected a rejection'),
    (error: unknown) => error,
  )
}

/** Waits until `check` holds, polling; fails after a few seconds. */
async function eventually(check: () => boolean): Promise<void> {
  for (let tries = 0; tries < 250 && !check(); tries++) {
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  expect(check()).toBe(true)
}

let modelPath: string

beforeAll(async () => {
  modelPath = await tinyGgufFile()
})

describe('the local provider on a tiny GGUF model', () => {
  let provider: LlmProvider
  const events: string[] = []

  beforeAll(() => {
    provider = createLocalProvider(
      settings({
        source: modelPath,
        observer: {
          loaded: () => events.push('loaded'),
          unloaded: (reason) => events.push(`unloaded:${reason}`),
          generated: (info) => events.push(`generated:${info.completionTokens}`),
        },
      }),
    )
  })

  afterAll(async () => {
    await provider.close?.()
  })

  test('reports the model before loading it, and ping does not load it', async () => {
    expect(provider.id).toBe('local')
    expect(provider.model).toBe('tiny')
    await provider.ping(signal())
    expect(provider.details?.()).toMatchObject({
      model_file: 'tiny.gguf',
      load_state: 'unloaded',
      sequences: 2,
      loaded_at: null,
    })
    expect(events).toEqual([])
  })

  test('generates a reply with usage counts', async () => {
    const completion = await provider.complete(
      { messages: prompt, temperature: 0, maxOutputTokens: 24 },
      signal(),
    )
    expect(completion.text.length).toBeGreaterThan(0)
    expect(completion.usage.promptTokens).toBeGreaterThan(0)
    expect(completion.usage.completionTokens).toBeGreaterThan(0)
    expect(completion.usage.completionTokens).toBeLessThanOrEqual(24)
    expect(completion.usage.totalTokens).toBe(
      completion.usage.promptTokens + completion.usage.completionTokens,
    )
    expect(['stop', 'length']).toContain(completion.finishReason)
    expect(completion).toMatchObject({ model: 'tiny', attempts: 1 })
    const details = provider.details?.()
    expect(details).toMatchObject({ load_state: 'loaded', model_file: 'tiny.gguf', gpu: false })
    expect(details?.model_bytes).toBeGreaterThan(0)
    expect(details?.context_length).toBeGreaterThanOrEqual(512)
    expect(typeof details?.loaded_at).toBe('string')
    expect(events.filter((event) => event === 'loaded')).toHaveLength(1)
    expect(events).toContain(`generated:${completion.usage.completionTokens}`)
  })

  test('streams the reply piece by piece; the pieces make the text', async () => {
    const deltas: string[] = []
    const completion = await provider.complete(
      { messages: prompt, temperature: 0, maxOutputTokens: 32, onText: (d) => deltas.push(d) },
      signal(),
    )
    expect(deltas.length).toBeGreaterThan(1)
    expect(deltas.length).toBeLessThanOrEqual(completion.usage.completionTokens)
    expect(deltas.join('')).toBe(completion.text)
  })

  test('an abort stops the stream at once; the slot is reused by the next call', async () => {
    const controller = new AbortController()
    const reason = new Error('client went away')
    const deltas: string[] = []
    const call = provider.complete(
      {
        messages: prompt,
        temperature: 0,
        maxOutputTokens: 200,
        onText: (delta) => {
          deltas.push(delta)
          if (deltas.length === 3) controller.abort(reason)
        },
      },
      controller.signal,
    )
    expect(await rejection(call)).toBe(reason)
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(deltas).toHaveLength(3)
    // Both slots free again: two calls run side by side.
    const [first, second] = await Promise.all([
      provider.complete({ messages: prompt, maxOutputTokens: 8 }, signal()),
      provider.complete({ messages: prompt, maxOutputTokens: 8 }, signal()),
    ])
    expect(first.usage.completionTokens).toBeGreaterThan(0)
    expect(second.usage.completionTokens).toBeGreaterThan(0)
  })

  test('two slots run two calls together; a third waits for one of them', async () => {
    const log: string[] = []
    const call = (name: string) =>
      provider
        .complete(
          {
            messages: [{ role: 'user', content: `Write function ${name}` }],
            temperature: 0,
            maxOutputTokens: 48,
            onText: () => {
              if (log.includes(`${name}:first`)) return
              log.push(`${name}:first`)
              // While a and b decode, c waits for a sequence: the health report shows both.
              if (name === 'b') health.push(provider.details?.() ?? {})
            },
          },
          signal(),
        )
        .then(() => log.push(`${name}:end`))
    const health: Record<string, unknown>[] = []
    await Promise.all([call('a'), call('b'), call('c')])
    expect(health[0]).toMatchObject({ busy_slots: 2, waiting_calls: 1 })
    expect(provider.details?.()).toMatchObject({ busy_slots: 0, waiting_calls: 0 })
    const at = (entry: string) => log.indexOf(entry)
    const firstEnd = Math.min(at('a:end'), at('b:end'))
    expect(at('a:first')).toBeGreaterThanOrEqual(0)
    expect(at('b:first')).toBeGreaterThanOrEqual(0)
    expect(at('a:first')).toBeLessThan(firstEnd)
    expect(at('b:first')).toBeLessThan(firstEnd)
    expect(at('c:first')).toBeGreaterThan(firstEnd)
  })

  test('a waiting call gives up its place when aborted', async () => {
    const controller = new AbortController()
    const busy = [0, 1].map(() =>
      provider.complete({ messages: prompt, temperature: 0, maxOutputTokens: 48 }, signal()),
    )
    const waiting = provider.complete({ messages: prompt, maxOutputTokens: 8 }, controller.signal)
    const reason = new Error('gave up')
    controller.abort(reason)
    expect(await rejection(waiting)).toBe(reason)
    await Promise.all(busy)
  })

  test('a code-block shape constrains the reply to one fenced block', async () => {
    const completion = await provider.complete(
      {
        messages: prompt,
        temperature: 0,
        maxOutputTokens: 48,
        shape: { kind: 'code-block', tags: ['python', 'py'], files: ['solution.py'] },
      },
      signal(),
    )
    const text = completion.text
    const header = /^```(python|py)?( solution\.py)?\n/.exec(text)
    expect(header, text).not.toBeNull()
    const lines = text.slice(header?.[0].length).split('\n')
    const last = lines.pop() ?? ''
    for (const line of lines) expect(line.startsWith('```'), line).toBe(false)
    // The block is closed when the model stopped on its own; cut off, it is a block's beginning.
    if (completion.finishReason === 'stop') expect(last).toBe('```')
    else expect(!last.startsWith('```') || last === '```').toBe(true)
  })

  test('a prompt larger than the context is rejected, naming both sizes', async () => {
    const long: ChatMessage[] = [{ role: 'user', content: 'def add(a, b): '.repeat(400) }]
    const error = await rejection(provider.complete({ messages: long }, signal()))
    expect(error).toBeInstanceOf(AppError)
    expect((error as AppError).code).toBe('APP_ERR_PROVIDER_REJECTED')
    expect((error as AppError).message).toMatch(/takes \d+ tokens .* holds 512 /)
    expect((error as AppError).message).toContain('LOCAL_CONTEXT_SIZE')
  })

  test('close frees the model; later calls are refused', async () => {
    await provider.close?.()
    expect(events.at(-1)).toBe('unloaded:close')
    expect(provider.details?.()).toMatchObject({ load_state: 'unloaded', loaded_at: null })
    const error = await rejection(provider.complete({ messages: prompt }, signal()))
    expect((error as AppError).code).toBe('APP_ERR_PROVIDER_UNAVAILABLE')
  })
})

/** An observer that writes the model's loads and unloads into `events`. */
function lifecycle(events: string[]): LocalModelObserver {
  return {
    loaded: () => events.push('loaded'),
    unloaded: (reason) => events.push(`unloaded:${reason}`),
    generated: () => {},
  }
}

describe('loading and unloading', () => {
  test('an idle model is unloaded and loaded again by the next call', async () => {
    const events: string[] = []
    const provider = createLocalProvider(
      settings({
        source: modelPath,
        idleUnloadMs: 30,
        observer: lifecycle(events),
      }),
    )
    try {
      await provider.warm?.()
      expect(provider.details?.()).toMatchObject({ load_state: 'loaded', idle_unload_s: 0.03 })
      await eventually(() => provider.details?.().load_state === 'unloaded')
      await eventually(() => events.includes('unloaded:idle'))
      const completion = await provider.complete({ messages: prompt, maxOutputTokens: 4 }, signal())
      expect(completion.usage.completionTokens).toBeGreaterThan(0)
      expect(events.slice(0, 3)).toEqual(['loaded', 'unloaded:idle', 'loaded'])
    } finally {
      await provider.close?.()
    }
  })

  test('close stops a running call and frees the model', async () => {
    const events: string[] = []
    const provider = createLocalProvider(
      settings({
        source: modelPath,
        observer: lifecycle(events),
      }),
    )
    let started: () => void = () => {}
    const streaming = new Promise<void>((resolve) => (started = resolve))
    const call = provider.complete(
      { messages: prompt, temperature: 0, maxOutputTokens: 400, onText: () => started() },
      signal(),
    )
    const outcome = rejection(call)
    await streaming
    await provider.close?.()
    const error = await outcome
    expect((error as AppError).code).toBe('APP_ERR_PROVIDER_UNAVAILABLE')
    expect(events).toEqual(['loaded', 'unloaded:close'])
  })

  test('a model loaded for a call that gave up is still unloaded when idle', async () => {
    const events: string[] = []
    const provider = createLocalProvider(
      settings({
        source: modelPath,
        idleUnloadMs: 30,
        observer: lifecycle(events),
      }),
    )
    try {
      const reason = new Error('gave up')
      const call = provider.complete({ messages: prompt }, AbortSignal.abort(reason))
      expect(await rejection(call)).toBe(reason)
      await provider.warm?.()
      await eventually(() => events.includes('unloaded:idle'))
    } finally {
      await provider.close?.()
    }
  })

  test('concurrent first calls share one load', async () => {
    let loads = 0
    const provider = createLocalProvider(
      settings({
        source: modelPath,
        observer: { loaded: () => loads++, unloaded: () => {}, generated: () => {} },
      }),
    )
    try {
      await Promise.all(
        [0, 1, 2].map(() => provider.complete({ messages: prompt, maxOutputTokens: 2 }, signal())),
      )
      expect(loads).toBe(1)
    } finally {
      await provider.close?.()
    }
  })

  test('a missing model file is unavailable, with the command that fetches one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'verigen-local-'))
    const provider = createLocalProvider(settings({ source: join(dir, 'absent.gguf') }))
    const probe = await rejection(provider.ping(signal()))
    expect((probe as AppError).code).toBe('APP_ERR_PROVIDER_UNAVAILABLE')
    const error = await rejection(provider.complete({ messages: prompt }, signal()))
    expect((error as AppError).code).toBe('APP_ERR_PROVIDER_UNAVAILABLE')
    expect((error as AppError).message).toContain("'absent.gguf' does not exist")
    expect((error as AppError).message).toContain('npx verigen models pull')
    expect((error as AppError).message).not.toContain(dir)
    expect(provider.details?.()).toMatchObject({ load_state: 'failed' })
    await provider.close?.()
  })

  test('a file that is not a model is unavailable', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'verigen-local-'))
    const path = join(dir, 'broken.gguf')
    await writeFile(path, 'GGUF but not really a model')
    const provider = createLocalProvider(settings({ source: path }))
    const error = await rejection(provider.complete({ messages: prompt }, signal()))
    expect((error as AppError).code).toBe('APP_ERR_PROVIDER_UNAVAILABLE')
    expect((error as AppError).message).toContain("'broken.gguf' is not a model")
    expect(await rejection(provider.ping(signal()))).toBe(error)
    await provider.close?.()
  })

  test('a call past its deadline times out', async () => {
    const provider = createLocalProvider(settings({ source: modelPath, timeoutMs: 1 }))
    const error = await rejection(provider.complete({ messages: prompt }, signal()))
    expect((error as AppError).code).toBe('APP_ERR_PROVIDER_TIMEOUT')
    expect((error as AppError).message).toContain('LLM_DEADLINE_MS')
    await provider.close?.()
  })

  test('a URL source whose file is missing passes the ping: the first load downloads it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'verigen-local-'))
    const provider = createLocalProvider(
      settings({ source: 'http://127.0.0.1:9/models/remote.gguf', modelsDir: dir }),
    )
    expect(provider.model).toBe('remote')
    await provider.ping(signal())
    expect(provider.details?.()).toMatchObject({ model_file: 'remote.gguf', model_bytes: null })
    await provider.close?.()
  })

  test('a URL source is downloaded by the first load, with its progress in the details', async () => {
    const body = await readFile(modelPath)
    let finish: () => void = () => {}
    const gate = new Promise<void>((resolve) => (finish = resolve))
    const server = createServer((request, response) => {
      if (request.url !== '/models/served.gguf') {
        response.writeHead(404).end()
        return
      }
      response.writeHead(200, { 'content-length': String(body.length) })
      const half = Math.floor(body.length / 2)
      response.write(body.subarray(0, half))
      void gate.then(() => response.end(body.subarray(half)))
    })
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const { port } = server.address() as AddressInfo
    const dir = await mkdtemp(join(tmpdir(), 'verigen-local-'))
    const provider = createLocalProvider(
      settings({ source: `http://127.0.0.1:${port}/models/served.gguf`, modelsDir: dir }),
    )
    try {
      const call = provider.complete({ messages: prompt, maxOutputTokens: 4 }, signal())
      await eventually(() => {
        const details = provider.details?.()
        return details?.load_state === 'downloading' && Number(details.download_progress) > 0
      })
      expect(Number(provider.details?.().download_progress)).toBeLessThan(1)
      finish()
      const completion = await call
      expect(completion.usage.completionTokens).toBeGreaterThan(0)
      expect(provider.details?.()).toMatchObject({
        load_state: 'loaded',
        model_file: 'served.gguf',
        model_bytes: body.length,
      })
      expect(provider.details?.()).not.toHaveProperty('download_progress')
      expect(await readFile(join(dir, 'served.gguf'))).toEqual(body)
    } finally {
      finish()
      await provider.close?.()
      server.close()
    }
  })
})
