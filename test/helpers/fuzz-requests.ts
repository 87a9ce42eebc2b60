import fc from 'fast-check'
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import {
  arbitraryFromSchema,
  dereference,
  NASTY_STRINGS,
  type Hints,
  type JsonSchema,
  type OpenApiDocument,
  type OpenApiOperation,
} from './json-schema-arbitrary.js'

/** One operation of the OpenAPI document, as the fuzzer drives it. */
export interface FuzzRoute {
  method: string
  /** OpenAPI form: `/api/generations/{id}`. */
  path: string
  operation: OpenApiOperation
}

/** One request to send, built from a route's schema and perhaps mutated. */
export interface FuzzRequest {
  method: string
  /** Path and query, already encoded (or deliberately mis-encoded). */
  url: string
  headers: Record<string, string>
  body?: string | Buffer
  /** What was done to it, for the failure report. */
  mutation: string
}

export interface FuzzResponse {
  status: number
  headers: IncomingHttpHeaders
  body: Buffer
}

/** Every operation of the document, in document order. */
export function routesOf(document: OpenApiDocument): FuzzRoute[] {
  return Object.entries(document.paths).flatMap(([path, operations]) =>
    Object.entries(operations).map(([method, operation]) => ({
      method: method.toUpperCase(),
      path,
      operation,
    })),
  )
}

/**
 * The routes Fastify serves, from `app.printRoutes({ commonPrefix: false })`: `METHOD /path`,
 * with parameters in OpenAPI form (`{id}`) so they compare with the document's paths.
 */
export function routesFromPrintout(printout: string): string[] {
  const routes: string[] = []
  const stack: string[] = []
  for (const line of printout.split('\n')) {
    const match = /^((?:│ {3}| {4})*)(?:├── |└── )(.+?)(?: \(([^)]*)\))?$/.exec(line)
    if (!match) continue
    const depth = (match[1] ?? '').length / 4
    stack.length = depth
    stack.push(match[2] ?? '')
    const path = stack.join('').replace(/:(\w+)/g, '{$1}')
    for (const method of (match[3] ?? '').split(',')) {
      if (method.trim()) routes.push(`${method.trim()} ${path}`)
    }
  }
  return routes
}

interface Encoded {
  contentType: string | null
  body: string | Buffer
  mutation: string
}

type Path = Array<string | number>

function nodesOf(value: unknown, path: Path = [], into: Path[] = []): Path[] {
  into.push(path)
  if (Array.isArray(value)) value.forEach((item, index) => nodesOf(item, [...path, index], into))
  else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) nodesOf(item, [...path, key], into)
  }
  return into
}

function getAt(value: unknown, path: Path): unknown {
  return path.reduce<unknown>((node, key) => (node as Record<string, unknown>)?.[key], value)
}

/** A copy of `value` with the node at the `pick`-th path (of all of them) replaced by `replace(old)`. */
function replaceAt(value: unknown, pick: number, replace: (old: unknown) => unknown): unknown {
  const copy = structuredClone(value)
  const paths = nodesOf(copy)
  const path = paths[pick % paths.length] ?? []
  if (path.length === 0) return replace(copy)
  const parent = getAt(copy, path.slice(0, -1)) as Record<string | number, unknown>
  parent[path.at(-1) as string] = replace(parent[path.at(-1) as string])
  return copy
}

/** The `pick`-th object node of `value` (the root when it is the only one). */
function objectAt(value: unknown, pick: number): Record<string, unknown> | null {
  const objects = nodesOf(value)
    .map((path) => getAt(value, path))
    .filter(
      (node): node is Record<string, unknown> =>
        !!node && typeof node === 'object' && !Array.isArray(node),
    )
  return objects[pick % Math.max(1, objects.length)] ?? null
}

/** Marks a place in a value whose JSON text is then rewritten: `"\u0001<tag>"` is unique. */
const marker = (tag: string) => `\u0001${tag}\u0001`
const markerText = (tag: string) => JSON.stringify(marker(tag))

const wrongValue = fc.oneof(
  fc.constant(null),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.string({ maxLength: 20 }),
  fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }),
)

const HUGE_NUMBERS = [
  '1e309',
  '-1e309',
  '1e-400',
  '123456789012345678901234567890',
  '-0',
  '9007199254740993',
  '1E+2',
  '0.0000000000000000000000001',
]

const INVALID_JSON = ['', '{', '}', 'nul', "{'a':1}", '{"a":1,}', 'NaN', '[1,]', '\u0000', '{"a"}']

const CONTENT_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'APPLICATION/JSON',
  'application/json;;',
  'application/jsonx',
  'application/json, text/html',
  'application/vnd.api+json',
  'text/json',
  `application/json; x=${'y'.repeat(4000)}`,
]

