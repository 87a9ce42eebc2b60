/*
 * Halstead operand identities as radon's HalsteadVisitor builds them: a `Name` is its `id`, an
 * `Attribute` its `attr`, a `Constant` its `value`, all in one Python set. So the name `x`, the
 * attribute `.x` and the string 'x' are one operand, and so are 1, 1.0 and True (equal numbers
 * hash alike). Keys below encode that equality as strings.
 */

/** Key of a name, an attribute name or a str constant: they compare equal in radon's set. */
export function textKey(text: string): string {
  return 's:' + text
}

/** Key of a number, normalised so that numbers Python considers equal share one key. */
function numberKey(value: number): string {
  if (Number.isInteger(value)) return 'n:' + BigInt(value).toString()
  return 'n:' + String(value)
}

/** Key of an `integer` node's text: decimal, hex, octal, binary or imaginary. */
export function integerKey(text: string): string {
  const digits = text.replace(/_/g, '')
  if (/[jJ]$/.test(digits)) return imaginaryKey(digits)
  try {
    const normalized = /^0+[0-9]/.test(digits) ? digits.replace(/^0+/, '') : digits
    return 'n:' + BigInt(normalized).toString()
  } catch {
    return 't:' + text
  }
}

function imaginaryKey(digits: string): string {
  const imaginary = Number(digits.slice(0, -1))
  // A zero imaginary literal equals the integer 0.
  return imaginary === 0 ? 'n:0' : 'c:' + String(imaginary)
}

/** Key of a `float` node's text (which may be imaginary). */
export function floatKey(text: string): string {
  const digits = text.replace(/_/g, '')
  if (/[jJ]$/.test(digits)) return imaginaryKey(digits)
  return numberKey(Number(digits))
}

/** Keys of the constants tree-sitter gives their own node types; True == 1 and False == 0. */
export const SINGLETON_KEYS = {
  true: 'n:1',
  false: 'n:0',
  none: 'k:None',
  ellipsis: 'k:Ellipsis',
} as const

const SIMPLE_ESCAPES: Record<string, string> = {
  '\n': '',
  '\\': '\\',
  "'": "'",
  '"': '"',
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
}

/** Decodes Python escape sequences; `\N{…}` stays as written (no Unicode name table here). */
function decodeEscapes(body: string, isBytes: boolean): string {
  if (!body.includes('\\')) return body
  return body.replace(
    /\\(\n|[\\'"abfnrtv]|[0-7]{1,3}|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|N\{[^}]*\})/g,
    (escape: string, code: string) => {
      const simple = SIMPLE_ESCAPES[code]
      if (simple !== undefined) return simple
      const first = code[0]
      if (first === 'x') return String.fromCharCode(parseInt(code.slice(1), 16))
      if (first === 'u' || first === 'U') {
        if (isBytes) return escape
        const point = parseInt(code.slice(1), 16)
        return point <= 0x10ffff ? String.fromCodePoint(point) : escape
      }
      if (first === 'N') return escape
      return String.fromCharCode(parseInt(code, 8) & (isBytes ? 0xff : 0x1ff))
    },
  )
}

/** One string literal's pieces: its prefix flags and decoded value. */
interface StringPart {
  formatted: boolean
  bytes: boolean
  value: string
}

function parseStringLiteral(text: string): StringPart | undefined {
  const prefixMatch = /^[a-zA-Z]*/.exec(text)
  const prefix = (prefixMatch?.[0] ?? '').toLowerCase()
  const rest = text.slice(prefix.length)
  const quote =
    rest.startsWith('"""') || rest.startsWith("'''") ? rest.slice(0, 3) : rest.slice(0, 1)
  if (quote !== '"' && quote !== "'" && quote.length !== 3) return undefined
  if (!rest.endsWith(quote) || rest.length < quote.length * 2) return undefined
  const body = rest.slice(quote.length, rest.length - quote.length)
  const formatted = prefix.includes('f')
  const bytes = prefix.includes('b')
  const raw = prefix.includes('r')
  return { formatted, bytes, value: raw ? body : decodeEscapes(body, bytes) }
}

/**
 * Key of a string literal or of an implicit concatenation of literals, given each part's source
 * text. An f-string anywhere makes the whole a `JoinedStr`, which radon never merges with another
 * operand: the result is then undefined and the caller uses a unique key.
 */
export function stringKey(parts: readonly string[]): string | undefined {
  let value = ''
  let bytes = false
  for (const [index, text] of parts.entries()) {
    const part = parseStringLiteral(text)
    if (!part || part.formatted) return undefined
    if (index === 0) bytes = part.bytes
    value += part.value
  }
  return (bytes ? 'b:' : 's:') + value
}
