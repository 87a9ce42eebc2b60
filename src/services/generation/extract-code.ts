/** A fenced block of a model reply. */
interface Fence {
  tag: string
  body: string
  /** False when the reply ended before the closing fence. */
  closed: boolean
}

/**
 * An opening fence and its tag. After the tag, the rest of the line must start with a blank: the
 * tag and the rest never compete for the same characters, so a long line that fails to match
 * fails in one pass (a model reply may be megabytes, and this runs on the event loop).
 */
const FENCE_OPEN = /^[ \t]*(`{3,}|~{3,})[ \t]*([^\s`]*)(?:[ \t][^\n`]*)?$/

function fences(reply: string): Fence[] {
  const lines = reply.split('\n')
  const found: Fence[] = []
  for (let index = 0; index < lines.length; index++) {
    const open = FENCE_OPEN.exec(lines[index] ?? '')
    if (!open) continue
    const marker = open[1] ?? '```'
    const body: string[] = []
    let closed = false
    for (index++; index < lines.length; index++) {
      const line = lines[index] ?? ''
      if (line.trim().startsWith(marker) && line.trim().replace(/[`~]/g, '') === '') {
        closed = true
        break
      }
      body.push(line)
    }
    found.push({ tag: (open[2] ?? '').toLowerCase(), body: body.join('\n'), closed })
  }
  return found
}

/** A line that reads as English prose rather than code: words, no code punctuation. */
function isProse(line: string): boolean {
  const text = line.trim()
  if (text === '') return false
  // A lone `*` opens a comment line; `**` opens Markdown bold, which the last test accepts.
  if (/[{}();=<>[\]]|^\s*(#|\/\/|--|\/\*|\*(?!\*))/.test(text)) return false
  const words = text.split(/\s+/)
  return words.length >= 3 && /^[A-Z*_]/.test(text) && /[.:!?]$|^\*\*/.test(text)
}

/**
 * The code in a model reply: the longest fenced block tagged with one of `tags` (or untagged),
 * else the longest block; without any fence, the reply minus the sentences of prose around it.
 * A fence left open by a cut-off reply still yields its content.
 */
export function extractCode(reply: string, tags: readonly string[]): string {
  const normalised = reply.replace(/\r\n?/g, '\n')
  const blocks = fences(normalised)
  if (blocks.length > 0) {
    const wanted = new Set(tags.map((tag) => tag.toLowerCase()))
    const matching = blocks.filter((block) => block.tag === '' || wanted.has(block.tag))
    const candidates = matching.length > 0 ? matching : blocks
    const longest = candidates.reduce((best, block) =>
      block.body.trim().length > best.body.trim().length ? block : best,
    )
    return trimBlankLines(longest.body)
  }
  const lines = normalised.split('\n')
  let start = 0
  let end = lines.length
  while (start < end && (isProse(lines[start] ?? '') || lines[start]?.trim() === '')) start++
  while (end > start && (isProse(lines[end - 1] ?? '') || lines[end - 1]?.trim() === '')) end--
  return trimBlankLines(lines.slice(start, end).join('\n'))
}

function trimBlankLines(text: string): string {
  // trimEnd, not /\s+$/: the pattern tries every run of blanks in the text, quadratic in a reply
  // of many blank-ended lines.
  return text.replace(/^(?:[ \t]*\n)+/, '').trimEnd() + '\n'
}

/**
 * Documentation is asked for as bare Markdown; a model that fences it anyway is unwrapped. Done
 * with string operations: a pattern with a lazy body between two blank runs backtracked
 * quadratically over a reply of many blank lines.
 */
export function unwrapMarkdown(text: string): string {
  const trimmed = text.trim()
  const open = /^```(?:markdown|md)?[ \t]*\n/i.exec(trimmed)
  if (!open || !trimmed.endsWith('\n```')) return trimmed + '\n'
  return trimmed.slice(open[0].length, -4).trim() + '\n'
}
