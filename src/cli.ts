#!/usr/bin/env node
import { parseArgs } from 'node:util'
import { version } from './paths.js'

const USAGE = `Usage: verigen <command> [options]

Commands:
  analyze PATH...    Analyse files or directories (options and exit codes:
                     verigen analyze --help)
  doctor             Check the sandbox and each language's test runner, and
                     print the apt-get line for what is missing (exit codes:
                     verigen doctor --help)
  keys create        Make an API key for a user and print it once (options:
                     verigen keys --help)
  models pull [URI]  Download a GGUF model for LLM_PROVIDER=local (resumable,
                     checksum-verified; the recommended model by default)
  models list        List the models in LOCAL_MODELS_DIR (verigen models --help)
  serve              Start the HTTP server (same as npm start), with a worker
                     inside it unless WORKER_CONCURRENCY is 0
    --port <n>       Port to listen on (overrides PORT)
    --host <addr>    Address to listen on (overrides HOST)
  users              Create, list and disable users (verigen users --help)
  worker             Run queued jobs only, no HTTP server; stops on SIGTERM
                     after its running jobs (or hands them back to the queue)
    --concurrency <n>  Jobs run at once (overrides WORKER_CONCURRENCY, default 4)
    --port <n>       Answer /metrics and /api/health on this port (overrides
                     WORKER_PORT; none by default)

Options:
  -h, --help         Show this help
  -v, --version      Show the version

Configuration comes from environment variables and an optional .env file; see README.md.`

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    console.log(USAGE)
    return command === undefined ? 1 : 0
  }
  if (command === '-v' || command === '--version') {
    console.log(version)
    return 0
  }
  // Commands load their modules on demand: `analyze` never pays for the HTTP stack.
  if (command === 'analyze')
    return (await import('./commands/analyze/index.js')).analyzeCommand(rest)
  if (command === 'doctor') return (await import('./commands/doctor.js')).doctorCommand(rest)
  if (command === 'users') return (await import('./commands/users.js')).usersCommand(rest)
  if (command === 'keys') return (await import('./commands/keys.js')).keysCommand(rest)
  if (command === 'models') return (await import('./commands/models/index.js')).modelsCommand(rest)
  if (command === 'serve') {
    const { values } = parseArgs({
      args: rest,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    })
    if (values.help) {
      console.log(USAGE)
      return 0
    }
    const { runServer } = await import('./server.js')
    await runServer({
      ...(values.port !== undefined ? { PORT: values.port } : {}),
      ...(values.host !== undefined ? { HOST: values.host } : {}),
    })
    return -1
  }
  if (command === 'worker') {
    const { values } = parseArgs({
      args: rest,
      options: {
        concurrency: { type: 'string' },
        port: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    })
    if (values.help) {
      console.log(USAGE)
      return 0
    }
    const { runServer, startWorker } = await import('./server.js')
    await runServer(
      {
        ...(values.concurrency !== undefined ? { WORKER_CONCURRENCY: values.concurrency } : {}),
        ...(values.port !== undefined ? { WORKER_PORT: values.port } : {}),
      },
      startWorker,
    )
    return -1
  }
  console.error(`verigen: unknown command '${command}'\n\n${USAGE}`)
  return 2
}

try {
  const code = await main(process.argv.slice(2))
  if (code >= 0) process.exitCode = code
} catch (error) {
  console.error(`verigen: ${(error as Error).message}`)
  process.exitCode = 2
}
