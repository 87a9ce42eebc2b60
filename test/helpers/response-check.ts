import type { FastifyReply, FastifyRequest, RouteOptions } from 'fastify'
import { afterAll, afterEach } from 'vitest'
import { z } from 'zod'
import { errorResponseSchema } from '../../src/schemas/error.js'

/**
 * Checks every JSON answer an app of the test suite sends, through inject() or a socket, against
 * the response schema its route declares for the status, so that a drift between what a route
 * sends and what it documents fails the suite. Generation results and analysis reports are
 * serialised without a check in production (see src/schemas/serializer.ts); this is where they
 * are checked.
 *
 * Strict: a field the schema does not declare (where the object is not declared open) is a
 * drift too. Problems are collected while the test runs and fail it in afterEach, so that the
 * test's own assertions are not replaced by a 500.
 */

type Schemas = Record<string, z.ZodType>

/** Statuses a route may answer before its handler runs (see withTransportErrors in docs.ts). */
const TRANSPORT_STATUSES = [400, 413, 415, 431]

const problems: string[] = []
let checkedCount = 0
const checked = new WeakSet<FastifyReply>()

/** Installs the check on a route as it is declared (passed to buildApp as onRoute). */
export function checkResponses(route: RouteOptions): void {
  if (!responseSchemas(route)) return
  // Read again at each answer: plugins declared later (auth's 401 and 403) add to the schemas.
  const declared = () => responseSchemas(route) as Schemas
  route.preSerialization = [
    ...hooks(route.preSerialization),
    (request, reply, payload, done) => {
      checked.add(reply)
      // Checked as it will be sent: JSON drops undefined fields and calls toJSON.
      const text = JSON.stringify(payload) as string | undefined
      const sent: unknown = text === undefined ? undefined : JSON.parse(text)
      check(request, reply, declared(), sent)
      done(null, payload)
    },
  ]
  route.onSend = [
    ...hooks(route.onSend),
    (request, reply, payload, done) => {
      if (!checked.has(reply) && typeof payload === 'string' && isJson(reply)) {
        let body: unknown
        try {
          body = JSON.parse(payload)
        } catch {
          record(request, reply, 'the body is not JSON')
        }
        if (body !== undefined) check(request, reply, declared(), body)
      }
      done(null, payload)
    },
  ]
}

function hooks<T>(existing: T | T[] | undefined): T[] {
  if (existing === undefined) return []
  return Array.isArray(existing) ? existing : [existing]
}

function responseSchemas(route: RouteOptions): Schemas | undefined {
  const response = (route.schema as { response?: Record<string, unknown> } | undefined)?.response
  if (!response) return undefined
  const schemas: Schemas = {}
  for (const [status, schema] of Object.entries(response)) {
    if (schema instanceof z.ZodType) schemas[status] = schema
    // An entry naming content types (the event stream) is not JSON: nothing to check here.
    else schemas[status] = z.never()
  }
  return schemas
}

function isJson(reply: FastifyReply): boolean {
  return /\bjson\b/i.test(String(reply.getHeader('content-type') ?? ''))
}

function check(
  request: FastifyRequest,
  reply: FastifyReply,
  declared: Schemas,
  body: unknown,
): void {
  checkedCount++
  const status = reply.statusCode
  const schema =
    declared[String(status)] ??
    (status >= 400 && TRANSPORT_STATUSES.includes(status) ? errorResponseSchema : undefined)
  if (!schema) {
    record(request, reply, `status ${status} is not declared (declared: ${Object.keys(declared)})`)
    return
  }
  for (const problem of responseProblems(schema, body)) record(request, reply, problem)
}

/** What is wrong with `body` as an instance of `schema`: failed rules and undeclared fields. */
export function responseProblems(schema: z.ZodType, body: unknown): string[] {
  const parsed = schema.safeParse(body)
  if (!parsed.success) {
    return parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`,
    )
  }
  // A closed object drops what it does not declare: whatever the parse left out was undeclared.
  return undeclared(body, parsed.data, '').map((path) => `${path}: not declared in the schema`)
}

function undeclared(sent: unknown, kept: unknown, path: string): string[] {
  if (Array.isArray(sent) && Array.isArray(kept)) {
    return sent.flatMap((item, index) => undeclared(item, kept[index], `${path}${index}.`))
  }
  if (!isObject(sent) || !isObject(kept)) return []
  return Object.keys(sent).flatMap((key) =>
    key in kept || sent[key] === undefined
      ? undeclared(sent[key], kept[key], `${path}${key}.`)
      : [`${path}${key}`.replace(/\.$/, '')],
  )
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function record(request: FastifyRequest, reply: FastifyReply, problem: string): void {
  const route = request.routeOptions.url ?? request.url
  problems.push(`${request.method} ${route} → ${reply.statusCode}: ${problem}`)
}

/** How many answers were checked so far in this test file. */
export function checkedResponses(): number {
  return checkedCount
}

/** The problems recorded so far, emptied (for the test that proves the check fires). */
export function takeResponseProblems(): string[] {
  return problems.splice(0)
}

/** Throws when an answer drifted since the last call; every test file runs it after each test. */
export function failOnResponseProblems(): void {
  const found = takeResponseProblems()
  if (found.length === 0) return
  const shown = found.slice(0, 20).join('\n  ')
  const more = found.length > 20 ? `\n  … and ${found.length - 20} more` : ''
  throw new Error(
    `${found.length} response(s) do not match their route's declared schema:\n  ${shown}${more}`,
  )
}

// Registered in every test file that builds an app (it imports this through test/helpers/app.ts);
// a script outside Vitest (a benchmark) that builds a test app has no test to fail.
if (process.env.VITEST) {
  afterEach(failOnResponseProblems)
  afterAll(failOnResponseProblems)
}
