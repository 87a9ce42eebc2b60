import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks'
import type { EditorHandle } from './editor/setup.js'
import './editor/editor.css'

/** A problem to mark in the editor, 1-based line and column as the API reports them. */
export interface EditorDiagnostic {
  line: number
  column: number
  end_line?: number
  end_column?: number
  message: string
  severity: 'error' | 'warning'
}

export interface CodeEditorProps {
  value: string
  /** A Verigen language id (`python`, `typescript`…), or null for plain text. */
  language: string | null
  /** The accessible name of the editor ("Code" on the Analyse page). */
  label: string
  readOnly?: boolean
  onChange?: (value: string) => void
  diagnostics?: EditorDiagnostic[]
  /** Scrolls to and selects this line whenever `nonce` changes. */
  goTo?: { line: number; nonce: number } | null
  minHeight?: string
}

const NO_DIAGNOSTICS: EditorDiagnostic[] = []

/**
 * A code editor (CodeMirror 6) with line numbers, syntax highlighting for Verigen's languages,
 * undo, bracket matching and problems marked at their line and column. CodeMirror is loaded
 * when the first editor mounts; until then the same text shows in a plain box with the same
 * accessible name. Tab is left to move focus, so keyboard users can always leave the editor.
 * `diagnostics` should keep its identity between renders unless the problems change.
 */
export function CodeEditor(props: CodeEditorProps) {
  const { value, language, label, readOnly = false, goTo } = props
  const diagnostics = props.diagnostics ?? NO_DIAGNOSTICS
  const minHeight = props.minHeight ?? '12rem'
  const host = useRef<HTMLDivElement>(null)
  const handle = useRef<EditorHandle | null>(null)
  const onChange = useRef(props.onChange)
  onChange.current = props.onChange
  const [ready, setReady] = useState(false)
  // The first values the editor is built with; later changes go through the effects below.
  const initial = useRef({ value, language, label, readOnly, minHeight })

  useEffect(() => {
    let cancelled = false
    import('./editor/setup.js')
      .then(({ createEditor }) => {
        if (cancelled || !host.current) return
        const start = initial.current
        handle.current = createEditor({
          parent: host.current,
          ...start,
          onChange: (text) => onChange.current?.(text),
        })
        setReady(true)
      })
      .catch(() => {
        // Without CodeMirror (a failed chunk load) the plain box stays, still usable.
      })
    return () => {
      cancelled = true
      handle.current?.destroy()
      handle.current = null
    }
  }, [])

  // A layout effect, so the new value reaches the editor before the next keystroke can: with a
  // deferred effect, a value one keystroke old would overwrite what was typed since.
  useLayoutEffect(() => {
    handle.current?.setValue(value)
  }, [value, ready])

  useEffect(() => {
    handle.current?.setLanguage(language)
  }, [language, ready])

  useEffect(() => {
    handle.current?.setAttributes(label, readOnly)
  }, [label, readOnly, ready])

  // After the value, so the marks are placed on the text they belong to; while the text is
  // edited, the editor moves existing marks along with it until new diagnostics arrive.
  useEffect(() => {
    handle.current?.setDiagnostics(diagnostics)
  }, [diagnostics, ready])

  useEffect(() => {
    if (goTo) handle.current?.goTo(goTo.line)
  }, [goTo?.nonce, ready])

  return (
    <div class="code-editor">
      {/* CodeMirror owns this element's children; Preact renders none into it. */}
      <div ref={host} />
      {!ready &&
        (readOnly || !props.onChange ? (
          <pre
            class="code-editor-fallback"
            role="textbox"
            aria-label={label}
            aria-readonly="true"
            aria-multiline="true"
            tabIndex={0}
            style={{ minHeight }}
          >
            {value}
          </pre>
        ) : (
          <textarea
            class="code-editor-fallback"
            aria-label={label}
            value={value}
            onInput={(event) => props.onChange?.(event.currentTarget.value)}
            spellcheck={false}
            style={{ minHeight }}
          />
        ))}
    </div>
  )
}
