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

/** Placeholder until the CodeMirror editor lands: a labelled textarea. */
export function CodeEditor(props: CodeEditorProps) {
  return (
    <textarea
      aria-label={props.label}
      readOnly={props.readOnly}
      value={props.value}
      onInput={(event) => props.onChange?.(event.currentTarget.value)}
      spellcheck={false}
      style={{ minHeight: props.minHeight ?? '12rem', fontFamily: 'var(--mono)' }}
    />
  )
}
