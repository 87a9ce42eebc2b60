import { STATUS_CODES, type IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import {
  AppError,
  schemaValidationError,
  toAppError,
  toErrorBody,
  ValidationError,
  type ErrorCode,
} from '../errors.js'
import { newRequestId } from './request-id.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The setting behind a route's own `bodyLimit`, named in its 413 detail; null for a fixed one. */
    bodyLimitSetting?: string | null
  }
}

interface ValidationIssue {
  keyword?: string
  instancePath?: string
  message?: string
}

const VALIDATION_CONTEXT: Record<string, string> = {
  body: 'body',
  querystring: 'query',
  params: 'path',
  headers: 'header',
}

/** Fastify's schema failure: the zod issues it passed on, read back as the validator saw them. */
function validationError(error: FastifyError): ValidationError {
  const context = VALIDATION_CONTEXT[error.validationContext ?? 'body'] ?? 'body'
  const issues = ((error.validation ?? []) as ValidationIssue[]).map((issue) => ({
    path: (issue.instancePath ?? '').split('/').filter(Boolean),
    code: issue.keyword,
    message: issue.message,
  }))
  return schemaValidationError(context, issues, error.message)
}

const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'APP_ERR_MALFORMED_BODY',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'APP_ERR_MALFORMED_BODY',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'APP_ERR_MALFORMED_BODY',
  FST_ERR_CTP_BODY_TOO_LARGE: 'APP_ERR_BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'APP_ERR_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_BAD_URL: 'APP_ERR_VALIDATION',
}

const STATUS_CODES_TO_ERRORS: Record<number, ErrorCode> = {
  404: 'APP_ERR_NOT_FOUND',
  405: 'APP_ERR_METHOD_NOT_ALLOWED',
  408: 'APP_ERR_REQUEST_TIMEOUT',
  413: 'APP_ERR_BODY_TOO_LARGE',
  415: 'APP_ERR_UNSUPPORTED_MEDIA_TYPE',
  429: 'APP_ERR_RATE_LIMITED',
}

/**
 * Maps anything thrown while serving a request to an {@link AppError}. Fastify's own client
 * errors keep their (safe) message; anything else goes through {@link toAppError}.
 */
export function fromRequestError(
  error: unknown,
  context: { bodyLimit: number; request: FastifyRequest },
): AppError {
  if (error instanceof AppError) return error
  const fastifyError = error as Partial<FastifyError>
  if (Array.isArray(fastifyError.validation)) return validationError(fastifyError as FastifyError)
  const code = fastifyError.code ? FASTIFY_CODES[fastifyError.code] : undefined
  if (code === 'APP_ERR_BODY_TOO_LARGE') {
    // A route with its own limit names its setting in its config (the analysis routes).
    const route = context.request.routeOptions
    const limit = route?.bodyLimit ?? context.bodyLimit
    const setting = route?.config?.bodyLimitSetting
    const remedy = setting === null ? 'send less' : `send less or raise ${setting ?? 'BODY_LIMIT'}`
    return new AppError(code, `Request body exceeds the limit of ${limit} bytes; ${remedy}`)
  }
  if (code === 'APP_ERR_UNSUPPORTED_MEDIA_TYPE') {
    const type = context.request.headers['content-type'] ?? '(none)'
    return new AppError(code, `Content-Type '${type}' is not supported; send application/json`)
  }
  if (code === 'APP_ERR_VALIDATION' && fastifyError.code === 'FST_ERR_BAD_URL') {
    return new ValidationError(`Malformed URL '${context.request.url}'`)
  }
  if (code) return new AppError(code, fastifyError.message)
  const status = fastifyError.statusCode ?? 500
  if (status >= 400 && status < 500) {
    return new AppError(
      STATUS_CODES_TO_ERRORS[status] ?? 'APP_ERR_VALIDATION',
      fastifyError.message,
    )
  }
  return toAppError(error)
}

export function sendError(
  error: AppError,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  // Set here too: errors Fastify raises before routing skip request-id.ts's onSend hook.
  return reply
    .code(error.status)
    .headers({ ...error.headers, 'x-request-id': request.id })
    .type('application/json; charset=utf-8')
    .send(toErrorBody(error, request.id))
}

/** HTTP/1.1 requires a Host header; HTTP/1.0 clients may leave it out. */
function lacksHost(request: IncomingMessage): boolean {
  return request.httpVersion === '1.1' && request.headers.host === undefined
}

/**
 * One error shape for every failure: route errors, schema validation, Fastify's parser errors
 * and requests without a Host. Unknown routes and wrong methods: see method-not-allowed.ts.
 */
export const errorHandlerPlugin = fp<{ bodyLimit: number }>(
  async (app, { bodyLimit }) => {
    app.setErrorHandler((error, request, reply) => {
      const appError = fromRequestError(error, { bodyLimit, request })
      if (appError.status >= 500)
        request.log.error({ err: error, code: appError.code }, 'request failed')
      return sendError(appError, request, reply)
    })

    // Answered before the body is read, whatever the body holds.
    app.addHook('onRequest', async (request, reply) => {
      if (lacksHost(request.raw)) {
        return sendError(
          new AppError(
            'APP_ERR_VALIDATION',
            'An HTTP/1.1 request must carry a Host header (RFC 9112, section 3.2)',
            { headers: { connection: 'close' } },
          ),
          request,
          reply,
        )
      }
    })
  },
  { name: 'error-handler' },
)

const CLIENT_ERRORS: Record<string, ErrorCode> = {
  ERR_HTTP_REQUEST_TIMEOUT: 'APP_ERR_REQUEST_TIMEOUT',
  HPE_HEADER_OVERFLOW: 'APP_ERR_HEADERS_TOO_LARGE',
}

/**
 * Errors Node's HTTP parser raises before Fastify sees a request (slow or malformed clients):
 * answered in the same shape, then the socket is closed.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return
  const code = CLIENT_ERRORS[error.code ?? ''] ?? 'APP_ERR_VALIDATION'
  const detail =
    code === 'APP_ERR_REQUEST_TIMEOUT'
      ? 'The request was not received in time (REQUEST_TIMEOUT_MS)'
      : code === 'APP_ERR_HEADERS_TOO_LARGE'
        ? 'Request headers exceed the server limit'
        : 'Malformed HTTP request'
  const appError = new AppError(code, detail)
  const requestId = newRequestId()
  const body = JSON.stringify(toErrorBody(appError, requestId))
  // The answer to HEAD has no body (RFC 9110, section 9.3.2); a client would read it as garbage.
  const head = (error as { rawPacket?: Buffer }).rawPacket?.subarray(0, 5).toString('latin1')
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${appError.status} ${STATUS_CODES[appError.status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nX-Request-Id: ${requestId}\r\nConnection: close\r\n\r\n${head === 'HEAD ' ? '' : body}`,
    )
  }
  socket.destroy(error)
}