const INVALID_UTF8 = [
  Buffer.from([0xff, 0xfe]),
  Buffer.from([0xc0, 0x80]),
  Buffer.from([0xed, 0xa0, 0x80]),
  Buffer.from([0xe2, 0x82]),
]

const json = (value: unknown): Encoded => ({
  contentType: 'application/json',
  body: JSON.stringify(value) ?? '',
  mutation: 'valid',
})

/**
 * Request bodies for a JSON Schema: mostly valid, the rest mutated the ways an attacker or a
 * broken client mutates them: wrong types, missing and unknown fields, huge strings, NUL and lone
 * surrogates, deep nesting, `__proto__` and duplicate keys written into the JSON text, huge
 * numbers, invalid JSON and UTF-8, wrong content types.
 */
export function bodyArbitrary(schema: JsonSchema, hints: Hints): fc.Arbitrary<Encoded> {
  const valid = arbitraryFromSchema(schema, hints)
  const at = <T>(payload: fc.Arbitrary<T>) => fc.tuple(valid, fc.nat(), payload)
  const mutated = (name: string, value: unknown, rewrite = (text: string) => text): Encoded => ({
    contentType: 'application/json',
    body: rewrite(JSON.stringify(value) ?? 'null'),
    mutation: name,
  })
  return fc.oneof(
    { weight: 30, arbitrary: valid.map(json) },
    {
      weight: 8,
      arbitrary: at(wrongValue).map(([value, pick, wrong]) =>
        mutated(
          'wrong type',
          replaceAt(value, pick, () => wrong),
        ),
      ),
    },
    {
      weight: 4,
      arbitrary: at(fc.nat()).map(([value, pick, which]) => {
        const copy = structuredClone(value)
        const object = objectAt(copy, pick)
        const keys = object ? Object.keys(object) : []
        if (object && keys.length > 0) delete object[keys[which % keys.length] as string]
        return mutated('missing field', copy)
      }),
    },
    {
      weight: 3,
      arbitrary: at(fc.tuple(fc.string({ maxLength: 12 }), wrongValue)).map(
        ([value, pick, [key, extra]]) => {
          const copy = structuredClone(value)
          const object = objectAt(copy, pick)
          if (object) object[`${key}_unknown`] = extra
          return mutated('unknown field', copy)
        },
      ),
    },
    {
      weight: 4,
      arbitrary: at(
        fc.tuple(
          fc.constantFrom(20_000, 200_000, 1_100_000, 2_300_000),
          fc.constantFrom('a', '\u0000', 'é', '{', '\ud800'),
        ),
      ).map(([value, pick, [length, character]]) =>
        mutated(
          `huge string (${length} × U+${character.charCodeAt(0).toString(16)})`,
          replaceAt(value, pick, () => character.repeat(length)),
        ),
      ),
    },
    {
      weight: 5,
      arbitrary: at(fc.constantFrom(...NASTY_STRINGS)).map(([value, pick, nasty]) =>
        mutated(
          'nasty string',
          replaceAt(value, pick, (old) => (typeof old === 'string' ? old + nasty : nasty)),
        ),
      ),
    },
    {
      weight: 3,
      arbitrary: at(fc.tuple(fc.constantFrom(64, 1000, 10_000, 200_000), fc.boolean())).map(
        ([value, pick, [depth, arrays]]) =>
          mutated(
            `nesting ${depth} deep`,
            replaceAt(value, pick, () => marker('deep')),
            (text) =>
              text.replace(
                markerText('deep'),
                arrays
                  ? '['.repeat(depth) + ']'.repeat(depth)
                  : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth),
              ),
          ),
      ),
    },
    {
      weight: 3,
      arbitrary: at(fc.constantFrom(...HUGE_NUMBERS)).map(([value, pick, number]) =>
        mutated(
          `number ${number}`,
          replaceAt(value, pick, () => marker('number')),
          (text) => text.replace(markerText('number'), number),
        ),
      ),
    },
    {
      weight: 3,
      arbitrary: at(
        fc.tuple(
          fc.constantFrom('__proto__', 'constructor', 'prototype'),
          fc.constantFrom('{"polluted":true}', '{"toString":1}', 'null', '{"prototype":{"x":1}}'),
        ),
      ).map(([value, pick, [key, inner]]) => {
        const copy = structuredClone(value)
        const object = objectAt(copy, pick)
        if (object) object[marker('key')] = marker('inner')
        return mutated(`${key} key`, object ? copy : value, (text) =>
          text.replace(markerText('key'), JSON.stringify(key)).replace(markerText('inner'), inner),
        )
      }),
    },
    {
      weight: 3,
      arbitrary: at(fc.tuple(fc.nat(), wrongValue)).map(([value, pick, [which, second]]) => {
        const copy = structuredClone(value)
        const object = objectAt(copy, pick)
        const keys = object ? Object.keys(object) : []
        const key = keys[which % Math.max(1, keys.length)]
        if (object && key !== undefined) object[marker('duplicate')] = second
        return mutated(`duplicate key ${JSON.stringify(key)}`, copy, (text) =>
          text.replace(markerText('duplicate'), JSON.stringify(key)),
        )
      }),
    },
    {
      weight: 3,
      arbitrary: fc
        .tuple(valid, fc.nat(), fc.constantFrom(...INVALID_JSON), fc.nat(3))
        .map(([value, cut, garbage, how]) => {
          const text = JSON.stringify(value) ?? ''
          const bodies = [
            text.slice(0, cut % Math.max(1, text.length)),
            text + garbage,
            `\ufeff${text}`,
            garbage,
          ]
          return {
            contentType: 'application/json',
            body: bodies[how] ?? garbage,
            mutation: 'invalid JSON',
          }
        }),
    },
    {
      weight: 2,
      arbitrary: at(fc.constantFrom(...INVALID_UTF8)).map(([value, pick, bytes]) => {
        const text = JSON.stringify(replaceAt(value, pick, () => marker('bytes'))) ?? ''
        const [before, after] = text.split(markerText('bytes'))
        const body =
          after === undefined
            ? Buffer.concat([Buffer.from(text), bytes])
            : Buffer.concat([Buffer.from(`${before}"`), bytes, Buffer.from(`"${after}`)])
        return { contentType: 'application/json', body, mutation: 'invalid UTF-8' }
      }),
    },
    {
      weight: 3,
      arbitrary: fc
        .tuple(valid, fc.option(fc.constantFrom(...CONTENT_TYPES), { nil: null }))
        .map(([value, contentType]) => ({
          contentType,
          body: JSON.stringify(value) ?? '',
          mutation: `content type ${contentType === null ? 'absent' : contentType.slice(0, 60)}`,
        })),
    },
  )
}

