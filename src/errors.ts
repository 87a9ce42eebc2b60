import { redact } from './redact.js'

/**
 * The error catalogue: every error the API can answer with, its HTTP status and its title.
 * Codes are part of the public contract (clients switch on them); docs/errors.md lists them.
 */
export const ERRORS = {
  APP_ERR_VALIDATION: { status: 400, title: 'Request validation failed' },
  APP_ERR_MALFORMED_BODY: { status: 400, title: 'Malformed request body' },
  APP_ERR_LANGUAGE_UNSUPPORTED: { status: 400, title: 'Unsupported programming language' },
  APP_ERR_NOT_FOUND: { status: 404, title: 'Resource not found' },
  APP_ERR_ROUTE_NOT_FOUND: { status: 404, title: 'Route not found' },
  APP_ERR_METHOD_NOT_ALLOWED: { status: 405, title: 'Method not allowed' },
  APP_ERR_REQUEST_TIMEOUT: { status: 408, title: 'Request timed out' },
  APP_ERR_BODY_TOO_LARGE: { status: 413, title: 'Request body too large' },
  APP_ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported media type' },
  APP_ERR_HEADERS_TOO_LARGE: { status: 431, title: 'Request headers too large' },
  APP_ERR_ANALYSIS_TIMEOUT: { status: 422, title: 'Analysis took too long' },
  APP_ERR_ANALYSIS_MEMORY: { status: 422, title: 'Analysis needed too much memory' },
  APP_ERR_LANGUAGE_UNDETECTED: { status: 400, title: 'Programming language not detected' },
  APP_ERR_RATE_LIMITED: { status: 429, title: 'Too many requests' },
  APP_ERR_INTERNAL: { status: 500, title: 'Internal server error' },
  APP_ERR_PROVIDER_NOT_CONFIGURED: { status: 503, title: 'AI service not configured' },
  APP_ERR_PROVIDER_UNAVAILABLE: { status: 503, title: 'AI service unavailable' },
  APP_ERR_PROVIDER_TIMEOUT: { status: 504, title: 'LLM provider timed out' },
  APP_ERR_PROVIDER_REJECTED: { status: 502, title: 'AI service rejected the request' },
  APP_ERR_PROVIDER_REPLY_TOO_BIG: { status: 502, title: 'AI service reply too large' },
  APP_ERR_IDEMPOTENCY_MISMATCH: { status: 422, title: 'Idempotency key reused' },
  APP_ERR_IDEMPOTENCY_IN_PROGRESS: { status: 409, title: 'Idempotent request still running' },
  APP_ERR_OVERLOADED: { status: 503, title: 'Too much work waiting' },
  APP_ERR_GENERATION_CANCELLED: { status: 409, title: 'Generation cancelled' },
  APP_ERR_GENERATION_FINISHED: { status: 409, title: 'Generation already finished' },
  APP_ERR_GENERATION_INTERRUPTED: { status: 503, title: 'Generation interrupted' },
  APP_ERR_DEPENDENCY_DOWN: { status: 503, title: 'A backing service is unavailable' },
  APP_ERR_SHUTTING_DOWN: { status: 503, title: 'Server is shutting down' },
  APP_ERR_QUEUE_FULL: { status: 503, title: 'Job queue full' },
  APP_ERR_GENERATION_FAILED: { status: 502, title: 'Generation failed' },
  APP_ERR_JOB_NOT_RETRYABLE: { status: 409, title: 'Job cannot be retried' },
  APP_ERR_CALLBACK_NOT_ALLOWED: { status: 422, title: 'Callback URL not allowed' },
  APP_ERR_UNAUTHENTICATED: { status: 401, title: 'Authentication required' },
  APP_ERR_FORBIDDEN: { status: 403, title: 'Forbidden' },
  APP_ERR_QUOTA_EXCEEDED: { status: 429, title: 'Budget exhausted' },
  APP_ERR_CONFLICT: { status: 409, title: 'Conflict' },
  APP_ERR_MODEL_DOWNLOAD: { status: 502, title: 'Model download failed' },
  APP_ERR_MODEL_CHECKSUM: { status: 502, title: 'Model checksum mismatch' },
} as const satisfies Record<string, { status: number; title: string }>

export type ErrorCode = keyof typeof ERRORS

/** Per-field detail of a validation failure. */
export interface FieldProblem {
  /** Where the value sits, e.g. `body.prompt` or `query.limit`. */
  field: string
  /** The rule that failed, e.g. `too_small`, `invalid_type`, `required`. */
  rule: string
  message: string
}

export interface AppErrorOptions {
  cause?: unknown
  /** Whether the same request may succeed if tried again later. */
  retryable?: boolean
  /** Extra response headers, such as `Retry-After` or `Allow`. */
  headers?: Record<string, string>
  /** Extra fields added to the error body (never secrets). */
  extra?: Record<string, unknown>
}

/** Base of every error the service raises on purpose. Its message is the body's `detail`. */
export class AppError extends Error {
  readonly retryable: boolean
  readonly headers: Record<string, string>
  readonly extra: Record<string, unknown>

  constructor(
    readonly code: ErrorCode,
    detail?: string,
    options: AppErrorOptions = {},
  ) {
    super(detail ?? ERRORS[code].title, { cause: options.cause })
    this.name = new.target.name
    this.retryable = options.retryable ?? false
    this.headers = options.headers ?? {}
    this.extra = options.extra ?? {}
  }

  get status(): number {
    return ERRORS[this.code].status
  }

  get title(): string {
    return ERRORS[this.code].title
  }
}

export class ValidationError extends AppError {
  constructor(
    detail: string,
    readonly problems: FieldProblem[] = [],
  ) {
    super('APP_ERR_VALIDATION', detail, problems.length > 0 ? { extra: { errors: problems } } : {})
  }
}

