/*
 * The CodeMirror editor itself, in its own module so the Analyse and Generate pages load it with
 * a dynamic import and it stays out of the first-load bundle.
 *
 * Keyboard: Tab is not bound, so Tab and Shift-Tab move focus out of the editor as everywhere
 * else on the page; indentation is Ctrl-] / Ctrl-[ (CodeMirror's default keymap).
 */
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands'
import { bracketMatching, HighlightStyle, syntaxHighlighting } from '@codemirror/language'
import { lintGutter, lintKeymap, setDiagnostics, type Diagnostic } from '@codemirror/lint'
import {
  Annotation,
  Compartment,
  EditorSelection,
  EditorState,
  type Extension,
} from '@codemirror/state'
import {
  EditorView,
  highlightActiveLine,
  highlightActiveLineGutter,
  highlightSpecialChars,
  keymap,
  lineNumbers,
} from '@codemirror/view'
import { tags as t } from '@lezer/highlight'
import { loadMode } from './language-modes.js'
import { lineRange, rangeOf, type Position } from './positions.js'

/** A problem to mark, as the component receives it. */
export interface MarkedProblem extends Position {
  message: string
  severity: 'error' | 'warning'
}

export interface EditorInit {
  parent: HTMLElement
  value: string
  language: string | null
  label: string
  readOnly: boolean
  minHeight: string
  onChange: (value: string) => void
}

/** What the component drives once the editor exists. */
export interface EditorHandle {
  setValue(value: string): void
  setLanguage(language: string | null): void
  setAttributes(label: string, readOnly: boolean): void
  setDiagnostics(problems: readonly MarkedProblem[]): void
  goTo(line: number): void
  destroy(): void
}

// Marks a change made from outside (a new file, an example), so it is not echoed to onChange.
const External = Annotation.define<boolean>()

// Colours come from CSS variables (editor.css), so light and dark follow the system like the
// rest of the page; each has at least 4.5:1 contrast on the editor background in both themes.
const highlightStyle = HighlightStyle.define([
  {
    tag: [t.keyword, t.controlKeyword, t.definitionKeyword, t.moduleKeyword, t.operatorKeyword],
    color: 'var(--cm-keyword)',
  },
  {
    tag: [t.string, t.special(t.string), t.regexp, t.escape, t.character],
    color: 'var(--cm-string)',
  },
  {
    tag: [t.comment, t.lineComment, t.blockComment, t.docComment],
    color: 'var(--cm-comment)',
    fontStyle: 'italic',
  },
  { tag: [t.number, t.bool, t.null, t.atom, t.unit], color: 'var(--cm-number)' },
  {
    tag: [
      t.function(t.variableName),
      t.function(t.definition(t.variableName)),
      t.function(t.propertyName),
    ],
    color: 'var(--cm-function)',
  },
  {
    tag: [t.definition(t.variableName), t.definition(t.propertyName)],
    color: 'var(--cm-definition)',
  },
  { tag: [t.typeName, t.className, t.namespace, t.standard(t.typeName)], color: 'var(--cm-type)' },
  { tag: [t.propertyName, t.attributeName], color: 'var(--cm-property)' },
  { tag: [t.meta, t.annotation, t.processingInstruction, t.macroName], color: 'var(--cm-meta)' },
  { tag: [t.tagName, t.self, t.special(t.variableName)], color: 'var(--cm-keyword)' },
  { tag: t.invalid, color: 'var(--danger)' },
  { tag: t.strong, fontWeight: '700' },
  { tag: t.emphasis, fontStyle: 'italic' },
])

