import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Language } from '../../analysis/language-registry.js'
import { promptsDir } from '../../paths.js'
import type { ChatMessage } from '../../ports/llm-provider.js'

const TEMPLATES = [
  'system',
  'code',
  'repair',
  'continue',
  'tests',
  'docs',
  'docs-system',
  'fix',
  'stronger-tests',
] as const
type TemplateName = (typeof TEMPLATES)[number]

/** A syntax error as the parse gate reports it to the model. */
export interface ReportedError {
  line: number
  column: number
  message: string
  source_line?: string | undefined
}

function loadTemplates(directory: string): Record<TemplateName, string> {
  const templates = {} as Record<TemplateName, string>
  for (const name of TEMPLATES) {
    templates[name] = readFileSync(join(directory, `${name}.md`), 'utf8').trim()
  }
  return templates
}

const bullets = (items: readonly string[]) => items.map((item) => `- ${item}`).join('\n')

/** The code and tests of a generation, as a fix prompt quotes them. */
export interface FilePair {
  code: string
  tests: string
}

/** Text in a fence longer than any run of backticks inside it, so that it cannot close it. */
function fenced(text: string): string {
  let longest = 2
  for (const run of text.matchAll(/`+/g)) longest = Math.max(longest, run[0].length)
  const fence = '`'.repeat(longest + 1)
  return `${fence}text\n${text.trimEnd()}\n${fence}`
}

/** Characters a model may read as `<` or `>`, after NFKC (which folds ＜ and ﹤ to `<`). */
const OPENER = String.raw`(?:[<‹〈⟨˂❬❮]|&lt;?|&#0*60;?|&#x0*3c;?)`
const CLOSER = String.raw`(?:[>›〉⟩˃❭❯]|&gt;?|&#0*62;?|&#x0*3e;?)`
/** `<request`, `</request`, `< / REQUEST x=1 >`: anything that reads as a request tag. */
const REQUEST_TAG = new RegExp(
  // One `\s*` on each side of the optional slash, never two in a row: two would split a run of
  // spaces every possible way before failing (quadratic in a long prompt).
  String.raw`${OPENER}\s*(?:(?:/|&#0*47;|&#x0*2f;|&sol;)\s*)?request(?:[^\n]{0,200}?${CLOSER})?`,
  'giu',
)
const OPENER_ONLY = new RegExp(OPENER, 'giu')
const CLOSER_ONLY = new RegExp(CLOSER, 'giu')
/** Format characters (zero-width spaces and joiners, bidi controls, soft hyphens, tag characters). */
const FORMAT_CHARACTER = /\p{Cf}/u
const FORMAT_CHARACTERS = /\p{Cf}/gu

/**
 * The text as a model reads it, one code point at a time: NFKC (fullwidth and compatibility forms
 * folded to ASCII) with format characters removed; `origin[i]` is where the code point that gave
 * unit `i` of the view starts in `text`, `origin[view.length]` is `text.length`.
 */
function readableView(text: string): { view: string; origin: number[] } {
  let view = ''
  const origin: number[] = []
  let index = 0
  for (const character of text) {
    if (!FORMAT_CHARACTER.test(character)) {
      const folded = character.normalize('NFKC')
      view += folded
      for (let unit = 0; unit < folded.length; unit++) origin.push(index)
    }
    index += character.length
  }
  origin.push(text.length)
  return { view, origin }
}

/**
 * The user's text, made safe to place inside the request frame: whatever reads as a request tag
 * (`</request x=1>`, a zero-width space or a soft hyphen inside it, fullwidth `＜/request＞`, HTML
 * entities, a trailing `</request`, any case) has its brackets replaced by `‹ ›`, and format
 * characters, invisible to a reader but not to a model, are dropped. The rest is left as typed.
 */
export function quoteRequest(text: string): string {
  const { view, origin } = readableView(text)
  let quoted = ''
  let copied = 0
  for (const match of view.matchAll(REQUEST_TAG)) {
    const start = origin[match.index] ?? text.length
    const end = origin[match.index + match[0].length] ?? text.length
    quoted += text.slice(copied, start).replace(FORMAT_CHARACTERS, '')
    quoted += match[0].replace(OPENER_ONLY, '‹').replace(CLOSER_ONLY, '›')
    copied = end
  }
  return quoted + text.slice(copied).replace(FORMAT_CHARACTERS, '')
}

/**
 * The name of the tags around the user's text in one conversation: `request-` and a random code
 * the text cannot know, so that nothing inside the frame can close it, whatever defusing misses.
 */
export function requestTag(text: string): string {
  for (;;) {
    const tag = `request-${randomBytes(6).toString('hex')}`
    if (!text.toLowerCase().includes(tag)) return tag
  }
}

/**
 * Builds the conversations of a generation from the templates in `prompts/` and the language's
 * `generation` guide. Every placeholder must be filled, so a template typo fails loudly.
 */
export class PromptBuilder {
  private readonly templates: Record<TemplateName, string>

  constructor(directory = promptsDir) {
    this.templates = loadTemplates(directory)
  }

  /** The fence tags a reply in `language` may carry. */
  fenceTags(language: Language): string[] {
    return [
      language.id,
      ...language.aliases,
      ...language.extensions.map((extension) => extension.slice(1)),
    ]
  }

  code(language: Language, request: string): ChatMessage[] {
    return [
      { role: 'system', content: this.render('system', this.facts(language)) },
      {
        role: 'user',
        content: this.render('code', { ...this.facts(language), ...this.framed(request) }),
      },
    ]
  }

  /** The follow-up that sends the parse errors of `file` back to the model. */
  repair(language: Language, file: string, errors: readonly ReportedError[]): ChatMessage {
    const listed = errors
      .map((error) => {
        const where = `line ${error.line}, column ${error.column}: ${error.message}`
        return error.source_line === undefined
          ? `- ${where}`
          : `- ${where}\n    ${error.source_line.trimEnd()}`
      })
      .join('\n')
    return {
      role: 'user',
      content: this.render('repair', { ...this.facts(language), code_file: file, errors: listed }),
    }
  }

  continuation(): ChatMessage {
    return { role: 'user', content: this.templates.continue }
  }

  tests(language: Language, request: string, code: string): ChatMessage[] {
    return this.aboutCode('system', 'tests', language, request, code)
  }

  docs(language: Language, request: string, code: string): ChatMessage[] {
    return this.aboutCode('docs-system', 'docs', language, request, code)
  }

  /** Failing tests quoted back: the model returns corrected code (or, said so, corrected tests). */
  fix(language: Language, request: string, files: FilePair, failures: string, output: string) {
    return this.aboutFiles('fix', language, request, files, { failures, output: fenced(output) })
  }

  /** Tests that passed on a stub of the code, named: the model returns stronger ones. */
  strongerTests(language: Language, request: string, files: FilePair, weak: readonly string[]) {
    return this.aboutFiles('stronger-tests', language, request, files, { weak: bullets(weak) })
  }

  private aboutFiles(
    task: TemplateName,
    language: Language,
    request: string,
    files: FilePair,
    values: Record<string, string>,
  ): ChatMessage[] {
    const facts = this.facts(language)
    return [
      { role: 'system', content: this.render('system', facts) },
      {
        role: 'user',
        content: this.render(task, {
          ...facts,
          ...this.framed(request),
          ...values,
          code: files.code.trimEnd(),
          tests: files.tests.trimEnd(),
        }),
      },
    ]
  }

  /** A conversation about finished code: tests or documentation for it. */
  private aboutCode(
    system: TemplateName,
    task: TemplateName,
    language: Language,
    request: string,
    code: string,
  ): ChatMessage[] {
    const facts = this.facts(language)
    return [
      { role: 'system', content: this.render(system, facts) },
      {
        role: 'user',
        content: this.render(task, {
          ...facts,
          ...this.framed(request),
          code: code.trimEnd(),
        }),
      },
    ]
  }

  /** The user's text and the tag around it, a new tag for every conversation. */
  private framed(request: string): { request: string; request_tag: string } {
    return { request: quoteRequest(request), request_tag: requestTag(request) }
  }

  private facts(language: Language): Record<string, string> {
    const guide = language.generation
    return {
      language: language.name,
      fence: language.id,
      code_file: guide.code_file,
      test_file: guide.test_file,
      test_import: guide.test_import,
      test_framework: language.test_framework,
      doc_style: language.doc_style,
      guidelines: bullets(guide.guidelines),
      error_handling: bullets(guide.error_handling),
      test_conventions: bullets(guide.test_conventions),
      doc_conventions: bullets(guide.doc_conventions),
    }
  }

  private render(name: TemplateName, values: Record<string, string>): string {
    // One pass, so that a value containing `{{x}}` (user text, code) is never expanded.
    return this.templates[name].replace(/\{\{(\w+)\}\}/g, (_match, key: string) => {
      const value = values[key]
      if (value === undefined) throw new Error(`prompts/${name}.md uses unknown {{${key}}}`)
      return value
    })
  }
}
