import { AppError } from '../../errors.js'
import type { HttpTransport } from './node-fetch.js'

/** The system error code of a failed connection (`ECONNREFUSED`, `ENOTFOUND`), or its message. */
function connectionReason(error: unknown): string {
  const { code, cause, message } = error as {
    code?: unknown
    cause?: { code?: unknown }
    message?: unknown
  }
  if (typeof code === 'string') return code
  if (typeof cause?.code === 'string') return cause.code
  return typeof message === 'string' ? message : String(error)
}

/**
 * GETs a provider's model list: free of charge, yet it proves that the server answers and
 * accepts the credentials. It goes through the transport of the provider's model calls (their
 * `node:http` client and connection pool), so that what it proves holds for them. Only the
 * status is read; the body is dropped unread. Failures become the API's provider errors.
 */
export async function probeModelList(
  transport: HttpTransport,
  url: string,
  headers: Record<string, string>,
  signal: AbortSignal,
  providerName: string,
): Promise<void> {
  const origin = new URL(url).origin
  let status: number
  try {
    const message = await transport.request(new URL(url), { method: 'GET', headers, signal })
    status = message.statusCode ?? 502
    // A model list can be large and says nothing the status does not.
    message.destroy()
  } catch (error) {
    if (signal.aborted) {
      throw new AppError(
        'APP_ERR_PROVIDER_TIMEOUT',
        `The ${providerName} provider at ${origin} did not answer in time`,
        { cause: error, retryable: true },
      )
    }
    throw new AppError(
      'APP_ERR_PROVIDER_UNAVAILABLE',
      `Cannot reach the ${providerName} provider at ${origin} (${connectionReason(error)}); check LLM_BASE_URL and that the server is running`,
      { cause: error, retryable: true },
    )
  }
  if (status === 401 || status === 403) {
    throw new AppError(
      'APP_ERR_PROVIDER_UNAVAILABLE',
      `The ${providerName} provider rejected the credentials (HTTP ${status}); check LLM_API_KEY`,
    )
  }
  if (status < 200 || status >= 300) {
    throw new AppError(
      'APP_ERR_PROVIDER_UNAVAILABLE',
      `The ${providerName} provider answered HTTP ${status} to a model-list request`,
      { retryable: status >= 500 || status === 429 },
    )
  }
}
