import { StreamLanguage, type StreamParser } from '@codemirror/language'
import type { Extension } from '@codemirror/state'

/*
 * The syntax mode for each Verigen language id. Every entry is its own dynamic import, so a
 * visitor fetches only the mode of the language on screen. Languages without a Lezer grammar use
 * CodeMirror's legacy stream modes (Ruby, shell, Swift, and C#/Kotlin/Scala from the C-like mode).
 */

async function legacy(load: () => Promise<StreamParser<unknown>>): Promise<Extension> {
  return StreamLanguage.define(await load())
}

const MODES: Record<string, () => Promise<Extension>> = {
  python: () => import('@codemirror/lang-python').then((m) => m.python()),
  javascript: () => import('@codemirror/lang-javascript').then((m) => m.javascript({ jsx: true })),
  typescript: () =>
    import('@codemirror/lang-javascript').then((m) => m.javascript({ typescript: true })),
  tsx: () =>
    import('@codemirror/lang-javascript').then((m) =>
      m.javascript({ typescript: true, jsx: true }),
    ),
  java: () => import('@codemirror/lang-java').then((m) => m.java()),
  c: () => import('@codemirror/lang-cpp').then((m) => m.cpp()),
  cpp: () => import('@codemirror/lang-cpp').then((m) => m.cpp()),
  rust: () => import('@codemirror/lang-rust').then((m) => m.rust()),
  go: () => import('@codemirror/lang-go').then((m) => m.go()),
  // `plain`: analysed PHP is code, not a template, so the HTML around it is not parsed.
  php: () => import('@codemirror/lang-php').then((m) => m.php({ plain: true })),
  ruby: () => legacy(() => import('@codemirror/legacy-modes/mode/ruby').then((m) => m.ruby)),
  bash: () => legacy(() => import('@codemirror/legacy-modes/mode/shell').then((m) => m.shell)),
  swift: () => legacy(() => import('@codemirror/legacy-modes/mode/swift').then((m) => m.swift)),
  csharp: () => legacy(() => import('@codemirror/legacy-modes/mode/clike').then((m) => m.csharp)),
  kotlin: () => legacy(() => import('@codemirror/legacy-modes/mode/clike').then((m) => m.kotlin)),
  scala: () => legacy(() => import('@codemirror/legacy-modes/mode/clike').then((m) => m.scala)),
}

/** Whether a language id has a syntax mode. */
export function hasMode(language: string | null): boolean {
  return language !== null && Object.hasOwn(MODES, language)
}

/** The syntax mode for a language id; an empty extension (plain text) when it has none. */
export async function loadMode(language: string | null): Promise<Extension> {
  if (language === null || !Object.hasOwn(MODES, language)) return []
  const load = MODES[language]
  return load ? load() : []
}
