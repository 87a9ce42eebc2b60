import type { RawCounts } from './profile.js'

/*
 * radon `raw` counts, reproduced token for token.
 *
 * radon strips every physical line (Python `str.splitlines` + `str.strip`), then re-tokenizes the
 * shortest run of stripped lines that Python 3.11's pure-Python `tokenize` accepts without a
 * TokenError or an ERRORTOKEN, and classifies that run. The tokenizer below is a port of
 * `tokenize._tokenize` that keeps only what the counts need. radon re-tokenizes the growing buffer
 * from scratch after every added line (quadratic on long strings); the tokenizer only ever looks at
 * one line at a time, so the same answer comes from feeding lines incrementally: each line is tried
 * once as the buffer's last line (no trailing newline, then end of input) and, if the buffer is
 * still incomplete, fed again with its newline.
 */

// Token classes the counts distinguish. NAME, NUMBER and most OPs are all TOKEN_OTHER.
const TOKEN_OTHER = 0
const TOKEN_COLON = 1
const TOKEN_SEMICOLON = 2
const TOKEN_COMMENT = 3
const TOKEN_NL = 4
const TOKEN_NEWLINE = 5
const TOKEN_STRING_ONE_LINE = 6
const TOKEN_STRING_MULTI_LINE = 7
const TOKEN_ERROR = 8
const TOKEN_END = 9

const STRING_PREFIX = '(?:[bB][rR]?|[rR][bBfF]?|[uU]|[fF][rR]?)?'
const NUMBER = (() => {
  const digits = '[0-9](?:_?[0-9])*'
  const exponent = `[eE][-+]?${digits}`
  const pointFloat = `(?:${digits}\\.(?:${digits})?|\\.${digits})(?:${exponent})?`
  const expFloat = `${digits}${exponent}`
  const floatNumber = `(?:${pointFloat}|${expFloat})`
  const imaginary = `(?:${digits}[jJ]|${floatNumber}[jJ])`
  const integer =
    '(?:0[xX](?:_?[0-9a-fA-F])+|0[bB](?:_?[01])+|0[oO](?:_?[0-7])+|(?:0(?:_?0)*|[1-9](?:_?[0-9])*))'
  return `(?:${imaginary}|${floatNumber}|${integer})`
})()
// tokenize sorts the operators in reverse so that the longest of a common prefix comes first.
const OPERATORS = [
  '~', '}', '|=', '|', '{', '^=', '^', ']', '[', '@=', '@', '>>=', '>>', '>=', '>', '==', '=', '<=',
  '<<=', '<<', '<', ';', ':=', ':', '/=', '//=', '//', '/', '...', '.', '->', '-=', '-', ',', '+=',
  '+', '*=', '**=', '**', '*', ')', '(', '&=', '&', '%=', '%', '!=',
] // prettier-ignore
const SPECIAL = OPERATORS.map((operator) => operator.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&')).join(
  '|',
)
const TRIPLE = `${STRING_PREFIX}(?:'''|""")`
const CONTINUED_STRING =
  `${STRING_PREFIX}'[^\\n'\\\\]*(?:\\\\.[^\\n'\\\\]*)*(?:'|\\\\\\r?\\n)|` +
  `${STRING_PREFIX}"[^\\n"\\\\]*(?:\\\\.[^\\n"\\\\]*)*(?:"|\\\\\\r?\\n)`
