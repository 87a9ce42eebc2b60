import Parser from 'tree-sitter'
import { parse, type SyntaxNode, type Tree } from '../parser.js'
import type { SyntaxErrorReport, SyntaxWarningReport } from '../../schemas/analysis.js'
import type { SyntaxErrorFound } from '../walk.js'
import { syntaxErrorReports } from './tree-errors.js'
import { swapInStandIns } from './stand-ins.js'
import type { SyntaxInput, SyntaxVerdict } from './verdict.js'
import type { SyntaxRules } from './preprocessor-rules.js'

type PreprocessorRules = NonNullable<SyntaxRules['preprocessor']>
type MacroRules = NonNullable<SyntaxRules['macros']>

/**
 * Tree-sitter parses C, C++ and C# as written, before the preprocessor: a macro
 * (`FMT_BEGIN_NAMESPACE`, `FMT_API void f();`) or the branches of an `#if` region, each
 * incomplete alone, look like syntax errors where the compiler finds none. So, when the tree
 * holds errors, the source is rewritten twice, each time keeping every offset and line break:
 * first with one branch of each conditional region kept and the directives blanked, then also
 * with macro-like spots blanked. An error that no longer appears on its lines in a rewrite is a
 * warning with the reason of that rewrite; an error that survives both is an error.
 */

/** Replaces `text[start, end)` by spaces, keeping line breaks, so positions stay exact. */
function blank(chars: string[], start: number, end: number): void {
  for (let i = start; i < end; i++) {
    if (chars[i] !== '\n' && chars[i] !== '\r') chars[i] = ' '
  }
}

/** The condition of a directive as a plain word: `defined(__cplusplus)` → `__cplusplus`. */
function conditionWord(text: string): string {
  return text
    .replace(/\/\/.*$|\/\*.*?\*\//g, '')
    .replace(/\bdefined\b/g, '')
    .replace(/[()\s]/g, '')
}

interface Region {
  /** Whether the current branch is the one kept. */
  keeping: boolean
  /** Whether a branch of the region has been kept already. */
  taken: boolean
}

/**
 * The source with one branch of each conditional region kept (the first not known to be false)
 * and every directive line blanked: what one configuration of the compiler would see.
 */
export function keepOneBranch(code: string, rules: PreprocessorRules): string {
  const chars = code.split('')
  const opening = new Set(rules.opening)
  const negated = new Set(rules.negated)
  const branches = new Set(rules.branches)
  const closing = new Set(rules.closing)
  const falseConditions = new Set(rules.false_conditions)
  const regions: Region[] = []
  const active = () => regions.every((region) => region.keeping)
  const isFalse = (directive: string, condition: string) =>
    negated.has(directive) ? false : falseConditions.has(conditionWord(condition))

  let start = 0
  while (start < chars.length) {
    let end = chars.indexOf('\n', start)
    if (end === -1) end = chars.length
    const line = chars.slice(start, end).join('')
    const trimmed = line.trimStart()
    if (trimmed.startsWith(rules.directive)) {
      // A directive may continue over the following lines.
      while (
        rules.continuation &&
        chars.slice(start, end).join('').trimEnd().endsWith(rules.continuation) &&
        end < chars.length
      ) {
        const next = chars.indexOf('\n', end + 1)
        end = next === -1 ? chars.length : next
      }
      const match = /^\s*(\w+)(.*)$/s.exec(trimmed.slice(rules.directive.length))
      const name = match?.[1] ?? ''
      const condition = match?.[2] ?? ''
      if (opening.has(name)) {
        const keeping = !isFalse(name, condition)
        regions.push({ keeping, taken: keeping })
      } else if (branches.has(name)) {
        const region = regions.at(-1)
        if (region) {
          region.keeping = !region.taken && !(condition.trim() !== '' && isFalse(name, condition))
          region.taken ||= region.keeping
        }
      } else if (closing.has(name)) {
        regions.pop()
      }
      blank(chars, start, end)
    } else if (!active()) {
      blank(chars, start, end)
    }
    start = end + 1
  }
  return chars.join('')
}

/** The index just past the parenthesis that closes the one at `open`, or -1. */
function closingParenthesis(chars: readonly string[], open: number): number {
  let depth = 0
  let quote: string | null = null
  for (let i = open; i < chars.length; i++) {
    const char = chars[i]
    if (quote) {
      if (char === '\\') i++
      else if (char === quote) quote = null
    } else if (char === '"' || char === "'") quote = char
    else if (char === '(') depth++
    else if (char === ')' && --depth === 0) return i + 1
  }
  return -1
}

/**
 * Whether the `)` at `close` ends a parameter list (its `(` follows a name or a declarator:
 * `void f(int n)`, `void (*f)(void)`), not a cast (`(char *)`), after which a macro is a value.
 */
function closesParameters(text: string, close: number): boolean {
  let depth = 0
  for (let i = close; i >= 0; i--) {
    if (text[i] === ')') depth++
    else if (text[i] === '(' && --depth === 0)
      return /[\w)]\s*$/.test(text.slice(Math.max(0, i - 64), i))
  }
  return false
}