const PATH_SEGMENTS = [
  '%00',
  'a%00b',
  '%ED%A0%80',
  '%FF',
  '%',
  '%zz',
  '%2e%2e',
  '..',
  '%C0%AF',
  'x'.repeat(201),
  '%F0%9F%98%80',
  'a%2Fb',
  '__proto__',
  'constructor',
]

/** Percent-encodes text, lone surrogates (which UTF-8 cannot carry) as U+FFFD. */
function encode(value: unknown): string {
  return encodeURIComponent(
    String(value).replace(
      /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
      '\ufffd',
    ),
  )
}

/** A path parameter: valid by its schema (and hints), then deliberately mis-encoded ones. */
function pathValueArbitrary(
  schema: JsonSchema,
  hint?: fc.Arbitrary<unknown>,
): fc.Arbitrary<string> {
  const valid = arbitraryFromSchema(schema).map(encode)
  return fc.oneof(
    { weight: 4, arbitrary: valid },
    ...(hint ? [{ weight: 4, arbitrary: hint.map(encode) }] : []),
    { weight: 2, arbitrary: fc.constantFrom(...PATH_SEGMENTS) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(...NASTY_STRINGS).map(encode),
    },
  )
}

const QUERY_NASTY = [
  '%',
  '%zz',
  '%00',
  '%ED%A0%80',
  '1e400',
  '0x10',
  '-1',
  '+5',
  '%205',
  '',
  'NaN',
  'abc',
]

/** A query string from the operation's query parameters, valid or mutated. */
function queryArbitrary(
  parameters: NonNullable<OpenApiOperation['parameters']>,
  hints: Hints,
): fc.Arbitrary<string> {
  const query = parameters.filter((parameter) => parameter.in === 'query')
  if (query.length === 0) {
    return fc.oneof(
      { weight: 8, arbitrary: fc.constant('') },
      { weight: 2, arbitrary: fc.constantFrom('?a=1', '?__proto__[x]=1', '?%00=%00', '?x=%') },
    )
  }
  const schema: JsonSchema = {
    type: 'object',
    properties: Object.fromEntries(query.map((parameter) => [parameter.name, parameter.schema])),
    required: query.filter((parameter) => parameter.required).map((parameter) => parameter.name),
  }
  const valid = arbitraryFromSchema(schema, hints).map((value) =>
    new URLSearchParams(
      Object.entries(value as Record<string, unknown>).map(([key, item]): [string, string] => [
        key,
        String(item),
      ]),
    ).toString(),
  )
  const names = query.map((parameter) => parameter.name)
  return fc
    .oneof(
      { weight: 6, arbitrary: valid },
      {
        weight: 2,
        arbitrary: fc
          .tuple(valid, fc.constantFrom(...names), fc.constantFrom(...QUERY_NASTY))
          .map(([text, name, nasty]) => `${text}&${name}=${nasty}`),
      },
      {
        weight: 1,
        arbitrary: fc
          .tuple(
            fc.constantFrom(...names),
            fc.constantFrom(...NASTY_STRINGS),
            fc.constantFrom(1, 10_000),
          )
          .map(([name, nasty, repeat]) => `${name}=${encode(nasty).repeat(repeat)}`),
      },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          '__proto__[x]=1',
          'constructor=1',
          'a=1&a=2&a=3',
          'x'.repeat(5000) + '=1',
        ),
      },
    )
    .map((text) => (text ? `?${text}` : ''))
}

