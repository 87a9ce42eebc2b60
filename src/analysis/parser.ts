import { createRequire } from 'node:module'
import type ParserType from 'tree-sitter'
import type { Language } from './language-registry.js'

export type SyntaxNode = ParserType.SyntaxNode
export type Tree = ParserType.Tree
type Parser = ParserType

const require = createRequire(import.meta.url)
// require() rather than import: node's ES module loader would first scan the package's source
// for its export names, which costs more at start-up than loading it.
const Parser = require('tree-sitter') as typeof ParserType
const grammars = new Map<string, Promise<unknown>>()
const parsers = new Map<string, Parser>()

/**
 * Loads a grammar package. `import()` rather than `require()`: some grammar packages
 * (tree-sitter-c-sharp) are ES modules with top-level await.
 */
async function loadGrammar(language: Language): Promise<unknown> {
  const { package: packageName, export: exportName } = language.grammar
  let loading = grammars.get(packageName + (exportName ?? ''))
  if (!loading) {
    loading = requireOrImport(packageName).then((module: Record<string, unknown>) => {
      const root = (module.default ?? module) as Record<string, unknown>
      const grammar = exportName ? root[exportName] : root
      if (!grammar)
        throw new Error(`Grammar package '${packageName}' has no export '${exportName}'`)
      return grammar
    })
    grammars.set(packageName + (exportName ?? ''), loading)
  }
  return loading
}

/** The package by require() when it is CommonJS (cheaper to load), else by import(). */
async function requireOrImport(packageName: string): Promise<Record<string, unknown>> {
  const path = require.resolve(packageName)
  try {
    return require(path) as Record<string, unknown>
  } catch (error) {
    const code = (error as { code?: string }).code
    if (code !== 'ERR_REQUIRE_ESM' && code !== 'ERR_REQUIRE_ASYNC_MODULE') throw error
    return (await import(path)) as Record<string, unknown>
  }
}

/** A parser for `language`, created once per process (each analysis worker has its own) and reused. */
export async function parserFor(language: Language): Promise<Parser> {
  let parser = parsers.get(language.id)
  if (!parser) {
    parser = new Parser()
    parser.setLanguage((await loadGrammar(language)) as ParserType.Language)
    parsers.set(language.id, parser)
  }
  return parser
}

/**
 * Parses `source`. The native binding copies the input through a buffer whose default size is
 * too small for large files, so it is sized to the input.
 */
export function parse(parser: Parser, source: string): Tree {
  return parser.parse(source, undefined, {
    bufferSize: Math.max(32 * 1024, source.length * 2 + 16),
  })
}
