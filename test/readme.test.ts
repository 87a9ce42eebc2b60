import { spawn, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PROVIDER_VARIABLES } from '../src/llm-providers.js'
import { errorResponseSchema } from '../src/schemas/error.js'
import { createTestApp, listenTestApp } from './helpers/app.js'
import { CODE_REPLY, DOCS, llmEnv, repliesByStage, TESTS_REPLY } from './helpers/generation.js'
import { CHAT, ScriptedLlmServer } from './helpers/scripted-llm.js'
import { tinyGgufFile } from './helpers/tiny-gguf.js'

/**
 * The README's examples, run as written: every curl command is sent to a running app and must
 * answer the status and the shape the README shows after it, and every `npx verigen` line runs
 * against the CLI with the exit code its comment gives. Nothing is copied from the README here:
 * the examples are read from its fenced blocks, so that the README cannot drift from the service.
 */

const projectRoot = fileURLToPath(new URL('..', import.meta.url))
const README = readFileSync(join(projectRoot, 'README.md'), 'utf8')
const DOCUMENTED_BASE = 'http://127.0.0.1:8000'

/** One fenced block of the README, with the heading it sits under and its `##` part. */
interface Block {
  section: string
  part: string
  language: string
  text: string
}

/** The part whose examples need `AUTH=on`: they run against an app of their own, in order. */
const ACCESS_PART = 'Users, API keys and access'

function fencedBlocks(markdown: string): Block[] {
  const blocks: Block[] = []
  let section = ''
  let part = ''
  let open: { fence: string; language: string; lines: string[] } | null = null
  for (const line of markdown.split('\n')) {
    if (open) {
      if (line === open.fence) {
        blocks.push({ section, part, language: open.language, text: open.lines.join('\n') })
        open = null
      } else open.lines.push(line)
      continue
    }
    const fence = /^(`{3,})(\S*)\s*$/.exec(line)
    if (fence) open = { fence: fence[1]!, language: fence[2]!, lines: [] }
    else if (/^#{2,4} /.test(line)) {
      section = line.replace(/^#+\s*/, '').replaceAll('`', '')
      if (line.startsWith('## ')) part = section
    }
  }
  return blocks
}

