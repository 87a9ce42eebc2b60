import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Language } from '../../analysis/language-registry.js'
import { promptsDir } from '../../paths.js'
import type { ChatMessage } from '../../ports/llm-provider.js'

const TEMPLATES = ['system', 'code', 'repair', 'continue', 'tests', 'docs', 'docs-system'] as const
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

/**
 * The user's text, made safe to place between `<request>` tags: a `</request>` inside it
 * cannot close the block early and pass the rest off as our instructions.
 */
export function quoteRequest(text: string): string {
  return text.replace(/<\s*\/?\s*request\s*>/gi, (tag) => tag.replace(/</g, '‹').replace(/>/g, '›'))
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
        content: this.render('code', { ...this.facts(language), request: quoteRequest(request) }),
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
          request: quoteRequest(request),
          code: code.trimEnd(),
        }),
      },
    ]
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
