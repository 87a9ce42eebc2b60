import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { getLlama, LlamaChatSession, type Llama, type LlamaModel } from 'node-llama-cpp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TINY_TOKENS, tinyGgufFile, writeTinyGguf } from './tiny-gguf.js'

// One thread: on a small, shared machine extra llama.cpp threads spin and slow generation down.
const THREADS = 1

describe('writeTinyGguf', () => {
  let dir: string

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'verigen-gguf-test-'))
  })

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('writes a small GGUF v3 file, byte for byte the same for the same seed', async () => {
    const first = await writeTinyGguf(join(dir, 'a.gguf'), { seed: 3 })
    const second = await writeTinyGguf(join(dir, 'b.gguf'), { seed: 3 })
    const other = await writeTinyGguf(join(dir, 'c.gguf'), { seed: 4 })
    const bytes = await readFile(first.path)
    expect(bytes.subarray(0, 4).toString('ascii')).toBe('GGUF')
    expect(bytes.readUInt32LE(4)).toBe(3)
    expect(bytes.length).toBe(first.bytes)
    expect(first.bytes).toBeLessThan(2 * 1024 * 1024)
    expect(bytes.equals(await readFile(second.path))).toBe(true)
    expect(bytes.equals(await readFile(other.path))).toBe(false)
  })

  it('rejects an embedding the heads cannot divide', async () => {
    await expect(writeTinyGguf(join(dir, 'bad.gguf'), { embedding: 30 })).rejects.toThrow('30')
  })
})

describe('the tiny model in node-llama-cpp', () => {
  let llama: Llama
  let model: LlamaModel
  let path: string
  let vocabulary: number

  beforeAll(async () => {
    path = await tinyGgufFile()
    llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' as never })
    model = await llama.loadModel({ modelPath: path })
    vocabulary = model.fileInfo.metadata.tokenizer.ggml.tokens.length
  })

  afterAll(async () => {
    await model?.dispose()
    await llama?.dispose()
  })

  it('reuses one cached file per process', async () => {
    expect(await tinyGgufFile()).toBe(path)
  })

  it('reads back the metadata that was written', async () => {
    const written = await writeTinyGguf(join(tmpdir(), `verigen-gguf-${process.pid}.gguf`))
    await rm(written.path, { force: true })
    expect(model.trainContextSize).toBe(2048)
    expect(model.fileInfo.version).toBe(3)
    expect(model.fileInfo.metadata.general.architecture).toBe('llama')
    expect(model.fileInfo.metadata.general.name).toBe('verigen-tiny')
    expect(vocabulary).toBe(written.vocabulary)
    expect(model.vocabularyType).toBe('spm')
    expect(model.fileInfo.tensorInfo).toHaveLength(3 + 2 * 9)
    expect(model.tokens.bos).toBe(TINY_TOKENS.bos)
    expect(model.tokens.eos).toBe(TINY_TOKENS.imEnd)
  })

  it('tokenizes text and control tokens, and detokenizes back', () => {
    const text = 'def add(a, b):\n    return a + b  # sum ü'
    const tokens = model.tokenize(text)
    expect(tokens.length).toBeGreaterThan(5)
    // Fewer tokens than characters: the vocabulary's pieces merge.
    expect(tokens.length).toBeLessThan(text.length)
    expect(model.detokenize(tokens)).toBe(text)
    expect(model.tokenize('<|im_start|>', true)).toEqual([TINY_TOKENS.imStart])
    expect(model.tokenize('<|im_end|>', true)).toEqual([TINY_TOKENS.imEnd])
  })

  it('streams at least 20 tokens through a ChatML chat session', async () => {
    const context = await model.createContext({ sequences: 2, contextSize: 512, threads: THREADS })
    try {
      const session = new LlamaChatSession({ contextSequence: context.getSequence() })
      expect(session.chatWrapper.wrapperName).toBe('ChatML')
      const chunks: string[] = []
      let tokens = 0
      const answer = await session.prompt('Write a function that adds two numbers.', {
        maxTokens: 24,
        temperature: 0,
        seed: 1,
        onToken: (generated) => {
          tokens += generated.length
        },
        onTextChunk: (chunk) => chunks.push(chunk),
      })
      expect(tokens).toBeGreaterThanOrEqual(20)
      expect(chunks.length).toBeGreaterThan(0)
      expect(chunks.join('')).toBe(answer)
    } finally {
      await context.dispose()
    }
  })

  it('generates on two sequences of one context at once, and stops on abort', async () => {
    const context = await model.createContext({ sequences: 2, contextSize: 512, threads: THREADS })
    try {
      const run = async (prompt: string, limit: number): Promise<number> => {
        const sequence = context.getSequence()
        let count = 0
        for await (const token of sequence.evaluate(model.tokenize(prompt), { temperature: 0 })) {
          expect(token).toBeLessThan(vocabulary)
          count += 1
          if (count >= limit) break
        }
        sequence.dispose()
        return count
      }
      expect(await Promise.all([run('def add', 20), run('const sum', 20)])).toEqual([20, 20])

      const session = new LlamaChatSession({ contextSequence: context.getSequence() })
      const controller = new AbortController()
      let tokens = 0
      const answer = await session.prompt('Write code.', {
        maxTokens: 200,
        signal: controller.signal,
        stopOnAbortSignal: true,
        onToken: (generated) => {
          tokens += generated.length
          if (tokens >= 5) controller.abort()
        },
      })
      expect(tokens).toBeLessThan(200)
      expect(typeof answer).toBe('string')
    } finally {
      await context.dispose()
    }
  })

  it('follows a GBNF grammar to a fenced code block', async () => {
    const context = await model.createContext({ contextSize: 512, threads: THREADS })
    try {
      const grammar = await llama.createGrammar({
        grammar:
          'root ::= "```python\\n" line{1,3} "```"\nline ::= [a-z_]{1,8} " = " [0-9]{1,3} "\\n"',
      })
      const session = new LlamaChatSession({ contextSequence: context.getSequence() })
      const answer = await session.prompt('Write code.', { grammar, maxTokens: 200, seed: 5 })
      expect(answer).toMatch(/^```python\n([a-z_]{1,8} = [0-9]{1,3}\n){1,3}```$/)
    } finally {
      await context.dispose()
    }
  })
})
