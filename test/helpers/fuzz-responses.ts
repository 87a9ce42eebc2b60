import type { z } from 'zod'
import { ERRORS } from '../../src/errors.js'
import type { FuzzRequest, FuzzResponse, FuzzRoute } from './fuzz-requests.js'
import {
  dereference,
  validatorFromSchema,
  type JsonSchema,
  type OpenApiDocument,
} from './json-schema-arbitrary.js'

/** Judges answers against the OpenAPI document the service serves: statuses and body shapes. */
export class ResponseJudge {
  private readonly validators = new Map<string, z.ZodType>()

  constructor(private readonly document: OpenApiDocument) {}

  /** The validator of a named component schema, e.g. `ErrorResponse`. */
  component(name: string): z.ZodType {
    return this.validator({ $ref: `#/components/schemas/${name}` })
  }

  private validator(schema: JsonSchema): z.ZodType {
    const key = JSON.stringify(schema)
    let validator = this.validators.get(key)
    if (!validator) {
      validator = validatorFromSchema(dereference(schema, this.document) as JsonSchema)
      this.validators.set(key, validator)
    }
    return validator
  }

  /**
   * What is wrong with `response` to `request` on `route`; empty when nothing is. A 5xx is always
   * wrong: the upstream the fuzzer configures answers well and quickly, so nothing may fail.
   */
  problems(route: FuzzRoute, request: FuzzRequest, response: FuzzResponse): string[] {
    const problems: string[] = []
    const declared = route.operation.responses ?? {}
    if (response.status >= 500) problems.push(`answered ${response.status}`)
    const entry = declared[String(response.status)]
    if (!entry) {
      problems.push(
        `status ${response.status} is not declared (declared: ${Object.keys(declared).join(', ')})`,
      )
    }
    if (request.method === 'HEAD') {
      if (response.body.length > 0) problems.push('HEAD answered with a body')
      return problems
    }
    const text = response.body.toString('utf8')
    if (response.status === 204) {
      if (text !== '') problems.push('204 with a body')
      return problems
    }
    const contentType = String(response.headers['content-type'] ?? '')
    if (response.status >= 400) {
      problems.push(...this.errorProblems(response, contentType, text))
      return problems
    }
    const content = entry?.content ?? {}
    const json = content['application/json']
    if (json) {
      if (!contentType.startsWith('application/json')) {
        problems.push(`content type '${contentType}' for a JSON response`)
        return problems
      }
      problems.push(...this.shapeProblems(this.validator(json.schema), text, 'body'))
    } else if (content['text/event-stream']) {
      problems.push(...this.streamProblems(contentType, text))
    }
    return problems
  }

  /** The one error shape, with the status repeated, a catalogued code and the request id echoed. */
  errorProblems(response: FuzzResponse, contentType: string, text: string): string[] {
    if (!contentType.startsWith('application/json')) {
      return [`error ${response.status} with content type '${contentType}' and body ${clip(text)}`]
    }
    const problems = this.shapeProblems(this.component('ErrorResponse'), text, 'error body')
    if (problems.length > 0) return problems
    const body = JSON.parse(text) as {
      status_code: number
      code: keyof typeof ERRORS
      request_id: string
    }
    if (body.status_code !== response.status) {
      problems.push(`status_code ${body.status_code} differs from status ${response.status}`)
    }
    if (ERRORS[body.code]?.status !== response.status) {
      problems.push(`code ${body.code} belongs to status ${ERRORS[body.code]?.status}`)
    }
    if (response.headers['x-request-id'] !== body.request_id) {
      problems.push(`request_id ${body.request_id} is not the X-Request-Id header`)
    }
    return problems
  }

  private shapeProblems(validator: z.ZodType, text: string, what: string): string[] {
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch {
      return [`${what} is not JSON: ${clip(text)}`]
    }
    const result = validator.safeParse(value)
    if (result.success) return []
    return result.error.issues
      .slice(0, 5)
      .map((issue) => `${what} at ${issue.path.join('.') || '(root)'}: ${issue.message}`)
  }

  /** An event stream whose every frame is JSON and whose last event is `completed` or `error`. */
  private streamProblems(contentType: string, text: string): string[] {
    if (!contentType.startsWith('text/event-stream')) {
      return [`content type '${contentType}' for an event stream`]
    }
    const events = text
      .replace(/\r\n?/g, '\n')
      .split('\n\n')
      .map((frame) => ({
        event: /^event: ?(.*)$/m.exec(frame)?.[1] ?? '',
        data: frame
          .split('\n')
          .filter((line) => line.startsWith('data:'))
          .map((line) => line.slice(5).replace(/^ /, ''))
          .join('\n'),
      }))
      .filter((frame) => frame.data !== '')
    const last = events.at(-1)
    if (!last || !['completed', 'error'].includes(last.event)) {
      return [`stream ended with '${last?.event ?? 'nothing'}' instead of completed or error`]
    }
    const problems: string[] = []
    for (const event of events) {
      try {
        JSON.parse(event.data)
      } catch {
        problems.push(`event ${event.event} carries data that is not JSON: ${clip(event.data)}`)
      }
    }
    if (problems.length > 0) return problems
    if (last.event === 'completed') {
      problems.push(
        ...this.shapeProblems(this.component('GenerationResult'), last.data, 'completed'),
      )
    } else {
      problems.push(
        ...this.shapeProblems(this.component('ErrorResponse'), last.data, 'error event'),
      )
    }
    return problems
  }
}

/** The start of a text, for a report. */
export function clip(text: string, length = 200): string {
  return JSON.stringify(text.length > length ? `${text.slice(0, length)}…` : text)
}
