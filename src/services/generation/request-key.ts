import { createHash } from 'node:crypto'
import type { GenerationInput } from './types.js'

/**
 * The identity of a request for the cache, coalescing and idempotency: the prompt with its
 * whitespace normalised, the language, what was asked for, and every option that changes the
 * answer. `options.cache` is left out: it changes how a request is served, not its answer.
 */
export function requestKey(
  input: GenerationInput,
  languageId: string,
  model: string,
  /** The user asking: users never share a cached result, a request in flight or a key. */
  owner: string | null = null,
): string {
  const identity = [
    input.prompt.trim().replace(/\s+/g, ' '),
    languageId,
    input.include_tests,
    input.include_docs,
    input.options.temperature ?? null,
    input.options.max_repair_attempts ?? null,
    model,
    // Verification changes the answer (fixed code, stronger tests); an unverified result must
    // not answer a request that asked for verification.
    input.options.verify ?? null,
    input.options.max_fix_rounds ?? null,
    // Left out without an owner (AUTH=off), so that keys computed before users existed still match.
    ...(owner === null ? [] : [owner]),
  ]
  return createHash('sha256').update(JSON.stringify(identity)).digest('hex')
}
