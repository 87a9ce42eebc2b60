import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { recordArtifact, recordSecretsOf } from './secrets.js'

const projectRoot = fileURLToPath(new URL('../..', import.meta.url))

export interface ServerProcess {
  child: ChildProcess
  url: string
  stdout: () => string
  stderr: () => string
  exit: Promise<number | null>
}

/** Runs `src/server.ts` in its own Node process, as `npm run dev` would, with `environment`. */
export function spawnServer(environment: Record<string, string>): {
  child: ChildProcess
  stdout: () => string
  stderr: () => string
  exit: Promise<number | null>
} {
  recordSecretsOf(environment)
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH ?? '', ENV_FILE: '/dev/null', PORT: '0', ...environment },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')))
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')))
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  // What the server printed goes to the secret scan with the rest of the run's logs.
  child.on('close', () => {
    recordArtifact('process', out)
    recordArtifact('process', err)
  })
  return { child, stdout: () => out, stderr: () => err, exit }
}

/** Spawns the server and waits for its "server listening" log line. */
export async function startServerProcess(
  environment: Record<string, string>,
): Promise<ServerProcess> {
  const spawned = spawnServer(environment)
  const deadline = Date.now() + 20_000
  while (Date.now() < deadline) {
    const line = spawned
      .stdout()
      .split('\n')
      .find((text) => text.includes('"msg":"server listening"'))
    if (line) return { ...spawned, url: (JSON.parse(line) as { url: string }).url }
    const exited = await Promise.race([spawned.exit.then(() => true), sleep(50).then(() => false)])
    if (exited) throw new Error(`server exited early:\n${spawned.stderr()}`)
  }
  spawned.child.kill('SIGKILL')
  throw new Error(`server did not start:\n${spawned.stdout()}\n${spawned.stderr()}`)
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
