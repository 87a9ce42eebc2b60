import type { Llama, LlamaGrammar } from 'node-llama-cpp'
import { AppError } from '../../../errors.js'

/** Longest fence tag accepted; language ids and their aliases are far shorter. */
const MAX_TAG_LENGTH = 40

/** A GBNF string literal: quotes, backslashes and control characters escaped. */
function literal(text: string): string {
  const escaped = text.replace(/[\\"]/g, (character) => `\\${character}`)
  return `"${escaped}"`
}

/** The tags as the grammar uses them: unique, sorted, checked (they come from language data). */
export function normaliseTags(tags: readonly string[]): string[] {
  for (const tag of tags) {
    if (tag.length === 0 || tag.length > MAX_TAG_LENGTH || /[\s`\p{Cc}]/u.test(tag)) {
      throw new AppError(
        'APP_ERR_INTERNAL',
        `Fence tag '${tag.slice(0, MAX_TAG_LENGTH)}' cannot be used in a code-block grammar`,
      )
    }
  }
  return [...new Set(tags)].sort()
}

/**
 * GBNF (llama.cpp's grammar format) for exactly one fenced code block: "```", one of `tags` or
 * none, optionally a space and one of `files`, a line break, lines that do not start with "```" (they may contain backticks
 * elsewhere), and the closing "```". Nothing before or after it, so a model cannot answer with prose.
 */
export function codeBlockGrammar(tags: readonly string[], files: readonly string[] = []): string {
  const names = normaliseTags(tags)
  const tag = names.length > 0 ? `( ${names.map(literal).join(' | ')} )?` : '""'
  const named = normaliseTags(files)
  // After the tag, a file name may follow: a fix names the test file ("\`\`\`python test_x.py").
  const info = named.length > 0 ? `( " " ( ${named.map(literal).join(' | ')} ) )?` : '""'
  return [
    `root ::= "\`\`\`" tag info "\\n" line* "\`\`\`"`,
    `tag ::= ${tag}`,
    `info ::= ${info}`,
    // A line may start with at most two backticks followed by something else, so that only the
    // closing fence starts with three.
    `line ::= ( [^\`\\n] [^\\n]* | "\`" ( [^\`\\n] [^\\n]* )? | "\`\`" ( [^\`\\n] [^\\n]* )? )? "\\n"`,
    '',
  ].join('\n')
}

const byBinding = new WeakMap<Llama, CodeBlockGrammars>()

/** The grammar cache of a llama.cpp binding, kept across model loads. */
export function grammarsFor(llama: Llama): CodeBlockGrammars {
  let grammars = byBinding.get(llama)
  if (!grammars) {
    grammars = new CodeBlockGrammars(llama)
    byBinding.set(llama, grammars)
  }
  return grammars
}

/** Compiled grammars of one llama.cpp binding, by tag set: compiling one costs a few ms. */
export class CodeBlockGrammars {
  private readonly grammars = new Map<string, Promise<LlamaGrammar>>()

  constructor(private readonly llama: Llama) {}

  /** The grammar for `tags` and `files`, compiled on first use. */
  get(tags: readonly string[], files: readonly string[] = []): Promise<LlamaGrammar> {
    const key = `${normaliseTags(tags).join('\n')}\0${normaliseTags(files).join('\n')}`
    let grammar = this.grammars.get(key)
    if (!grammar) {
      grammar = this.llama.createGrammar({ grammar: codeBlockGrammar(tags, files) })
      grammar.catch(() => this.grammars.delete(key))
      this.grammars.set(key, grammar)
    }
    return grammar
  }
}
