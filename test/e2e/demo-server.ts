/**
 * The server the browser tests drive, also runnable by hand to look at the UI with a scripted
 * model: `npx tsx test/e2e/demo-server.ts [PORT] [--auth]`. The model streams a Python answer
 * slowly enough to watch; with --auth it creates `admin` and `alice` (passwords printed).
 */
import type { FastifyInstance } from 'fastify'
import { createTestApp } from '../helpers/app.js'
import { createUser, JWT_SECRET, type TestUser } from '../helpers/auth.js'
import { DOCS, GOOD_CODE, llmEnv, stageOf, TESTS } from '../helpers/generation.js'
import {
  CHAT,
  chatBody,
  chatReply,
  fenced,
  ScriptedLlmServer,
  streamReply,
} from '../helpers/scripted-llm.js'

export interface DemoServer {
  url: string
  app: FastifyInstance
  upstream: ScriptedLlmServer
  admin: TestUser | null
  alice: TestUser | null
  close(): Promise<void>
}

/** Pieces of a fenced answer, a few characters each, as a model streams them. */
function pieces(language: string, code: string, size = 12): string[] {
  const text = `\`\`\`${language}\n${code.trimEnd()}\n\`\`\`\n`
  const result: string[] = []
  for (let index = 0; index < text.length; index += size)
    result.push(text.slice(index, index + size))
  return result
}

export interface DemoOptions {
  port?: number
  auth?: boolean
  /** Pause between streamed pieces of the code, in ms. */
  delayMs?: number
  environment?: Record<string, string>
  /** The built UI to serve, instead of dist/web. */
  webRoot?: string
  /** false: no model provider configured, as on a fresh install (generation answers 503). */
  model?: boolean
}

export async function startDemoServer(options: DemoOptions = {}): Promise<DemoServer> {
  const upstream = new ScriptedLlmServer()
  const delayMs = options.delayMs ?? 40
  upstream.on(CHAT, (request, response) => {
    const body = chatBody(request)
    const stage = stageOf(body)
    // A generation that is not streamed (POST /api/generate, tests making history) asks for JSON.
    if (!body.stream) {
      const [language, text] =
        stage === 'tests'
          ? ['python', TESTS]
          : stage === 'docs'
            ? ['markdown', DOCS]
            : ['python', GOOD_CODE]
      return chatReply(fenced(language, text))(request, response)
    }
    if (stage === 'tests') return streamReply(pieces('python', TESTS))(request, response)
    if (stage === 'docs') return streamReply(pieces('markdown', DOCS))(request, response)
    return streamReply(pieces('python', GOOD_CODE), { delayMs })(request, response)
  })
  await upstream.start()
  const app = await createTestApp(
    {
      ...(options.model === false ? {} : llmEnv(upstream)),
      VERIFY_DEFAULT: 'true',
      LOG_LEVEL: 'warn',
      ...(options.auth ? { AUTH: 'on', JWT_SECRET } : {}),
      ...options.environment,
    },
    options.webRoot ? { webRoot: options.webRoot } : {},
  )
  await app.listen({ host: '127.0.0.1', port: options.port ?? 0 })
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  const admin = options.auth
    ? await createUser(app, 'admin', { admin: true, password: 'admin-password-1234' })
    : null
  const alice = options.auth
    ? await createUser(app, 'alice', { password: 'alice-password-1234' })
    : null
  return {
    url: `http://127.0.0.1:${port}`,
    app,
    upstream,
    admin,
    alice,
    async close() {
      await app.close()
      await upstream.close()
    },
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const port = Number(process.argv[2] ?? 3100)
  const auth = process.argv.includes('--auth')
  const web = process.argv.indexOf('--web')
  const webRoot = web === -1 ? undefined : process.argv[web + 1]
  const server = await startDemoServer({ port, auth, ...(webRoot ? { webRoot } : {}) })
  console.log(`Verigen UI on ${server.url}`)
  if (server.admin) console.log(`admin / ${server.admin.password}`)
  if (server.alice) console.log(`alice / ${server.alice.password}`)
}
