'use strict'

const DEFAULT_RETRIES = 3

/** Retries an async operation with exponential backoff. */
async function withRetry(operation, { retries = DEFAULT_RETRIES, delay = 100 } = {}) {
  let attempt = 0
  for (;;) {
    try {
      return await operation(attempt)
    } catch (error) {
      attempt += 1
      if (attempt > retries || error?.fatal) throw error
      await new Promise((resolve) => setTimeout(resolve, delay * 2 ** attempt))
    }
  }
}

class RateWindow {
  constructor(limit, windowMs) {
    this.limit = limit
    this.windowMs = windowMs
    this.hits = new Map()
  }

  allow(key, now = Date.now()) {
    const start = now - this.windowMs
    const recent = (this.hits.get(key) || []).filter((time) => time > start)
    if (recent.length >= this.limit) {
      return false
    }
    recent.push(now)
    this.hits.set(key, recent)
    return true
  }
}

function parseQuery(query) {
  const result = {}
  if (!query) return result
  for (const part of query.replace(/^\?/, '').split('&')) {
    const [rawKey, rawValue] = part.split('=')
    if (!rawKey) continue
    const key = decodeURIComponent(rawKey)
    const value = rawValue === undefined ? true : decodeURIComponent(rawValue)
    switch (typeof result[key]) {
      case 'undefined':
        result[key] = value
        break
      case 'object':
        result[key].push(value)
        break
      default:
        result[key] = [result[key], value]
    }
  }
  return result
}

module.exports = { withRetry, RateWindow, parseQuery }
