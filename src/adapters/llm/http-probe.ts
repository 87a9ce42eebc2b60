import { AppError } from '../../errors.js'

/**
 * GETs a provider's model list: free of charge, yet it proves that the server answers and
 * accepts the credentials. Failures become the API's provider errors.
 */
export async function probeModelList(
  url: string,
  headers: Record<string, string>,
  signal: AbortSignal,
  providerName: string,
): Promise<void> {
  let response: Response
  try {
    response = await fetch(url, { headers, signal })
  } catch (error) {
    if (signal.aborted) {
      throw new AppError(
        'APP_ERR_PROVIDER_TIMEOUT',
        `The ${providerName} provider at ${new URL(url).origin} did not answer in time`,
        {
          cause: error,
          retryable: true,
        },
      )
    }
    const reason = (error as { cause?: { code?: string; message?: string } }).cause
    throw new AppError(
      'APP_ERR_PROVIDER_UNAVAILABLE',
      `Cannot reach the ${providerName} provider at ${new URL(url).origin} (${reason?.code ?? reason?.message ?? (error as Error).message}); check LLM_BASE_URL and that the server is running`,
      { cause: error, retryable: true },
    )
  }
  await response.body?.cancel()
  if (response.status === 401 || response.status === 403) {
    throw new AppError(
      'APP_ERR_PROVIDER_UNAVAILABLE',
      `The ${providerName} provider rejected the credentials (HTTP ${response.status}); check LLM_API_KEY`,
    )
  }
  if (!response.ok) {
    throw new AppError(
      'APP_ERR_PROVIDER_UNAVAILABLE',
      `The ${providerName} provider answered HTTP ${response.status} to a model-list request`,
      { retryable: response.status >= 500 || response.status === 429 },
    )
  }
}