const IDENTIFIER = /[A-Za-z_]\w*/g
const isBlank = (char: string | undefined) => char === ' ' || char === '\t'
const startsIdentifier = (char: string | undefined) => char !== undefined && /[A-Za-z_]/.test(char)

/**
 * The source with macro-like spots rewritten, each spot kept at its length:
 * - a macro name, with its arguments, blanked where it stands alone on its line
 *   (`FMT_BEGIN_NAMESPACE`, `REDIS_NO_SANITIZE("bounds")`), in front of a declaration
 *   (`FMT_API void f();`, `FMT_CONSTEXPR20 (x)`), of a block (`TEST("name") {`) or of a string
 *   (`STRINGIFY(X) " characters"`);
 * - one in a list (`template <typename T, FMT_ENABLE_IF(cond)>`) turned into one identifier;
 * - one followed by a colon first on its line (`JSON_PRIVATE_UNLESS_TESTED:`) replaced by the
 *   language's access word, when it has one;
 * - any name in front of a type word (`static redisAtomic size_t n;`) blanked;
 * - a name with arguments heading a block (`run_with_period(100) {`) blanked;
 * - the arguments of macros that take a type (`va_arg(ap, char *)`) blanked;
 * - one trailing a declarator (`int n GUARDED_BY(mu);`, `void f(...) PRINTF(1, 2);`,
 *   `x ALIGN8 = {`) or naming a class (`class FMT_API("x") name`) blanked;
 * - calls that carry no syntax (`__attribute__((x))`) blanked wherever they stand;
 * - one between a block and a block (`} JSON_CATCH (e&) {`) replaced by the handler word.
 */
export function blankMacros(code: string, rules: MacroRules): string {
  const chars = code.split('')
  const text = code
  const name = new RegExp(`^(?:${rules.name_pattern})$`)
  const keywords = new Set(rules.keywords)
  const typeCalls = new Set(rules.type_argument_calls)
  const typeWords = new Set(rules.type_words)
  const blankedCalls = new Set(rules.blanked_calls)
  const trailingAfter = new Set(rules.trailing_after)
  const tagWords = new Set(rules.tag_words)
  const typeAfter = new Set(rules.type_after)
  for (const match of text.matchAll(IDENTIFIER)) {
    const word = match[0]
    const start = match.index
    if (chars[start] !== text[start]) continue // rewritten already
    const nameEnd = start + word.length
    let after = nameEnd
    while (isBlank(chars[after])) after++
    if (blankedCalls.has(word) && chars[after] === '(') {
      const end = closingParenthesis(chars, after)
      if (end > 0) blank(chars, start, end)
      continue
    }
    if (keywords.has(word)) continue
    if (typeCalls.has(word) && chars[after] === '(') {
      const end = closingParenthesis(chars, after)
      if (end > 0) blank(chars, after + 1, end - 1)
      continue
    }
    const lineStart = text.lastIndexOf('\n', start - 1) + 1
    const firstOnLine = text.slice(lineStart, start).trim() === ''
    const call = chars[nameEnd] === '(' ? closingParenthesis(chars, nameEnd) : -1
    let next = call > 0 ? call : nameEnd
    while (isBlank(chars[next])) next++
    const follower = chars[next]
    if (!name.test(word)) {
      const wordAfter = /^[A-Za-z_]\w*/.exec(text.slice(after, after + 64))?.[0]
      if (call < 0 && wordAfter && typeWords.has(wordAfter) && !typeWords.has(word)) {
        blank(chars, start, nameEnd)
      } else if (call > 0 && firstOnLine && follower === '{') {
        blank(chars, start, call)
      }
      continue
    }
    const end = call > 0 ? call : nameEnd
    const lineEnd = next >= chars.length || follower === '\n' || follower === '\r'
    // What stands before the name on its line: a declarator's end (`n`, `)`) or a tag word.
    const before = /(\w+|\S)\s*$/.exec(text.slice(lineStart, start))?.[1] ?? ''
    const trailing =
      ((before === ')' && closesParameters(text, text.lastIndexOf(')', start))) ||
        before === ']' ||
        /^\w+$/.test(before)) &&
      (!keywords.has(before) || trailingAfter.has(before)) &&
      !tagWords.has(before) &&
      !typeWords.has(before) &&
      (lineEnd || ';{=,)'.includes(follower ?? '') || (follower === ':' && chars[next + 1] !== ':'))
    // `} JSON_CATCH (std::exception&) {`: the macro stands for the handler keyword.
    const handlerArguments = chars[after] === '(' ? closingParenthesis(chars, after) : -1
    let handlerNext = handlerArguments > 0 ? handlerArguments : after
    while (/\s/.test(chars[handlerNext] ?? '')) handlerNext++
    const afterBlock = /\}\s*$/.test(text.slice(Math.max(0, start - 256), start))
    if (rules.handler_word && afterBlock && chars[handlerNext] === '{') {
      const stand = handlerArguments > 0 ? rules.handler_word : `${rules.handler_word}(...)`
      if (stand.length <= word.length) {
        blank(chars, start, nameEnd)
        chars.splice(start, stand.length, ...stand.split(''))
        continue
      }
    }
    if (
      (firstOnLine && (lineEnd || follower === ';')) ||
      trailing ||
      (call > 0 && tagWords.has(before) && startsIdentifier(follower)) ||
      follower === '{' ||
      follower === '"' ||
      (call < 0 && (follower === '(' || follower === '~')) ||
      (call < 0 && startsIdentifier(follower) && !typeAfter.has(before))
    ) {
      blank(chars, start, end)
    } else if (call > 0 && (follower === '>' || follower === ',')) {
      // One identifier on the macro's first line; its other lines blank.
      const firstLineEnd = text.indexOf('\n', nameEnd)
      const cut = firstLineEnd < 0 || firstLineEnd > end ? end : firstLineEnd
      for (let i = nameEnd; i < cut; i++) chars[i] = '_'
      blank(chars, cut, end)
    } else if (
      firstOnLine &&
      follower === ':' &&
      chars[next + 1] !== ':' &&
      rules.access_word &&
      rules.access_word.length <= end - start
    ) {
      blank(chars, start, end)
      chars.splice(start, rules.access_word.length, ...rules.access_word.split(''))
    }
  }
  return chars.join('')
}

