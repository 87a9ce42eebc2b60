/** The API's one error body (docs/errors.md); `code` is stable, `detail` says what went wrong. */
export interface ErrorBody {
  error: string
  detail: string
  status_code: number
  code: string
  request_id?: string
  errors?: { field: string; rule: string; message: string }[]
  supported_languages?: string[]
  retry_after_s?: number
  budget?: string
  limit?: number
}

/** A refused or failed API call, carrying the server's error body. */
export class ApiError extends Error {
  constructor(readonly body: ErrorBody) {
    super(body.detail || body.error)
    this.name = 'ApiError'
  }

  get status(): number {
    return this.body.status_code
  }

  get code(): string {
    return this.body.code
  }
}

/** Anything thrown by a call (a refusal, a network failure, an abort) as an `ApiError`. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error
  const aborted = error instanceof DOMException && error.name === 'AbortError'
  return new ApiError({
    error: aborted ? 'Cancelled' : 'Network error',
    detail: aborted
      ? 'The request was cancelled.'
      : `The server could not be reached (${error instanceof Error ? error.message : String(error)}).`,
    status_code: 0,
    code: aborted ? 'CLIENT_ABORTED' : 'CLIENT_NETWORK',
  })
}

/** What to do about an error, in plain words, for the codes where the title alone does not say. */
const ADVICE: Record<string, string> = {
  APP_ERR_PROVIDER_NOT_CONFIGURED:
    'No model provider is configured. To generate without a key or network, run `npx verigen models pull` on the server and restart Verigen; or set LLM_PROVIDER and its key (for example OPENAI_API_KEY or ANTHROPIC_API_KEY), or LLM_BASE_URL for a model server.',
  APP_ERR_PROVIDER_UNAVAILABLE:
    'The model provider did not answer. Try again in a moment; if it keeps failing, check the provider status and the server log.',
  APP_ERR_PROVIDER_TIMEOUT: 'The model took too long to answer. Try again, or ask for less.',
  APP_ERR_RATE_LIMITED: 'Too many requests. Wait a moment and try again.',
  APP_ERR_QUOTA_EXCEEDED:
    'Your budget is used up for now. Wait until it resets, or ask an administrator to raise it.',
  APP_ERR_UNAUTHENTICATED: 'Your session has ended. Log in again.',
  APP_ERR_FORBIDDEN: 'Only administrators may do this.',
  APP_ERR_VALIDATION: 'Check the highlighted fields and try again.',
  APP_ERR_LANGUAGE_UNSUPPORTED: 'Pick one of the languages this server supports.',
  APP_ERR_DEPENDENCY_DOWN:
    'A service Verigen depends on (database, Redis or the identity provider) is unavailable. Try again shortly.',
  CLIENT_NETWORK: 'Check that the Verigen server is running and reachable.',
}

/** The advice for an error's code, if there is any beyond its detail. */
export function adviceFor(error: ApiError): string | null {
  return ADVICE[error.code] ?? null
}
