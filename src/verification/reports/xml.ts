/**
 * A small event reader for the XML that test runners write (JUnit reports), by hand rather than
 * with a library because the input is hostile and often cut short: it reads in one linear pass
 * with `indexOf` (no backtracking), knows only the five predefined entities and numeric
 * references (a DOCTYPE is skipped, so nothing expands), bounds the nesting, and hands over every
 * element that completed before the input ended, so a report cut at the output limit still
 * yields its finished test cases.
 */

export interface XmlHandler {
  open(name: string, attributes: Readonly<Record<string, string>>): void
  text(text: string): void
  close(name: string): void
}

/** Deeper nesting than any test report has; past it the reader stops. */
const MAX_DEPTH = 64

const ENTITIES: Readonly<Record<string, string>> = {
  lt: '<',
  gt: '>',
  amp: '&',
  quot: '"',
  apos: "'",
}

export function decodeEntities(text: string): string {
  if (!text.includes('&')) return text
  return text.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-z]{2,4});/g, (whole, entity: string) => {
    if (entity.startsWith('#')) {
      const code =
        entity[1] === 'x' ? Number.parseInt(entity.slice(2), 16) : Number.parseInt(entity.slice(1))
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole
    }
    return ENTITIES[entity] ?? whole
  })
}

function isNameChar(char: string): boolean {
  return !' \t\r\n/>='.includes(char)
}

/** The attributes of a start tag's inside (after the name); a malformed rest is ignored. */
function parseAttributes(source: string): Record<string, string> {
  const attributes: Record<string, string> = Object.create(null) as Record<string, string>
  let index = 0
  while (index < source.length) {
    while (index < source.length && ' \t\r\n/'.includes(source[index] ?? '')) index++
    const nameStart = index
    while (index < source.length && isNameChar(source[index] ?? '')) index++
    const name = source.slice(nameStart, index)
    if (!name) break
    while (source[index] === ' ') index++
    if (source[index] !== '=') continue
    index++
    while (source[index] === ' ') index++
    const quote = source[index]
    if (quote !== '"' && quote !== "'") break
    const end = source.indexOf(quote, index + 1)
    if (end === -1) break
    attributes[name] = decodeEntities(source.slice(index + 1, end))
    index = end + 1
  }
  return attributes
}

/** The end of a start tag: the first `>` outside quoted attribute values, or -1. */
function tagEnd(source: string, from: number): number {
  let quote: string | null = null
  for (let index = from; index < source.length; index++) {
    const char = source[index]
    if (quote) {
      if (char === quote) quote = null
    } else if (char === '"' || char === "'") quote = char
    else if (char === '>') return index
  }
  return -1
}

/**
 * Reads `source`, calling the handler for each element and text run. Returns true when the
 * document ended cleanly (every element closed), false when it was cut short or malformed.
 */
export function readXml(source: string, handler: XmlHandler): boolean {
  const stack: string[] = []
  let index = 0
  let sawRoot = false
  while (index < source.length) {
    const lt = source.indexOf('<', index)
    if (lt === -1) {
      if (stack.length > 0) handler.text(decodeEntities(source.slice(index)))
      break
    }
    if (lt > index && stack.length > 0) handler.text(decodeEntities(source.slice(index, lt)))
    if (source.startsWith('<![CDATA[', lt)) {
      const end = source.indexOf(']]>', lt + 9)
      if (end === -1) return false
      if (stack.length > 0) handler.text(source.slice(lt + 9, end))
      index = end + 3
    } else if (source.startsWith('<!--', lt)) {
      const end = source.indexOf('-->', lt + 4)
      if (end === -1) return false
      index = end + 3
    } else if (source.startsWith('<?', lt)) {
      const end = source.indexOf('?>', lt + 2)
      if (end === -1) return false
      index = end + 2
    } else if (source.startsWith('<!', lt)) {
      const end = source.indexOf('>', lt + 2)
      if (end === -1) return false
      index = end + 1
    } else if (source[lt + 1] === '/') {
      const end = source.indexOf('>', lt + 2)
      if (end === -1) return false
      const name = source.slice(lt + 2, end).trim()
      if (stack.at(-1) !== name) return false
      stack.pop()
      handler.close(name)
      index = end + 1
    } else {
      const end = tagEnd(source, lt + 1)
      if (end === -1) return false
      const selfClosing = source[end - 1] === '/'
      const inside = source.slice(lt + 1, selfClosing ? end - 1 : end)
      let nameEnd = 0
      while (nameEnd < inside.length && isNameChar(inside[nameEnd] ?? '')) nameEnd++
      const name = inside.slice(0, nameEnd)
      if (!name || stack.length >= MAX_DEPTH) return false
      sawRoot = true
      handler.open(name, parseAttributes(inside.slice(nameEnd)))
      if (selfClosing) handler.close(name)
      else stack.push(name)
      index = end + 1
    }
  }
  return sawRoot && stack.length === 0
}
