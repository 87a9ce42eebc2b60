import { connect } from 'node:net'

/** Whether a TCP server answers at host:port (PostgreSQL, Redis), within a second. */
export function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port })
    socket.setTimeout(1000)
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('timeout', () => {
      socket.destroy()
      resolve(false)
    })
    socket.once('error', () => resolve(false))
  })
}

/**
 * Whether a TCP server answers at host:port. Tests that need PostgreSQL or Redis skip when it does
 * not, except under `CI=true`, where a missing service is a failure: CI machines run both.
 */
export async function serviceAvailable(name: string, host: string, port: number): Promise<boolean> {
  const up = await reachable(host, port)
  if (!up && process.env.CI === 'true') {
    throw new Error(`${name} is not reachable at ${host}:${port}, and CI=true requires it`)
  }
  if (!up) console.warn(`${name} not reachable at ${host}:${port}; its tests are skipped`)
  return up
}

export const POSTGRES_URL =
  process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'