const theme = EditorView.theme({
  '&': {
    color: 'var(--fg)',
    backgroundColor: 'var(--bg)',
    border: '1px solid var(--border)',
    borderRadius: 'var(--radius)',
    fontSize: '0.875rem',
    maxHeight: '70vh',
  },
  '&.cm-focused': { outline: '3px solid var(--focus)', outlineOffset: '2px' },
  '.cm-content:focus-visible': { outline: 'none' },
  '.cm-scroller': { fontFamily: 'var(--mono)', lineHeight: '1.5', overflow: 'auto' },
  '.cm-content': { caretColor: 'var(--fg)' },
  '.cm-cursor, .cm-dropCursor': { borderLeftColor: 'var(--fg)' },
  // Lines never wrap, so a line number is one line high: this keeps the numbers level with the
  // code while the editor has not yet measured itself (it only measures once scrolled into view,
  // so a full-page capture of a page that starts below the fold showed them squeezed). The first
  // element is the hidden one that only sizes the gutter's width.
  '.cm-lineNumbers .cm-gutterElement:not(:first-child)': { minHeight: '1.5em' },
  '.cm-gutters': {
    backgroundColor: 'var(--bg-subtle)',
    color: 'var(--fg-muted)',
    borderRight: '1px solid var(--border)',
    borderRadius: 'var(--radius) 0 0 var(--radius)',
  },
  '.cm-activeLine': { backgroundColor: 'var(--cm-active-line)' },
  '.cm-activeLineGutter': { backgroundColor: 'var(--cm-active-line)', color: 'var(--fg)' },
  '&.cm-focused > .cm-scroller > .cm-selectionLayer .cm-selectionBackground, .cm-selectionBackground, .cm-content ::selection':
    { backgroundColor: 'var(--cm-selection)' },
  '.cm-matchingBracket, &.cm-focused .cm-matchingBracket': {
    backgroundColor: 'var(--cm-bracket)',
    outline: '1px solid var(--fg-muted)',
  },
  '.cm-tooltip': {
    backgroundColor: 'var(--bg-raised)',
    color: 'var(--fg)',
    border: '1px solid var(--border)',
  },
  '.cm-diagnostic-error': { borderLeftColor: 'var(--danger)' },
  '.cm-diagnostic-warning': { borderLeftColor: 'var(--warn)' },
})

/** Builds the editor into `init.parent` and answers the handle that drives it. */
export function createEditor(init: EditorInit): EditorHandle {
  const language = new Compartment()
  const attributes = new Compartment()
  let wantedLanguage: string | null = init.language

  const attributesFor = (label: string, readOnly: boolean): Extension => [
    EditorState.readOnly.of(readOnly),
    EditorView.contentAttributes.of({
      'aria-label': label,
      'aria-readonly': String(readOnly),
      'aria-multiline': 'true',
      // Focusable even when read-only, so keyboard users can reach and scroll long lines
      // (CodeMirror's content is contenteditable, which axe does not count as focusable).
      tabindex: '0',
    }),
  ]

  const view = new EditorView({
    parent: init.parent,
    state: EditorState.create({
      doc: init.value,
      extensions: [
        lineNumbers(),
        highlightActiveLineGutter(),
        highlightSpecialChars(),
        history(),
        highlightActiveLine(),
        bracketMatching(),
        syntaxHighlighting(highlightStyle),
        lintGutter(),
        keymap.of([...defaultKeymap, ...historyKeymap, ...lintKeymap]),
        theme,
        EditorView.theme({ '.cm-content, .cm-gutter': { minHeight: init.minHeight } }),
        language.of([]),
        attributes.of(attributesFor(init.label, init.readOnly)),
        // Dropped files belong to the page (it opens them as files), not inside the text.
        EditorView.domEventHandlers({
          drop: (event) => (event.dataTransfer?.files.length ?? 0) > 0,
        }),
        EditorView.updateListener.of((update) => {
          if (!update.docChanged) return
          if (update.transactions.some((tr) => tr.annotation(External))) return
          init.onChange(update.state.doc.toString())
        }),
      ],
    }),
  })

  const applyLanguage = (id: string | null) => {
    wantedLanguage = id
    loadMode(id)
      .then((mode) => {
        // A later choice may have been made while this mode loaded; only the latest applies.
        if (wantedLanguage === id) view.dispatch({ effects: language.reconfigure(mode) })
      })
      .catch(() => {
        // Without its mode the code still shows, as plain text.
        if (wantedLanguage === id) view.dispatch({ effects: language.reconfigure([]) })
      })
  }
  applyLanguage(init.language)

  return {
    setValue(value) {
      if (value === view.state.doc.toString()) return
      view.dispatch({
        changes: { from: 0, to: view.state.doc.length, insert: value },
        annotations: External.of(true),
      })
    },
    setLanguage(id) {
      if (id !== wantedLanguage) applyLanguage(id)
    },
    setAttributes(label, readOnly) {
      view.dispatch({ effects: attributes.reconfigure(attributesFor(label, readOnly)) })
    },
    setDiagnostics(problems) {
      const doc = view.state.doc
      const diagnostics: Diagnostic[] = problems.map((problem) => ({
        ...rangeOf(doc, problem),
        severity: problem.severity,
        message: problem.message,
      }))
      view.dispatch(setDiagnostics(view.state, diagnostics))
    },
    goTo(line) {
      const { from, to } = lineRange(view.state.doc, line)
      view.dispatch({
        selection: EditorSelection.range(from, to),
        effects: EditorView.scrollIntoView(from, { y: 'center' }),
      })
      view.focus()
    },
    destroy() {
      view.destroy()
    },
  }
}
