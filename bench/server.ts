import { fork, spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const projectRoot = fileURLToPath(new URL('..', import.meta.url))

/** Starts the built server (`node dist/server.js`) with default settings and its own SQLite file. */
export function spawnBuiltServer(
  port: number,
  databasePath: string,
  environment: Record<string, string> = {},
): ChildProcess {
  return spawn(process.execPath, ['dist/server.js'], {
    cwd: projectRoot,
    env: {
      PATH: process.env.PATH ?? '',
      ENV_FILE: '/dev/null',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      DATABASE_URL: `sqlite://${databasePath}`,
      ...environment,
    },
    stdio: 'ignore',
  })
}

/**
 * Starts the scripted upstream (`bench/upstream.ts`) in its own process; `args` are its
 * command-line arguments after the port.
 */
export function startUpstream(port: number, ...args: number[]): Promise<ChildProcess> {
  const child = fork(join(projectRoot, 'bench/upstream.ts'), [port, ...args].map(String), {
    execArgv: ['--import', 'tsx'],
    stdio: 'ignore',
  })
  return new Promise((resolve, reject) => {
    child.once('message', () => resolve(child))
    child.once('exit', (code) => reject(new Error(`upstream exited with ${code}`)))
  })
}

/** Waits until the server on `port` answers 200 from /api/health. */
export async function waitHealthy(port: number): Promise<void> {
  const deadline = Date.now() + 30_000
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/api/health`)
      await response.text()
      if (response.status === 200) return
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  throw new Error('server did not become healthy in 30 s')
}

/** Stops a child process and waits for it to exit. */
export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return
  child.kill('SIGTERM')
  await new Promise((resolve) => child.once('exit', resolve))
}

/** The benchmarks' check that PostgreSQL or Redis answers, the tests' own. */
export { reachable } from '../test/helpers/services.js'