// `tokenize.PseudoToken` without its leading whitespace, which the scanner skips by hand.
// Python's `\w` on str patterns is Unicode-aware; JavaScript's is ASCII-only.
const PSEUDO_TOKEN = new RegExp(
  `\\\\\\r?\\n|$|#[^\\r\\n]*|${TRIPLE}|${NUMBER}|\\r?\\n|${SPECIAL}|${CONTINUED_STRING}|[\\p{L}\\p{N}_]+`,
  'uy',
)
const END_SINGLE = /[^'\\]*(?:\\.[^'\\]*)*'/uy
const END_DOUBLE = /[^"\\]*(?:\\.[^"\\]*)*"/uy
const END_SINGLE3 = /[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*'''/uy
const END_DOUBLE3 = /[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*"""/uy
const STRING_START = /^(?:[bB][rR]?|[rR][bBfF]?|[uU]|[fF][rR]?)?(['"])/
const IDENTIFIER_START = /[\p{ID_Start}_]/u

/** Tokenizer state carried from one line of a buffer to the next. */
interface TokenizerState {
  parenthesisLevel: number
  continued: boolean
  /** The end pattern of a string still open at the end of the previous line. */
  openString: RegExp | undefined
  /** The open string is single-quoted and continued with a backslash. */
  needsContinuation: boolean
  tokens: number[]
  /** ERRORTOKENs so far: radon keeps adding lines while the buffer has any. */
  errors: number
}

function skipWhitespace(line: string, position: number): number {
  while (position < line.length) {
    const character = line.charCodeAt(position)
    if (character !== 0x20 && character !== 0x09 && character !== 0x0c) break
    position++
  }
  return position
}

function isAsciiWordCharacter(code: number): boolean {
  return (
    (code >= 0x61 && code <= 0x7a) ||
    (code >= 0x41 && code <= 0x5a) ||
    (code >= 0x30 && code <= 0x39) ||
    code === 0x5f
  )
}

/**
 * The common tokens, scanned without the pseudo-token regex: ASCII names that cannot be a
 * string prefix, and punctuation that starts no longer operator. Returns the token's end, or
 * `start` when the regex must decide.
 */
function scanSimpleToken(line: string, start: number, state: TokenizerState): number {
  const code = line.charCodeAt(start)
  if ((code >= 0x61 && code <= 0x7a) || (code >= 0x41 && code <= 0x5a) || code === 0x5f) {
    let end = start + 1
    while (end < line.length && isAsciiWordCharacter(line.charCodeAt(end))) end++
    const next = line.charCodeAt(end)
    // A quote may make the name a string prefix; a non-ASCII letter may continue it.
    if (next === 0x22 || next === 0x27 || next >= 0x80) return start
    state.tokens.push(TOKEN_OTHER)
    return end
  }
  switch (code) {
    case 0x28: // (
    case 0x5b: // [
    case 0x7b: // {
      state.parenthesisLevel++
      state.tokens.push(TOKEN_OTHER)
      return start + 1
    case 0x29: // )
    case 0x5d: // ]
    case 0x7d: // }
      state.parenthesisLevel--
      state.tokens.push(TOKEN_OTHER)
      return start + 1
    case 0x2c: // ,
    case 0x7e: // ~
      state.tokens.push(TOKEN_OTHER)
      return start + 1
    case 0x3b: // ;
      state.tokens.push(TOKEN_SEMICOLON)
      return start + 1
    case 0x3a: // : but not :=
      if (line.charCodeAt(start + 1) === 0x3d) return start
      state.tokens.push(TOKEN_COLON)
      return start + 1
    default:
      return start
  }
}

/**
 * Feeds one line, as `readline` would return it, to the tokenizer. An empty `line` is the end of
 * input. Returns false where Python raises TokenError (end of input inside a string or statement).
 */
function tokenizeLine(state: TokenizerState, line: string): boolean {
  const tokens = state.tokens
  let position = 0
  const length = line.length
  if (state.openString) {
    if (!line) return false
    const pattern = state.openString
    pattern.lastIndex = 0
    if (pattern.test(line)) {
      position = pattern.lastIndex
      tokens.push(TOKEN_STRING_MULTI_LINE)
      state.openString = undefined
      state.needsContinuation = false
    } else if (state.needsContinuation && !line.endsWith('\\\n')) {
      tokens.push(TOKEN_ERROR)
      state.errors++
      state.openString = undefined
      return true
    } else {
      return true
    }
  } else if (state.parenthesisLevel === 0 && !state.continued) {
    if (!line) return true
    position = skipWhitespace(line, 0)
    if (position === length) return true
    const first = line[position]
    if (first === '#' || first === '\r' || first === '\n') {
      if (first === '#') tokens.push(TOKEN_COMMENT)
      tokens.push(TOKEN_NL)
      return true
    }
  } else {
    if (!line) return false
    state.continued = false
  }

  while (position < length) {
    const start = skipWhitespace(line, position)
    const fast = scanSimpleToken(line, start, state)
    if (fast > start) {
      position = fast
      continue
    }
    PSEUDO_TOKEN.lastIndex = start
    const match = PSEUDO_TOKEN.exec(line)
    if (!match) {
      tokens.push(TOKEN_ERROR)
      state.errors++
      position++
      continue
    }
    const token = match[0]
    const end = start + token.length
    position = end
    if (start === end) continue
    const initial = token[0] ?? ''
    if (
      (initial >= '0' && initial <= '9') ||
      (initial === '.' && token !== '.' && token !== '...')
    ) {
      tokens.push(TOKEN_OTHER)
    } else if (initial === '\r' || initial === '\n') {
      tokens.push(state.parenthesisLevel > 0 ? TOKEN_NL : TOKEN_NEWLINE)
    } else if (initial === '#') {
      tokens.push(TOKEN_COMMENT)
    } else if (token.endsWith("'''") || token.endsWith('"""')) {
      const pattern = token.endsWith("'''") ? END_SINGLE3 : END_DOUBLE3
      pattern.lastIndex = position
      if (pattern.test(line)) {
        position = pattern.lastIndex
        tokens.push(TOKEN_STRING_ONE_LINE)
      } else {
        state.openString = pattern
        return true
      }
    } else if (STRING_START.test(token)) {
      if (token.endsWith('\n')) {
        state.openString = STRING_START.exec(token)?.[1] === "'" ? END_SINGLE : END_DOUBLE
        state.needsContinuation = true
        return true
      }
      tokens.push(TOKEN_STRING_ONE_LINE)
    } else if (IDENTIFIER_START.test(initial)) {
      tokens.push(TOKEN_OTHER)
    } else if (initial === '\\') {
      state.continued = true
    } else {
      if (initial === '(' || initial === '[' || initial === '{') state.parenthesisLevel++
      else if (initial === ')' || initial === ']' || initial === '}') state.parenthesisLevel--
      tokens.push(token === ':' ? TOKEN_COLON : token === ';' ? TOKEN_SEMICOLON : TOKEN_OTHER)
    }
  }
  return true
}