/** One schema issue, as zod reports it (Fastify's validator passes zod's issues on too). */
export interface SchemaIssue {
  /** Keys from the validated value down to the failing one; empty for the value itself. */
  path: readonly PropertyKey[]
  /** The rule that failed: zod's issue code, such as `too_small` or `invalid_type`. */
  code?: string | undefined
  message?: string | undefined
}

/**
 * The validation error for schema issues of `context` (`body`, `query`, `path`, `header` for
 * HTTP requests, `message` for WebSocket messages): one field problem per issue, a missing value
 * reported as the rule `required`, and a detail naming each field and the rule it broke.
 */
export function schemaValidationError(
  context: string,
  issues: readonly SchemaIssue[],
  fallbackDetail: string = ERRORS.APP_ERR_VALIDATION.title,
): ValidationError {
  const problems = issues.map((issue): FieldProblem => {
    const path = issue.path.map(String).join('.')
    const field = path ? `${context}.${path}` : context
    const message = issue.message ?? 'is invalid'
    const missing = issue.code === 'invalid_type' && /received undefined/.test(message)
    if (!missing) return { field, rule: issue.code ?? 'invalid', message }
    const what = context === 'body' ? 'body' : 'value'
    return { field, rule: 'required', message: path ? 'is required' : `a JSON ${what} is required` }
  })
  const detail = problems
    .map((problem) => `${problem.field}: ${problem.message} (rule: ${problem.rule})`)
    .join('; ')
  return new ValidationError(detail || fallbackDetail, problems)
}

export class NotFoundError extends AppError {
  constructor(what: string, id: string) {
    super('APP_ERR_NOT_FOUND', `${what} '${id}' not found`)
  }
}

export class UnsupportedLanguageError extends AppError {
  constructor(language: string, supported: readonly string[]) {
    super(
      'APP_ERR_LANGUAGE_UNSUPPORTED',
      `Programming language '${language}' not supported; supported: ${supported.join(', ')}`,
      { extra: { supported_languages: supported } },
    )
  }
}

export class RateLimitedError extends AppError {
  constructor(retryAfterSeconds: number, limit: number, windowMs: number) {
    super(
      'APP_ERR_RATE_LIMITED',
      `Rate limit of ${limit} requests per ${formatWindow(windowMs)} exceeded; retry in ${retryAfterSeconds} s`,
      { retryable: true, extra: { retry_after_s: retryAfterSeconds } },
    )
  }
}

/**
 * No credential, or one that does not identify an enabled user. `WWW-Authenticate` says how to
 * authenticate (RFC 6750, 3); `invalid_token` when a credential was sent and refused.
 */
export class UnauthenticatedError extends AppError {
  constructor(
    detail = 'A credential is required: Authorization: Bearer <token or API key>, or X-API-Key',
    invalidToken = false,
  ) {
    super('APP_ERR_UNAUTHENTICATED', detail, {
      headers: {
        'www-authenticate': invalidToken
          ? 'Bearer realm="verigen", error="invalid_token"'
          : 'Bearer realm="verigen"',
      },
    })
  }
}

export class ForbiddenError extends AppError {
  constructor(detail = 'This route is for administrators') {
    super('APP_ERR_FORBIDDEN', detail)
  }
}

/** A user's budget is used up; `Retry-After` says when it frees (a window ends, a day begins). */
export class QuotaExceededError extends AppError {
  constructor(
    readonly budget: string,
    limit: number,
    retryAfterSeconds: number,
  ) {
    const seconds = Math.max(1, Math.ceil(retryAfterSeconds))
    super(
      'APP_ERR_QUOTA_EXCEEDED',
      `Budget ${budget} of ${limit} exhausted; retry in ${seconds} s`,
      {
        retryable: true,
        headers: { 'retry-after': String(seconds) },
        extra: { budget, limit, retry_after_s: seconds },
      },
    )
  }
}

export class DependencyError extends AppError {
  constructor(detail: string, cause?: unknown) {
    super('APP_ERR_DEPENDENCY_DOWN', detail, { cause, retryable: true })
  }
}

function formatWindow(windowMs: number): string {
  if (windowMs % 3_600_000 === 0)
    return windowMs === 3_600_000 ? 'hour' : `${windowMs / 3_600_000} h`
  if (windowMs % 60_000 === 0) return windowMs === 60_000 ? 'minute' : `${windowMs / 60_000} min`
  if (windowMs % 1000 === 0) return windowMs === 1000 ? 'second' : `${windowMs / 1000} s`
  return `${windowMs} ms`
}

/** Whether `code` names an entry of the catalogue (for codes read back from storage). */
export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERRORS, code)
}

/**
 * Any thrown value as an AppError: ours pass unchanged; anything else becomes a generic 500 whose
 * own message is never sent (the caller logs it with the request id).
 */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error
  return new AppError(
    'APP_ERR_INTERNAL',
    'An unexpected error occurred; the request_id identifies it in the server log',
    { cause: error },
  )
}

/** The one error body of the API. */
export interface ErrorBody {
  error: string
  detail: string
  status_code: number
  timestamp: string
  request_id: string
  code: ErrorCode
  [extra: string]: unknown
}

/**
 * The body of `error`. Its detail passes through {@link redact} once more: details quote what
 * an upstream said, and whatever slipped through where that text entered must not leave here.
 */
export function toErrorBody(error: AppError, requestId: string, now = new Date()): ErrorBody {
  return {
    error: error.title,
    detail: redact(error.message),
    status_code: error.status,
    timestamp: now.toISOString(),
    request_id: requestId,
    code: error.code,
    ...error.extra,
  }
}
