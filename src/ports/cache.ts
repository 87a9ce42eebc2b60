import type { ComponentStatus } from './component-status.js'

/**
 * Key/value cache with per-entry expiry. Values must be JSON-serialisable so that
 * the in-process and the Redis adapters behave the same.
 */
export interface Cache {
  /** `memory` or `redis`. */
  readonly backend: string
  /** The stored value, or `undefined` when absent or expired. */
  get<T>(key: string): Promise<T | undefined>
  /** Stores a value for `ttlSeconds` (the adapter's default when omitted). */
  set(key: string, value: unknown, ttlSeconds?: number): Promise<void>
  /** Removes a key; answers whether it was present. */
  delete(key: string): Promise<boolean>
  /** Reachability and occupancy, for the health report. */
  status(): Promise<ComponentStatus>
  close(): Promise<void>
}
