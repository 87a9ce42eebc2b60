import { spawn, type ChildProcess } from 'node:child_process'
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
