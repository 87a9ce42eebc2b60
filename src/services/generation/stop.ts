import { AppError } from '../../errors.js'

/** The error a stopped generation ends with: the cancel request's own, or "client gone". */
export function cancellation(reason: unknown): AppError {
  if (reason instanceof AppError && reason.code === 'APP_ERR_GENERATION_CANCELLED') return reason
  return new AppError(
    'APP_ERR_GENERATION_CANCELLED',
    'The generation was cancelled because its client went away',
  )
}

/** Waits `ms`, or less when `signal` aborts (the client went away): then it throws. */
export function abortableDelay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(cancellation(signal.reason))
    const onAbort = () => {
      clearTimeout(timer)
      reject(cancellation(signal?.reason))
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