/** Whether the buffer fed so far ends cleanly: the end of input raises no TokenError. */
function endsCleanly(state: TokenizerState): boolean {
  if (state.openString) return false
  return state.parenthesisLevel === 0 && !state.continued
}

/** radon `_logical`: logical lines in one buffer, split on `;`, with radon's colon rule. */
function logicalLines(tokens: readonly number[]): number {
  let total = 0
  let processed = 0
  let lastColon = -1
  let significant = 0
  // One pass more than there are tokens: the last finishes the buffer as a `;` would.
  for (let index = 0; index <= tokens.length; index++) {
    const token = index < tokens.length ? tokens[index] : TOKEN_SEMICOLON
    if (token === TOKEN_SEMICOLON) {
      if (lastColon >= 0) total += lastColon === processed - 2 ? 1 : 2
      else if (significant > 0) total += 1
      processed = 0
      lastColon = -1
      significant = 0
      continue
    }
    if (token === TOKEN_COMMENT || token === TOKEN_NL || token === TOKEN_NEWLINE) continue
    if (token === TOKEN_COLON) lastColon = processed
    if (token !== TOKEN_END) significant++
    processed++
  }
  return total
}

/** Whether the buffer is one token of `kind` followed only by line ends and the end marker. */
function isSingleToken(tokens: readonly number[], kind: number): boolean {
  if (tokens[0] !== kind) return false
  for (let index = 1; index < tokens.length; index++) {
    const token = tokens[index]
    if (token !== TOKEN_END && token !== TOKEN_NL && token !== TOKEN_NEWLINE) return false
  }
  return true
}

