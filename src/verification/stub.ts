import type { Language } from '../analysis/language-registry.js'
import type { AnalysisReport, FunctionBody, FunctionReport } from '../schemas/analysis.js'

// The kinds stubbed. Class-field initialisers and static blocks run when the code loads;
// closures go with the function around them.
const STUBBED_KINDS = new Set<FunctionReport['kind']>(['function', 'method', 'lambda', 'arrow'])

interface Replacement {
  start: number
  end: number
  text: string
}

/**
 * The code with every outermost function body replaced by the language's stub
 * (`verification.stub` of its language.json); null when it has no function to stub.
 *
 * Outermost: a function whose body lies in no other function's body (methods of a top-level
 * class are outermost; closures are replaced with the function around them). A lambda counts
 * only when it has a name (`const f = (x) => …`): an anonymous one at top level is a callback
 * that runs when the code loads. Signatures, decorators, constructors' member initialisers and
 * whatever lies between functions stay as they are, so that the stub compiles where the code did.
 */
export function stubCode(code: string, report: AnalysisReport, language: Language): string | null {
  const rules = language.verification?.stub
  if (!rules) return null
  // One entry per body: a unit may share its body with another (ESLint's class-field initializer
  // holding an arrow function); the one that can be stubbed is kept.
  const byBody = new Map<string, { unit: FunctionReport; body: FunctionBody }>()
  for (const unit of report.functions) {
    const body = unit.body
    if (!body || body.end > code.length || body.start >= body.end) continue
    const key = `${body.start}:${body.end}`
    const taken = byBody.get(key)
    if (!taken || (!stubbable(taken.unit) && stubbable(unit))) byBody.set(key, { unit, body })
  }
  const bodies = [...byBody.values()]
  const inside = (inner: FunctionBody, outer: FunctionBody) =>
    inner !== outer && outer.start <= inner.start && inner.end <= outer.end
  const outermost = bodies
    .filter(
      ({ unit, body }) => stubbable(unit) && !bodies.some((other) => inside(body, other.body)),
    )
    .sort((a, b) => a.body.start - b.body.start)

  const skip = rules.skip ? new RegExp(rules.skip) : null
  const lineStarts = skip ? startsOfLines(code) : []
  const replacements: Replacement[] = []
  let previousEnd = 0
  for (const { unit, body } of outermost) {
    // From the function's first line (its body may start lines later, `{` alone on a line).
    const first = Math.min(lineStarts[unit.start_line - 1] ?? 0, lineStart(code, body.start))
    const header = code.slice(Math.max(previousEnd, first), body.start)
    previousEnd = body.end
    if (skip?.test(header)) continue
    replacements.push({ start: body.start, end: body.end, text: stubBody(code, body, language) })
  }
  if (replacements.length === 0) return null

  let stubbed = code
  for (const { start, end, text } of replacements.reverse())
    stubbed = stubbed.slice(0, start) + text + stubbed.slice(end)
  return rules.unused_import ? blankUnusedImports(stubbed, rules.unused_import, language) : stubbed
}

// An anonymous function outside any other (a callback at top level or in a field initialiser)
// may run while the code loads: stubbing it would fail every test, whatever they check.
function stubbable(unit: FunctionReport): boolean {
  return STUBBED_KINDS.has(unit.kind) && !unit.name.startsWith('<')
}

function startsOfLines(code: string): number[] {
  const starts = [0]
  for (let index = code.indexOf('\n'); index !== -1; index = code.indexOf('\n', index + 1))
    starts.push(index + 1)
  return starts
}

function lineStart(code: string, offset: number): number {
  return code.lastIndexOf('\n', offset - 1) + 1
}

/** The text that replaces one body. */
function stubBody(code: string, body: FunctionBody, language: Language): string {
  const rules = language.verification!.stub
  if (rules.style === 'statements') {
    // The body's first line keeps its indentation; further lines of the stub get the same.
    const prefix = code.slice(lineStart(code, body.start), body.start)
    const lines = rules.body.split('\n')
    return /^\s*$/.test(prefix) ? lines.join(`\n${prefix}`) : lines.join('; ')
  }
  if (body.kind === 'block' && rules.keep_call) {
    const call = leadingCall(code, body, new RegExp(rules.keep_call, 'y'), language)
    if (call) return `${rules.body.slice(0, 1)} ${call}${rules.body.slice(1)}`
  }
  return rules.body
}

