import { Redis } from 'ioredis'
import { redactUrl } from '../../config.js'
import { DependencyError } from '../../errors.js'
import type { Logger } from '../../ports/logger.js'

/**
 * Opens the one Redis connection a process shares between its cache and its rate limiter.
 * Start-up fails with a sentence when Redis cannot be reached; later outages are logged (at most
 * once a minute) while ioredis reconnects.
 */
export async function connectRedis(url: string, logger: Logger): Promise<Redis> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 5000,
    maxRetriesPerRequest: 1,
    enableAutoPipelining: true,
  })
  let lastLogged = 0
  let lastError: Error | null = null
  let connected = false
  client.on('error', (error: Error) => {
    lastError = error
    if (!connected || Date.now() - lastLogged < 60_000) return
    lastLogged = Date.now()
    logger.warn({ url: redactUrl(url), detail: error.message }, 'redis connection error')
  })
  try {
    await client.connect()
    connected = true
  } catch (error) {
    client.disconnect()
    // ioredis rejects with "Connection is closed."; the socket error before it says why.
    const reason = (lastError ?? (error as Error)).message
    throw new DependencyError(
      `Cannot connect to Redis at '${redactUrl(url)}': ${reason}; check REDIS_URL or unset it to use in-process stores`,
      error,
    )
  }
  return client
}

/** Round-trip time of a PING, in milliseconds. @throws DependencyError when Redis is down. */
export async function pingRedis(client: Redis): Promise<number> {
  const started = performance.now()
  try {
    await client.ping()
  } catch (error) {
    throw new DependencyError(`Redis unavailable: ${(error as Error).message}`, error)
  }
  return Math.round((performance.now() - started) * 100) / 100
}
