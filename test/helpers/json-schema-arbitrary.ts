import fc from 'fast-check'
import { z } from 'zod'

/** A JSON Schema node as the OpenAPI document serves it (loosely typed: it is read, not trusted). */
export type JsonSchema = Record<string, unknown>

/** The parts of an OpenAPI 3.1 document the fuzzer reads. */
export interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>
  components?: { schemas?: Record<string, JsonSchema> }
}

export interface OpenApiOperation {
  parameters?: Array<{ in: string; name: string; required?: boolean; schema: JsonSchema }>
  requestBody?: { content: Record<string, { schema: JsonSchema }> }
  responses?: Record<string, { content?: Record<string, { schema: JsonSchema }> }>
}

/**
 * Extra values for properties of a given name, mixed into what the schema alone would give:
 * a schema says `programming_language` is a string of 1–40 characters, the service knows which
 * strings mean something, and a fuzzer that never sends one never reaches the code behind it.
 */
export type Hints = Record<string, fc.Arbitrary<unknown>>

/** Replaces every `$ref` into `components/schemas` by the schema it names (the document has no cycles). */
export function dereference(schema: unknown, document: OpenApiDocument): unknown {
  if (Array.isArray(schema)) return schema.map((item) => dereference(item, document))
  if (!schema || typeof schema !== 'object') return schema
  const node = schema as JsonSchema
  if (typeof node.$ref === 'string') {
    const name = node.$ref.replace('#/components/schemas/', '')
    const target = document.components?.schemas?.[name]
    if (!target) throw new Error(`unresolved $ref ${node.$ref}`)
    return dereference(target, document)
  }
  return Object.fromEntries(
    Object.entries(node).map(([key, value]) => [key, dereference(value, document)]),
  )
}

/** A zod validator built from a (dereferenced) JSON Schema of the document. */
export function validatorFromSchema(schema: JsonSchema): z.ZodType {
  return z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0])
}

/** Strings a fuzzer should try anywhere a string goes: control characters, lone surrogates, RTL, emoji. */
export const NASTY_STRINGS: readonly string[] = [
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udfff',
  'x\ud83dy',
  '\u202e\u2066evil',
  '\u200b\u200d\ufeff',
  '👩‍👩‍👧‍👦',
  '\r\n\r\n',
  '%00',
  '../../etc/passwd',
  "' OR 1=1 --",
  '${jndi:ldap://x}',
  '<script>alert(1)</script>',
  '\\',
  '"',
  '__proto__',
  'constructor',
]

function stringArbitrary(node: JsonSchema): fc.Arbitrary<string> {
  if (typeof node.pattern === 'string') {
    const pattern = new RegExp(node.pattern)
    const maxLength = typeof node.maxLength === 'number' ? node.maxLength : 64
    return fc.stringMatching(pattern).filter((text) => text.length <= maxLength)
  }
  const minLength = typeof node.minLength === 'number' ? node.minLength : 0
  const maxLength = Math.max(
    minLength,
    Math.min(typeof node.maxLength === 'number' ? node.maxLength : 200, 200),
  )
  return fc.oneof(
    { weight: 4, arbitrary: fc.string({ minLength, maxLength }) },
    { weight: 2, arbitrary: fc.string({ minLength, maxLength, unit: 'grapheme' }) },
    { weight: 1, arbitrary: fc.string({ minLength, maxLength, unit: 'binary' }) },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(...NASTY_STRINGS)
        .map((text) => text.padEnd(minLength, 'x').slice(0, maxLength)),
    },
  )
}

function numberArbitrary(node: JsonSchema, integer: boolean): fc.Arbitrary<number> {
  const min = typeof node.minimum === 'number' ? node.minimum : -1_000_000
  const max = typeof node.maximum === 'number' ? node.maximum : 1_000_000
  if (integer) return fc.integer({ min: Math.max(min, -(2 ** 31)), max: Math.min(max, 2 ** 31) })
  return fc.double({ min, max, noNaN: true, noDefaultInfinity: true })
}

function objectArbitrary(node: JsonSchema, hints: Hints, depth: number): fc.Arbitrary<unknown> {
  const properties = (node.properties ?? {}) as Record<string, JsonSchema>
  const required = new Set(Array.isArray(node.required) ? (node.required as string[]) : [])
  const model: Record<string, fc.Arbitrary<unknown>> = {}
  for (const [name, schema] of Object.entries(properties)) {
    const derived = arbitraryFromSchema(schema, hints, depth + 1)
    const hint = hints[name]
    model[name] = hint ? fc.oneof({ weight: 3, arbitrary: hint }, derived) : derived
  }
  return fc.record(model, {
    requiredKeys: Object.keys(properties).filter((name) => required.has(name)),
  })
}

/**
 * Values valid for a dereferenced JSON Schema: types, enums, lengths, ranges, required and
 * optional properties, arrays, unions. What it does not know (formats, `not`) it leaves out, so
 * a value may still be refused by the service; the fuzzer accepts a 4xx as an answer.
 */
export function arbitraryFromSchema(
  schema: JsonSchema,
  hints: Hints = {},
  depth = 0,
): fc.Arbitrary<unknown> {
  if ('const' in schema) return fc.constant(schema.const)
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]))
  for (const key of ['anyOf', 'oneOf'] as const) {
    const options = schema[key]
    if (Array.isArray(options)) {
      return fc.oneof(
        ...(options as JsonSchema[]).map((option) => arbitraryFromSchema(option, hints, depth)),
      )
    }
  }
  if (Array.isArray(schema.allOf)) {
    // The document's allOf are intersections of objects: merge their properties.
    const merged = (schema.allOf as JsonSchema[]).reduce<JsonSchema>(
      (all, part) => ({
        ...all,
        ...part,
        properties: { ...(all.properties as object), ...(part.properties as object) },
        required: [...((all.required as string[]) ?? []), ...((part.required as string[]) ?? [])],
      }),
      {},
    )
    return arbitraryFromSchema(merged, hints, depth)
  }
  const type = schema.type
  if (Array.isArray(type)) {
    return fc.oneof(
      ...type.map((one) => arbitraryFromSchema({ ...schema, type: one }, hints, depth)),
    )
  }
  switch (type) {
    case 'string':
      return stringArbitrary(schema)
    case 'integer':
      return numberArbitrary(schema, true)
    case 'number':
      return numberArbitrary(schema, false)
    case 'boolean':
      return fc.boolean()
    case 'null':
      return fc.constant(null)
    case 'array': {
      const items = (schema.items ?? {}) as JsonSchema
      const minLength = typeof schema.minItems === 'number' ? schema.minItems : 0
      const maxLength = Math.min(
        typeof schema.maxItems === 'number' ? schema.maxItems : 5,
        Math.max(minLength, 4),
      )
      return fc.array(arbitraryFromSchema(items, hints, depth + 1), { minLength, maxLength })
    }
    case 'object':
      return objectArbitrary(schema, hints, depth)
    default:
      return depth > 4 ? fc.constant(null) : fc.jsonValue({ maxDepth: 2 })
  }
}