/**
 * The call a block body starts with when `pattern` matches its start (`super(`), through its
 * closing parenthesis, ended with `;`; null otherwise. Comments before it are skipped; parentheses inside
 * string literals and comments do not count.
 */
function leadingCall(
  code: string,
  body: FunctionBody,
  pattern: RegExp,
  language: Language,
): string | null {
  let position = skipBlank(code, body.start + 1, body.end, language)
  pattern.lastIndex = position
  const match = pattern.exec(code)
  if (!match || !match[0].endsWith('(')) return null
  const start = position
  let depth = 1
  position += match[0].length
  while (position < body.end && depth > 0) {
    position = skipBlank(code, position, body.end, language)
    const character = code[position]
    if (character === '"' || character === "'" || character === '`') {
      position = closingQuote(code, position, body.end)
    } else if (character === '(') depth += 1
    else if (character === ')') depth -= 1
    position += 1
  }
  if (depth > 0) return null
  // The call ends its statement with `;` even where the language lets a line end do it, since
  // the stub follows on the same line.
  return `${code.slice(start, position)};`
}

function closingQuote(code: string, open: number, limit: number): number {
  const quote = code[open]
  let position = open + 1
  while (position < limit && code[position] !== quote) position += code[position] === '\\' ? 2 : 1
  return position
}

/** The first offset from `position` that is neither white space nor a comment of the language. */
function skipBlank(code: string, position: number, limit: number, language: Language): number {
  for (;;) {
    while (position < limit && /\s/.test(code[position]!)) position += 1
    if (language.line_comment && code.startsWith(language.line_comment, position)) {
      const end = code.indexOf('\n', position)
      position = end === -1 ? limit : end
    } else if (language.block_comment && code.startsWith(language.block_comment[0], position)) {
      const end = code.indexOf(language.block_comment[1], position)
      position = end === -1 ? limit : end + language.block_comment[1].length
    } else {
      return position
    }
  }
}

/**
 * Rewrites the imports that the stubbed code no longer uses (Go refuses to compile an unused
 * import): an import is used when its name followed by `.` appears in the code outside the
 * imports, comments and quoted literals.
 */
function blankUnusedImports(
  code: string,
  rule: { pattern: string; replacement: string },
  language: Language,
): string {
  const imports = [...code.matchAll(new RegExp(rule.pattern, 'gm'))].reverse()
  if (imports.length === 0) return code
  let rest = code
  for (const found of imports)
    rest = rest.slice(0, found.index) + rest.slice(found.index + found[0].length)
  rest = withoutCommentsAndLiterals(rest, language)
  let result = code
  for (const found of imports) {
    const name = found.groups?.alias ?? found.groups?.name
    if (!name || !/^\w+$/.test(name) || name === '_') continue
    if (new RegExp(`(?<![\\w.])${name}\\s*\\.`).test(rest)) continue
    const rewritten = found[0].replace(new RegExp(rule.pattern, 'm'), rule.replacement)
    result = result.slice(0, found.index) + rewritten + result.slice(found.index + found[0].length)
  }
  return result
}

/** The code with each comment and quoted literal replaced by a space. */
function withoutCommentsAndLiterals(code: string, language: Language): string {
  const parts: string[] = []
  let from = 0
  let position = 0
  while (position < code.length) {
    const character = code[position]!
    let end = -1
    if (language.line_comment && code.startsWith(language.line_comment, position)) {
      end = code.indexOf('\n', position)
      if (end === -1) end = code.length
    } else if (language.block_comment && code.startsWith(language.block_comment[0], position)) {
      const close = code.indexOf(
        language.block_comment[1],
        position + language.block_comment[0].length,
      )
      end = close === -1 ? code.length : close + language.block_comment[1].length
    } else if (character === '"' || character === "'" || character === '`') {
      end = closingQuote(code, position, code.length) + 1
    }
    if (end === -1) {
      position += 1
      continue
    }
    parts.push(code.slice(from, position), ' ')
    from = position = end
  }
  parts.push(code.slice(from))
  return parts.join('')
}
