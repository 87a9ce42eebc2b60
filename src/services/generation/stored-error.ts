import { AppError, isErrorCode } from '../../errors.js'
import type { GenerationRecord, StoredError } from '../../ports/generation-store.js'
import type { GenerationResult } from './types.js'

/** The history's record of an error: its code, so that a replay answers the same error. */
export function storedError(error: AppError): StoredError {
  return { code: error.code, detail: error.message }
}

/** What failed in a `partial` or `failed` result, stage by stage; null when nothing did. */
export function resultError(result: GenerationResult): StoredError | null {
  const detail = result.errors.map((error) => `${error.stage}: ${error.detail}`).join('; ')
  return detail ? { code: null, detail } : null
}

/** The error an earlier generation ended with, for a client that asks again. */
export function replayedError(record: GenerationRecord): AppError {
  const code = record.error?.code
  if (code && isErrorCode(code)) return new AppError(code, record.error?.detail)
  return new AppError('APP_ERR_INTERNAL', 'The first request with this Idempotency-Key failed')
}