/** The ERROR and MISSING nodes of a tree, as the walk reports them. */
function treeErrors(tree: Tree): SyntaxErrorFound[] {
  const found: SyntaxErrorFound[] = []
  const visit = (node: SyntaxNode) => {
    if (node.type === 'ERROR' || node.isMissing) {
      found.push({ node, missing: node.isMissing })
      return
    }
    for (const child of node.children) if (child.hasError || child.isMissing) visit(child)
  }
  if (tree.rootNode.hasError) visit(tree.rootNode)
  return found
}

/** One parser per grammar for the rewrites, made from the tree's own grammar. */
const parsers = new Map<unknown, Parser>()
function reparse(tree: Tree, source: string): Tree {
  const language = (tree as unknown as { language: Parser.Language }).language
  let parser = parsers.get(language)
  if (!parser) {
    parser = new Parser()
    parser.setLanguage(language)
    parsers.set(language, parser)
  }
  return parse(parser, source)
}

/** Whether two reports share a line. */
const overlap = (a: SyntaxErrorReport, b: SyntaxErrorReport) =>
  a.line <= b.end_line && b.line <= a.end_line

type Rewrite = [SyntaxWarningReport['reason'], (code: string) => string]

/** The syntax authority of languages with a `syntax` key: see the comment at the top. */
export function preprocessorVerdict(input: SyntaxInput, fromTree: SyntaxVerdict): SyntaxVerdict {
  const rules = input.language.syntax
  if (!rules || fromTree.errors.length === 0) return fromTree
  const rewrites: Rewrite[] = []
  const { preprocessor, macros } = rules
  if (preprocessor) rewrites.push(['preprocessor', (code) => keepOneBranch(code, preprocessor)])
  if (macros) rewrites.push(['macro', (code) => blankMacros(code, macros)])
  // The grammar's listed gaps, each swapped for a stand-in it parses (`extern template` in C++).
  const gaps = input.language.grammar_limits?.gaps ?? []
  if (gaps.length > 0) rewrites.push(['parser-limit', (code) => swapInStandIns(code, gaps)])

  let errors: SyntaxErrorReport[] = fromTree.errors
  const warnings: SyntaxWarningReport[] = [...fromTree.warnings]
  let source = input.code
  // The last rewrite's own errors: where an error survives, they point at it more exactly
  // (an unclosed brace at the end, not at a macro the original tree stumbled on first).
  let rewritten: SyntaxErrorReport[] = []
  for (const [reason, rewrite] of rewrites) {
    source = rewrite(source)
    rewritten = syntaxErrorReports(treeErrors(reparse(input.tree, source)), input.lines)
    const remaining: SyntaxErrorReport[] = []
    for (const error of errors) {
      if (rewritten.some((other) => overlap(error, other))) remaining.push(error)
      else warnings.push({ ...error, reason })
    }
    errors = remaining
    if (errors.length === 0) break
  }
  if (errors.length > 0) {
    const surviving = errors
    errors = rewritten.filter((error) => surviving.some((original) => overlap(original, error)))
  }
  const limits = (rules.parser_limits ?? []).map((pattern) => new RegExp(pattern))
  if (limits.length > 0) {
    // A line holding a construct the grammar is known not to cover cannot be judged by it.
    const judged = errors
    errors = []
    for (const error of judged) {
      const line = input.lines[error.line - 1] ?? ''
      if (limits.some((limit) => limit.test(line)))
        warnings.push({ ...error, reason: 'parser-limit' })
      else errors.push(error)
    }
  }
  return { errors, warnings, checker: fromTree.checker }
}