/** A shell command line split into words the way sh would, and its trailing comment. */
function shellWords(command: string): { words: string[]; comment: string } {
  const words: string[] = []
  let word: string | null = null
  for (let index = 0; index < command.length; index++) {
    const character = command[index]!
    if (/\s/.test(character)) {
      if (word !== null) words.push(word)
      word = null
    } else if (character === '#' && word === null) {
      return { words, comment: command.slice(index + 1).trim() }
    } else if (character === "'") {
      const end = command.indexOf("'", index + 1)
      if (end === -1) throw new Error(`unterminated quote in: ${command}`)
      word = (word ?? '') + command.slice(index + 1, end)
      index = end
    } else if (character === '"') {
      let text = ''
      for (index++; command[index] !== '"'; index++) {
        if (index >= command.length) throw new Error(`unterminated quote in: ${command}`)
        if (command[index] === '\\' && /["\\$`]/.test(command[index + 1] ?? '')) index++
        text += command[index]
      }
      word = (word ?? '') + text
    } else if (character === '\\') {
      word = (word ?? '') + (command[++index] ?? '')
    } else word = (word ?? '') + character
  }
  if (word !== null) words.push(word)
  return { words, comment: '' }
}

/** The commands of a shell block, continuation lines joined. */
function shellCommands(text: string): { words: string[]; comment: string }[] {
  return text
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map(shellWords)
}

interface Curl {
  method: string
  url: string
  headers: Record<string, string>
  body: string | undefined
  comment: string
}

function curlOf({ words, comment }: { words: string[]; comment: string }): Curl | null {
  if (words[0] !== 'curl') return null
  const curl: Curl = { method: '', url: '', headers: {}, body: undefined, comment }
  for (let index = 1; index < words.length; index++) {
    const word = words[index]!
    if (word === '-H') {
      const [name = '', ...value] = words[++index]!.split(':')
      curl.headers[name.trim()] = value.join(':').trim()
    } else if (word === '-d') curl.body = words[++index]
    else if (word === '-X') curl.method = words[++index]!
    else if (word.startsWith('-')) continue
    else curl.url = word
  }
  curl.method ||= curl.body === undefined ? 'GET' : 'POST'
  return curl
}

/** One example: a curl command and the answer the README shows after it, if any. */
interface Example {
  section: string
  curl: Curl
  answer?: Block
}

function examplesOf(blocks: Block[]): { examples: Example[]; unpaired: Block[] } {
  const examples: Example[] = []
  const unpaired: Block[] = []
  let latest: Example | undefined
  for (const block of blocks) {
    if (block.language === 'sh') {
      const curls = shellCommands(block.text)
        .map(curlOf)
        .filter((curl): curl is Curl => curl !== null)
      const added = curls.map((curl) => ({ section: block.section, curl }))
      examples.push(...added)
      if (added.length > 0) latest = added[0]
    } else if (block.language === 'json' || block.language === '') {
      // An answer belongs to the first command of the last command block of its section.
      if (latest && latest.section === block.section && !latest.answer) latest.answer = block
      else unpaired.push(block)
    }
  }
  return { examples, unpaired }
}

/** A placeholder of the README: `"…"` as a value, or as a key standing for more fields. */
const ELLIPSIS = '…'

/** Decimals of a number as the README writes it: the service's value is compared at that precision. */
function roundedLike(actual: number, example: number): number {
  const decimals = (String(example).split('.')[1] ?? '').length
  return Number(actual.toFixed(decimals))
}

/**
 * Checks that `actual` has the shape of the README's `example`: every field shown exists with the
 * same type (an object without a `"…"` key lists every field), a list's items are compared by
 * position, and with `exact`, values are equal (numbers to the README's precision).
 */
function expectLike(actual: unknown, example: unknown, path: string, exact: boolean): void {
  if (example === ELLIPSIS) return
  if (example === null) {
    if (exact) expect(actual, path).toBeNull()
    return
  }
  if (Array.isArray(example)) {
    expect(Array.isArray(actual), `${path} is a list`).toBe(true)
    const items = actual as unknown[]
    const open = example.at(-1) === ELLIPSIS
    if (exact && !open) expect(items.length, `${path}.length`).toBe(example.length)
    example.forEach((item, index) => {
      if (index < items.length) expectLike(items[index], item, `${path}[${index}]`, exact)
    })
    return
  }
  if (typeof example === 'object') {
    expect(typeof actual, path).toBe('object')
    expect(actual, path).not.toBeNull()
    const fields = actual as Record<string, unknown>
    const shown = Object.keys(example).filter((key) => key !== ELLIPSIS)
    for (const key of shown) {
      expect(Object.keys(fields), `${path} has ${key}`).toContain(key)
      expectLike(fields[key], (example as Record<string, unknown>)[key], `${path}.${key}`, exact)
    }
    if (!(ELLIPSIS in example)) expect(Object.keys(fields).sort(), path).toEqual(shown.sort())
    return
  }
  expect(typeof actual, path).toBe(typeof example)
  if (exact && typeof example === 'number') {
    expect(roundedLike(actual as number, example), path).toBe(example)
  } else if (exact) expect(actual, path).toBe(example)
}

/** The event names of a Server-Sent Events text. */
const eventNames = (text: string) => [...text.matchAll(/^event: (\S+)$/gm)].map((match) => match[1])

const allBlocks = fencedBlocks(README)
const accessBlocks = allBlocks.filter((block) => block.part === ACCESS_PART)
const blocks = allBlocks.filter((block) => block.part !== ACCESS_PART)
const { examples, unpaired } = examplesOf(blocks)
const verigenLines = blocks
  .filter((block) => block.language === 'sh')
  .flatMap((block) => shellCommands(block.text))
  .filter(({ words }) => words[0] === 'npx' && words[1] === 'verigen' && words[2] !== 'serve')
/** `verigen models …`: they download, so they run in order against a mirror of their own. */
const modelLines = verigenLines.filter(({ words }) => words[2] === 'models')
const cliLines = verigenLines.filter(({ words }) => words[2] !== 'models')

describe('the README', () => {
  it('lists every environment variable the configuration reads in its Configuration table', () => {
    const config = readFileSync(join(projectRoot, 'src', 'config.ts'), 'utf8')
    const read = [...config.matchAll(/^ {2}([A-Z][A-Z0-9_]+): /gm)].map((match) => match[1]!)
    const table = README.slice(README.indexOf('## Configuration'), README.indexOf('## API'))
    const listed = new Set(
      [...table.matchAll(/^\| `([A-Z][A-Z0-9_]+)`/gm)].map((match) => match[1]),
    )
    expect(read.length).toBeGreaterThan(50)
    expect(read.filter((name) => !listed.has(name))).toEqual([])
    for (const name of [...PROVIDER_VARIABLES, 'ENV_FILE']) expect(listed, name).toContain(name)
  })

  it('has examples to run', () => {
    expect(examples.length).toBeGreaterThanOrEqual(10)
    expect(examples.filter((example) => example.curl.body !== undefined).length).toBeGreaterThan(3)
    expect(cliLines.length).toBeGreaterThanOrEqual(4)
  })

  describe('curl examples, against a running app', () => {
    let upstream: ScriptedLlmServer
    /** Without a model provider, as after the Quick start; generation routes get one. */
    let bare: FastifyInstance
    let generating: FastifyInstance
    const urls = { bare: '', generating: '' }
    /** The README's example ids, and the ids the service gave the same examples. */
    const ids = new Map<string, string>()

    beforeAll(async () => {
      upstream = await new ScriptedLlmServer().start()
      upstream.on(
        CHAT,
        repliesByStage(() => ({ code: CODE_REPLY, tests: TESTS_REPLY, docs: DOCS })),
      )
      bare = await createTestApp()
      // No cache: the streamed example shows a generation's deltas, not a cache hit.
      generating = await createTestApp(
        llmEnv(upstream, {
          RATE_LIMIT_REQUESTS: '0',
          CACHE_MAX_ENTRIES: '0',
          VERIFY_DEFAULT: 'true',
        }),
      )
      urls.bare = (await listenTestApp(bare)).url
      urls.generating = (await listenTestApp(generating)).url
    })
    afterAll(async () => {
      await bare.close()
      await generating.close()
      await upstream.close()
    })

    it('answer as documented, in the order the README gives them', async () => {
      for (const { section, curl, answer } of examples) {
        const what = `${section}: curl ${curl.method} ${curl.url}`
        expect(curl.url.startsWith(DOCUMENTED_BASE), what).toBe(true)
        let path = curl.url.slice(DOCUMENTED_BASE.length)
        for (const [documented, actual] of ids) path = path.replaceAll(documented, actual)
        const base = /^\/api\/generat/.test(path) ? urls.generating : urls.bare
        const response = await fetch(`${base}${path}`, {
          method: curl.method,
          headers: curl.headers,
          ...(curl.body === undefined ? {} : { body: curl.body }),
        })
        const text = await response.text()
        const documentedStatus = /\b([1-5]\d\d)\b/.exec(curl.comment)?.[1]
        const expected = Number(documentedStatus ?? (curl.method === 'DELETE' ? 204 : 200))
        expect(response.status, `${what}: ${text.slice(0, 500)}`).toBe(expected)
        if (!answer) continue
        if (answer.language === '') {
          // A stream: the events the README shows arrive, in that order among the others.
          const actual = eventNames(text)
          const shown = eventNames(answer.text)
          expect(shown.length, what).toBeGreaterThan(0)
          expect(
            actual.filter((name) => shown.includes(name)),
            what,
          ).toEqual(expect.arrayContaining(shown))
          expect(actual.at(-1), what).toBe(shown.at(-1))
          continue
        }
        const example = JSON.parse(answer.text) as Record<string, unknown>
        const body = JSON.parse(text) as Record<string, unknown>
        // Analyses are deterministic: their figures must be the ones the README shows.
        const exact = section.startsWith('POST /api/analyze')
        expectLike(body, example, what, exact)
        if (typeof example.id === 'string' && typeof body.id === 'string') {
          ids.set(example.id, body.id)
        }
      }
      expect(ids.size).toBeGreaterThan(0)
    })

    it('shows only error bodies that have the error shape where no command precedes them', () => {
      for (const block of unpaired) {
        if (block.language !== 'json') continue
        const example = JSON.parse(block.text) as Record<string, unknown>
        expect(errorResponseSchema.safeParse(example).success, block.section).toBe(true)
      }
    })
  })

  describe('command-line examples', () => {
    const directory = mkdtempSync(join(tmpdir(), 'verigen-readme-'))
    const tsx = createRequire(import.meta.url).resolve('tsx')
    const cli = join(projectRoot, 'src', 'cli.ts')
    const GOOD = 'def area(w, h):\n    return w * h\n'
    const BROKEN = 'def area(w, h):\n    return (w * h\n'
    /** Options of `verigen analyze` that take a value. */
    const VALUED = new Set(['--format', '--language'])

    afterAll(() => rmSync(directory, { recursive: true, force: true }))

    it.each(cliLines.map((line) => [line.words.join(' '), line] as const))(
      '%s',
      (_text, { words, comment }) => {
        const workspace = mkdtempSync(join(directory, 'run-'))
        // From source, the analysis workers load tsx from the working directory.
        symlinkSync(join(projectRoot, 'node_modules'), join(workspace, 'node_modules'))
        const redirect = words.indexOf('>')
        const args = words.slice(2, redirect === -1 ? undefined : redirect)
        const output =
          redirect === -1
            ? undefined
            : join(workspace, words[redirect + 1]!.replace(/^\/tmp\//, ''))
        // "exit 1 if a file does not parse": then the files given do not parse.
        const exit = /exit (\d+)/.exec(comment)
        const source = exit && /parse/.test(comment) ? BROKEN : GOOD
        for (const [index, arg] of args.entries()) {
          if (index === 0 || arg.startsWith('-') || VALUED.has(args[index - 1]!)) continue
          const target = join(workspace, arg)
          if (arg.endsWith('/')) {
            mkdirSync(target, { recursive: true })
            writeFileSync(join(target, 'area.py'), source)
          } else {
            mkdirSync(dirname(target), { recursive: true })
            writeFileSync(target, source)
          }
        }
        const result = spawnSync(process.execPath, ['--import', tsx, cli, ...args], {
          cwd: workspace,
          encoding: 'utf8',
          env: { ...process.env, ENV_FILE: '/dev/null' },
        })
        expect(result.status, result.stderr).toBe(Number(exit?.[1] ?? 0))
        if (output) {
          writeFileSync(output, result.stdout)
          // The comment shows the report's shape.
          const shown = /^\{"(\w+)".*"(\w+)"/.exec(comment)
          const report = JSON.parse(readFileSync(output, 'utf8')) as Record<string, unknown>
          if (shown) expect(Object.keys(report)).toEqual(expect.arrayContaining(shown.slice(1)))
        } else {
          expect(result.stdout.length).toBeGreaterThan(0)
        }
      },
    )
  })
  describe('model commands, against a Hugging Face mirror, then the first start', () => {
    const tsx = createRequire(import.meta.url).resolve('tsx')
    const cli = join(projectRoot, 'src', 'cli.ts')
    const workspace = mkdtempSync(join(tmpdir(), 'verigen-readme-models-'))
    let mirror: Server
    let endpoint = ''
    let model: Buffer
    const served: string[] = []

    beforeAll(async () => {
      model = readFileSync(await tinyGgufFile())
      const sha256 = createHash('sha256').update(model).digest('hex')
      // Hugging Face's layout: the resolve answer names the file's size and SHA-256, then sends
      // the client to the file's CDN address.
      mirror = createServer((request, response) => {
        const resolved = /^\/[\w.-]+\/[\w.-]+\/resolve\/[\w.-]+\/([\w.-]+\.gguf)$/.exec(
          request.url ?? '',
        )
        if (resolved) {
          served.push(request.url!)
          response.writeHead(302, {
            location: `/cdn/${resolved[1]}`,
            'x-linked-etag': `"${sha256}"`,
            'x-linked-size': String(model.length),
          })
          return void response.end()
        }
        if (!request.url?.startsWith('/cdn/')) return void response.writeHead(404).end()
        response.writeHead(200, { 'content-length': model.length, etag: '"tiny"' })
        response.end(model)
      })
      await new Promise<void>((resolve) => mirror.listen(0, '127.0.0.1', resolve))
      endpoint = `http://127.0.0.1:${(mirror.address() as AddressInfo).port}`
    })
    afterAll(async () => {
      mirror.closeAllConnections()
      await new Promise((resolve) => mirror.close(resolve))
      rmSync(workspace, { recursive: true, force: true })
    })

    it('has the first-run command and the list', () => {
      const commands = modelLines.map(({ words }) => words.slice(2).join(' '))
      expect(commands).toContain('models pull')
      expect(commands).toContain('models list')
    })

    it.each(modelLines.map((line) => [line.words.join(' '), line] as const))(
      '%s',
      async (_text, { words }) => {
        // Asynchronously, so that this process's mirror answers meanwhile.
        const child = spawn(process.execPath, ['--import', tsx, cli, ...words.slice(2)], {
          cwd: workspace,
          env: { ...process.env, ENV_FILE: '/dev/null', HF_ENDPOINT: endpoint },
        })
        let stdout = ''
        let stderr = ''
        child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
        const status = await new Promise((resolve) => child.once('close', resolve))
        expect(status, stderr).toBe(0)
        expect(stdout.length + stderr.length).toBeGreaterThan(0)
      },
      60_000,
    )

    it('leaves a model that the next start uses with nothing configured', async () => {
      expect(served).toContain(
        '/Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF/resolve/main/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf',
      )
      const app = await createTestApp({
        LOCAL_MODELS_DIR: join(workspace, 'data', 'models'),
      })
      try {
        const health = await app.inject({ url: '/api/health' })
        expect(health.json().services.llm).toMatchObject({
          status: 'ok',
          provider: 'local',
          model: 'qwen2.5-coder-1.5b-instruct-q4_k_m',
          load_state: 'unloaded',
          model_bytes: model.length,
        })
      } finally {
        await app.close()
      }
    })
  })

  describe('access examples, with AUTH=on', () => {
    const tsx = createRequire(import.meta.url).resolve('tsx')
    const cli = join(projectRoot, 'src', 'cli.ts')
    let directory: string
    let database: string
    let upstream: ScriptedLlmServer
    let app: FastifyInstance
    let base = ''

    beforeAll(async () => {
      directory = mkdtempSync(join(tmpdir(), 'verigen-readme-access-'))
      // One database for the app and the CLI lines, as on a server.
      database = `sqlite://${join(directory, 'verigen.db')}`
      upstream = await new ScriptedLlmServer().start()
      upstream.on(
        CHAT,
        repliesByStage(() => ({ code: CODE_REPLY, tests: TESTS_REPLY, docs: DOCS })),
      )
      app = await createTestApp(
        llmEnv(upstream, {
          AUTH: 'on',
          JWT_SECRET: 'the-signing-secret-of-the-readme-access-examples',
          DATABASE_URL: database,
          RATE_LIMIT_REQUESTS: '0',
          CACHE_MAX_ENTRIES: '0',
        }),
      )
      base = (await listenTestApp(app)).url
    })
    afterAll(async () => {
      await app.close()
      await upstream.close()
      rmSync(directory, { recursive: true, force: true })
    })

    it('run as written, in order: the CLI on the app’s database, curl against the app', async () => {
      /** Shell variables the examples set: `KEY=$(npx verigen …)`, `TOKEN='…'  # the … of the answer`. */
      const variables = new Map<string, string>()
      /** Values the README shows (an id, a password) and the ones the service gave instead. */
      const documented = new Map<string, string>()
      /** The top-level fields of the answers so far, the latest first. */
      const fields = new Map<string, unknown>()
      let cliOutput: string | null = null
      let latest: { section: string; what: string; body: unknown; answered: boolean } | null = null
      let curls = 0

      const resolve = (text: string) => {
        let resolved = text
        const shown = [...documented.keys()].sort((a, b) => b.length - a.length)
        for (const value of shown) resolved = resolved.replaceAll(value, documented.get(value)!)
        return resolved.replace(/\$\{?(\w+)\}?/g, (_match, name: string) => {
          expect(variables.has(name), `$${name} is set before it is used`).toBe(true)
          return variables.get(name)!
        })
      }
      /** Pairs the ids an answer shows with the ones the service answered, at any depth. */
      const mapIds = (example: unknown, actual: unknown) => {
        if (typeof example !== 'object' || example === null) return
        if (typeof actual !== 'object' || actual === null) return
        for (const [key, value] of Object.entries(example)) {
          const other = (actual as Record<string, unknown>)[key]
          if (/(^|_)id$/.test(key) && typeof value === 'string' && typeof other === 'string') {
            if (value !== ELLIPSIS) documented.set(value, other)
          } else mapIds(value, other)
        }
      }

      for (const block of accessBlocks) {
        if (block.language === 'text') {
          // The output a CLI line printed: its values stand for the ones printed here.
          if (cliOutput === null) continue
          const shown = block.text.trim().split('\n')
          const printed = cliOutput.trim().split('\n')
          expect(printed.length, block.text).toBe(shown.length)
          shown.forEach((line, index) => {
            const [label, value] = line.split(': ')
            const [otherLabel, other] = printed[index]!.split(': ')
            if (value !== undefined && label === otherLabel) documented.set(value, other!)
            else documented.set(line, printed[index]!)
          })
          cliOutput = null
        } else if (block.language === 'json') {
          const example = JSON.parse(block.text) as unknown
          if (latest && latest.section === block.section && !latest.answered) {
            latest.answered = true
            expectLike(latest.body, example, latest.what, false)
            mapIds(example, latest.body)
          } else {
            expect(errorResponseSchema.safeParse(example).success, block.section).toBe(true)
          }
        } else if (block.language === 'sh') {
          let first = true
          for (const { words, comment } of shellCommands(block.text)) {
            let command = words
            let assigned: string | undefined
            const substitution = /^(\w+)=\$\((.*)$/.exec(words[0] ?? '')
            const literal = /^(\w+)=(.+)$/.exec(words[0] ?? '')
            if (substitution) {
              assigned = substitution[1]
              command = [substitution[2]!, ...words.slice(1)]
              command[command.length - 1] = command.at(-1)!.replace(/\)$/, '')
            } else if (literal && words.length === 1) {
              const field = /the (\w+) of the answer/.exec(comment)?.[1]
              expect(field, `${words[0]}: say which answer field it holds`).toBeDefined()
              expect(fields.has(field!), `an answer with ${field}`).toBe(true)
              variables.set(literal[1]!, String(fields.get(field!)))
              continue
            }
            const exit = Number(/exit (\d+)/.exec(comment)?.[1] ?? 0)
            if (command[0] === 'npx' && command[1] === 'verigen') {
              const result = spawnSync(
                process.execPath,
                ['--import', tsx, cli, ...command.slice(2)],
                {
                  cwd: directory,
                  encoding: 'utf8',
                  env: { ...process.env, ENV_FILE: '/dev/null', DATABASE_URL: database },
                },
              )
              expect(result.status, `${command.join(' ')}: ${result.stderr}`).toBe(exit)
              cliOutput = result.stdout
              if (assigned) variables.set(assigned, result.stdout.trim())
              continue
            }
            const curl = curlOf({ words: command.map(resolve), comment })
            if (!curl) continue
            curls++
            const what = `${block.section}: curl ${curl.method} ${curl.url}`
            expect(curl.url.startsWith(DOCUMENTED_BASE), what).toBe(true)
            const response = await fetch(`${base}${curl.url.slice(DOCUMENTED_BASE.length)}`, {
              method: curl.method,
              headers: curl.headers,
              ...(curl.body === undefined ? {} : { body: curl.body }),
            })
            const text = await response.text()
            const status = /\b([1-5]\d\d)\b/.exec(curl.comment)?.[1]
            const expected = Number(status ?? (curl.method === 'DELETE' ? 204 : 200))
            expect(response.status, `${what}: ${text.slice(0, 500)}`).toBe(expected)
            const body = text === '' ? null : (JSON.parse(text) as unknown)
            if (typeof body === 'object' && body !== null) {
              for (const [key, value] of Object.entries(body)) fields.set(key, value)
            }
            if (first) latest = { section: block.section, what, body, answered: false }
            first = false
          }
        }
      }
      expect(curls).toBeGreaterThanOrEqual(10)
      expect(accessBlocks.some((block) => block.language === 'text')).toBe(true)
    })
  })
})