/** What `str.splitlines` breaks on: more than \n and \r. */
function isLineBreak(code: number): boolean {
  return (
    (code >= 0x0a && code <= 0x0d) ||
    (code >= 0x1c && code <= 0x1e) ||
    code === 0x85 ||
    code === 0x2028 ||
    code === 0x2029
  )
}

/** What `str.strip()` strips: the characters `str.isspace` accepts. */
function isPythonSpace(code: number): boolean {
  if (code <= 0x20) return code === 0x20 || (code >= 0x09 && code <= 0x0d) || code >= 0x1c
  if (code < 0x85) return false
  return (
    code === 0x85 ||
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000
  )
}

function strip(source: string, start: number, end: number): string {
  while (start < end && isPythonSpace(source.charCodeAt(start))) start++
  while (end > start && isPythonSpace(source.charCodeAt(end - 1))) end--
  return source.slice(start, end)
}

/** Python's `source.splitlines()` with each line stripped, as radon reads a file. */
export function strippedLines(source: string): string[] {
  const lines: string[] = []
  let start = 0
  for (let index = 0; index < source.length; index++) {
    const code = source.charCodeAt(index)
    if (!isLineBreak(code)) continue
    lines.push(strip(source, start, index))
    if (code === 0x0d && source.charCodeAt(index + 1) === 0x0a) index++
    start = index + 1
  }
  // splitlines yields no empty line after a final line break.
  if (start < source.length) lines.push(strip(source, start, source.length))
  return lines
}

/**
 * radon `raw` counts of a Python source, or undefined where radon raises SyntaxError (the end of
 * the file inside an unterminated string or bracket).
 */
export function radonRawCounts(source: string): RawCounts | undefined {
  const lines = strippedLines(source.startsWith('\ufeff') ? source.slice(1) : source)
  let lloc = 0
  let comments = 0
  let singleComments = 0
  let multi = 0
  let blank = 0
  let sloc = 0
  const state: TokenizerState = {
    parenthesisLevel: 0,
    continued: false,
    openString: undefined,
    needsContinuation: false,
    tokens: [],
    errors: 0,
  }
  let first = 0
  while (first < lines.length) {
    state.parenthesisLevel = 0
    state.continued = false
    state.openString = undefined
    state.needsContinuation = false
    state.tokens.length = 0
    state.errors = 0
    let last = first
    for (;;) {
      const line = lines[last] ?? ''
      const saved: Omit<TokenizerState, 'tokens'> & { tokenCount: number } = {
        parenthesisLevel: state.parenthesisLevel,
        continued: state.continued,
        openString: state.openString,
        needsContinuation: state.needsContinuation,
        tokenCount: state.tokens.length,
        errors: state.errors,
      }
      const complete = tokenizeLine(state, line) && tokenizeLine(state, '') && endsCleanly(state)
      if (complete && state.errors === 0) break
      state.parenthesisLevel = saved.parenthesisLevel
      state.continued = saved.continued
      state.openString = saved.openString
      state.needsContinuation = saved.needsContinuation
      state.tokens.length = saved.tokenCount
      state.errors = saved.errors
      tokenizeLine(state, line + '\n')
      last++
      if (last >= lines.length) return undefined
    }
    const tokens = state.tokens
    tokens.push(TOKEN_END)
    for (const token of tokens) if (token === TOKEN_COMMENT) comments++
    if (isSingleToken(tokens, TOKEN_COMMENT)) {
      singleComments++
    } else if (isSingleToken(tokens, TOKEN_STRING_ONE_LINE)) {
      singleComments++
    } else if (isSingleToken(tokens, TOKEN_STRING_MULTI_LINE)) {
      for (let index = first; index <= last; index++) {
        if (lines[index]) multi++
        else blank++
      }
    } else {
      for (let index = first; index <= last; index++) {
        if (lines[index]) sloc++
        else blank++
      }
    }
    lloc += logicalLines(tokens)
    first = last + 1
  }
  return {
    loc: sloc + blank + multi + singleComments,
    lloc,
    sloc,
    comments,
    multi,
    blank,
    single_comments: singleComments,
  }
}