/** A header value Node's client will send (printable Latin-1), valid by schema or not. */
function headerArbitrary(schema: JsonSchema): fc.Arbitrary<string | undefined> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constant(undefined) },
    { weight: 4, arbitrary: arbitraryFromSchema(schema).map(String) },
    {
      weight: 2,
      arbitrary: fc.constantFrom('', ' ', 'a b', 'é', 'x'.repeat(300), '\t', '%00', '"quoted"'),
    },
  )
}

/** Requests for one operation: path, query, headers and body all derived from its schemas. */
export function requestArbitrary(
  route: FuzzRoute,
  document: OpenApiDocument,
  hints: Hints,
): fc.Arbitrary<FuzzRequest> {
  const parameters = (dereference(route.operation.parameters ?? [], document) ?? []) as NonNullable<
    OpenApiOperation['parameters']
  >
  const pathParameters = parameters.filter((parameter) => parameter.in === 'path')
  const headerParameters = parameters.filter((parameter) => parameter.in === 'header')
  const pathArbitrary = fc
    .tuple(
      ...pathParameters.map((parameter) =>
        pathValueArbitrary(parameter.schema, hints[`path.${parameter.name}`]),
      ),
    )
    .map((values) =>
      pathParameters.reduce(
        (path, parameter, index) => path.replace(`{${parameter.name}}`, values[index] ?? ''),
        route.path,
      ),
    )
  const headersArbitrary = fc
    .tuple(...headerParameters.map((parameter) => headerArbitrary(parameter.schema)))
    .map((values) =>
      Object.fromEntries(
        headerParameters
          .map((parameter, index) => [parameter.name, values[index]] as const)
          .filter((entry): entry is readonly [string, string] => entry[1] !== undefined),
      ),
    )
  const bodySchema = route.operation.requestBody?.content['application/json']?.schema
  const body: fc.Arbitrary<Encoded | null> = bodySchema
    ? bodyArbitrary(dereference(bodySchema, document) as JsonSchema, hints)
    : fc.oneof(
        { weight: 9, arbitrary: fc.constant(null) },
        // A body where none is expected: ignored, or refused with the error shape.
        {
          weight: 1,
          arbitrary: fc.constantFrom<Encoded>(
            { contentType: 'application/json', body: '{"a":', mutation: 'unexpected invalid body' },
            { contentType: 'text/plain', body: 'hello', mutation: 'unexpected text body' },
          ),
        },
      )
  const method =
    route.method === 'GET'
      ? fc.oneof({ weight: 19, arbitrary: fc.constant('GET') }, fc.constant('HEAD'))
      : fc.constant(route.method)
  return fc
    .record({
      method,
      path: pathArbitrary,
      query: queryArbitrary(parameters, hints),
      headers: headersArbitrary,
      body,
    })
    .map(({ method, path, query, headers, body }) => ({
      method,
      url: path + query,
      headers: {
        ...headers,
        ...(body?.contentType ? { 'content-type': body.contentType } : {}),
      },
      ...(body ? { body: body.body } : {}),
      mutation: body?.mutation ?? 'no body',
    }))
}

/** Sends one request over a fresh connection; a response must arrive within `timeoutMs`. */
export function send(
  baseUrl: string,
  request: FuzzRequest,
  timeoutMs = 30_000,
): Promise<FuzzResponse> {
  const { hostname, port } = new URL(baseUrl)
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      {
        host: hostname,
        port,
        method: request.method,
        path: request.url,
        headers: {
          ...request.headers,
          ...(request.body === undefined
            ? {}
            : { 'content-length': String(Buffer.byteLength(request.body)) }),
        },
        agent: false,
        timeout: timeoutMs,
      },
      (response) => {
        const chunks: Buffer[] = []
        response.on('data', (chunk: Buffer) => chunks.push(chunk))
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks),
          }),
        )
        response.on('error', reject)
      },
    )
    outgoing.on('timeout', () => outgoing.destroy(new Error(`no answer in ${timeoutMs} ms`)))
    outgoing.on('error', (error: NodeJS.ErrnoException) => {
      // A server may refuse a huge body before reading it; the answer still counts.
      if (error.code === 'EPIPE' || error.code === 'ECONNRESET') {
        reject(new Error(`connection ${error.code} before an answer`))
      } else reject(error)
    })
    outgoing.end(request.body)
  })
}
