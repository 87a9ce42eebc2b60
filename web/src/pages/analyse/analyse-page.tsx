import { useEffect, useMemo, useRef, useState } from 'preact/hooks'
import { request } from '../../api/client.js'
import { ApiError, toApiError } from '../../api/errors.js'
import { CodeEditor } from '../../components/code-editor.js'
import { diagnosticsOf, WARNING_REASONS } from './diagnostics.js'
import { ErrorNotice } from '../../components/error-notice.js'
import {
  detectLanguage,
  languageName,
  type LanguageInfo,
  type LanguagesResponse,
} from '../../lib/languages.js'
import { splitBatches } from './batches.js'
import { EXAMPLE_PYTHON } from './example.js'
import { LineLink, ReportView } from './report-view.js'
import type { AnalysisReport, BatchResponse } from '../../api/analysis-types.js'
import './analyse.css'

// The API refuses files above ANALYSIS_MAX_FILE_BYTES (1 MiB by default); bigger ones are not sent.
const MAX_FILE_BYTES = 1024 * 1024

interface OpenFile {
  key: number
  /** The file's name, or null for code typed or pasted here. */
  name: string | null
  /** What the list calls code without a file name. */
  title: string
  code: string
  /** The chosen language id; '' to detect it from the file name. */
  language: string
  report: AnalysisReport | null
  error: ApiError | null
  running: boolean
}

let nextKey = 1

function scratch(code = '', language = 'python', title = 'Typed code'): OpenFile {
  return {
    key: nextKey++,
    name: null,
    title,
    code,
    language,
    report: null,
    error: null,
    running: false,
  }
}

function localError(error: string, detail: string): ApiError {
  return new ApiError({ error, detail, status_code: 0, code: 'CLIENT_INPUT' })
}

/**
 * The Analyse page: code typed, pasted or opened from files (many at once, by dropping them or
 * with "Open files"), analysed by `POST /api/analyze` (one file) or `/api/analyze/batch` (the
 * opened files), with the problems marked in the editor and the figures beside it.
 */
export function AnalysePage() {
  const [languages, setLanguages] = useState<LanguageInfo[]>([])
  const [languagesError, setLanguagesError] = useState<ApiError | null>(null)
  const [files, setFiles] = useState<OpenFile[]>(() => [scratch()])
  const [activeKey, setActiveKey] = useState(files[0]?.key ?? 0)
  const [goTo, setGoTo] = useState<{ line: number; nonce: number } | null>(null)
  const [dragging, setDragging] = useState(false)
  const [status, setStatus] = useState('')
  const input = useRef<HTMLInputElement>(null)
  const controller = useRef<AbortController | null>(null)

  const active = files.find((file) => file.key === activeKey) ?? files[0]
  const analysable = useMemo(() => languages.filter((l) => l.analysis !== false), [languages])

  const loadLanguages = () => {
    setLanguagesError(null)
    request<LanguagesResponse>('/languages')
      .then((body) => setLanguages(body.languages))
      .catch((error: unknown) => setLanguagesError(toApiError(error)))
  }
  useEffect(loadLanguages, [])
  useEffect(() => () => controller.current?.abort(), [])

  const update = (key: number, change: Partial<OpenFile>) =>
    setFiles((list) => list.map((file) => (file.key === key ? { ...file, ...change } : file)))

  const diagnostics = useMemo(() => diagnosticsOf(active?.report ?? null), [active?.report])

  const jump = (line: number) =>
    setGoTo((previous) => ({ line, nonce: (previous?.nonce ?? 0) + 1 }))

  /** The language sent and shown: the chosen one, else the one the name implies. */
  const languageOf = (file: OpenFile): string | null =>
    file.language ||
    file.report?.programming_language ||
    (file.name ? detectLanguage(file.name, languages) : null)

  async function analyse(file: OpenFile) {
    if (!file.code.trim()) {
      update(file.key, {
        error: localError('Nothing to analyse', 'Type or paste some code first, or open a file.'),
      })
      return
    }
    controller.current?.abort()
    const abort = new AbortController()
    controller.current = abort
    update(file.key, { running: true, error: null })
    setStatus(`Analysing ${file.name ?? 'the code'}…`)
    try {
      const report = await request<AnalysisReport>('/analyze', {
        method: 'POST',
        body: {
          code: file.code,
          ...(file.language ? { programming_language: file.language } : {}),
          ...(file.name ? { filename: file.name } : {}),
        },
        signal: abort.signal,
      })
      update(file.key, { running: false, report, error: null })
      setStatus(
        report.syntax_valid
          ? `Analysed: ${report.functions.length} functions, no syntax errors.`
          : `Analysed: ${report.syntax_errors.length} syntax errors, marked in the editor.`,
      )
    } catch (error) {
      const failure = toApiError(error)
      if (failure.code === 'CLIENT_ABORTED') return
      update(file.key, { running: false, error: failure })
      setStatus('The analysis failed.')
    }
  }

  async function analyseAll(list: OpenFile[]) {
    const named = list.filter((file) => file.name !== null && file.error === null)
    if (named.length === 0) return
    const keys = new Set(named.map((file) => file.key))
    setFiles((all) => all.map((file) => (keys.has(file.key) ? { ...file, running: true } : file)))
    setStatus(`Analysing ${named.length} files…`)
    let analysed = 0
    for (const batch of splitBatches(
      named.map((file) => ({
        key: file.key,
        filename: file.name ?? '',
        code: file.code,
        ...(file.language ? { programming_language: file.language } : {}),
      })),
    )) {
      try {
        const body = await request<BatchResponse>('/analyze/batch', {
          method: 'POST',
          body: {
            files: batch.map(({ filename, code, programming_language }) => ({
              filename,
              code,
              ...(programming_language ? { programming_language } : {}),
            })),
          },
        })
        for (const result of body.results) {
          const key = batch[result.index]?.key
          if (key === undefined) continue
          if (result.status === 'ok' && result.result) analysed++
          update(key, {
            running: false,
            report: result.result ?? null,
            error: result.error ? new ApiError(result.error) : null,
          })
        }
      } catch (error) {
        const failure = toApiError(error)
        for (const file of batch) update(file.key, { running: false, error: failure })
      }
    }
    setStatus(`Analysed ${analysed} of ${named.length} files.`)
  }

  async function openFiles(list: FileList | File[]) {
    const chosen = Array.from(list)
    if (chosen.length === 0) return
    const opened: OpenFile[] = await Promise.all(
      chosen.map(async (file) => {
        const base: OpenFile = {
          key: nextKey++,
          name: file.name,
          title: file.name,
          code: '',
          language: detectLanguage(file.name, languages) ?? '',
          report: null,
          error: null,
          running: false,
        }
        if (file.size > MAX_FILE_BYTES) {
          return {
            ...base,
            error: localError(
              'File too large',
              `${file.name} is over 1 MiB, the most the analysis takes.`,
            ),
          }
        }
        try {
          return { ...base, code: await file.text() }
        } catch {
          return {
            ...base,
            error: localError('File not readable', `${file.name} could not be read.`),
          }
        }
      }),
    )
    // An empty scratch buffer gives way to the opened files; typed code stays in the list.
    setFiles((all) => [
      ...all.filter((file) => file.name !== null || file.code.trim() !== ''),
      ...opened,
    ])
    const first = opened[0]
    if (first) setActiveKey(first.key)
    void analyseAll(opened)
  }

  function closeFile(key: number) {
    setFiles((all) => {
      const rest = all.filter((file) => file.key !== key)
      const next = rest.length > 0 ? rest : [scratch()]
      if (key === activeKey) setActiveKey(next[0]?.key ?? 0)
      return next
    })
  }

  function tryExample() {
    const example = scratch(EXAMPLE_PYTHON, 'python', 'Example (Python)')
    setFiles((all) => [
      ...all.filter((file) => file.name !== null || file.code.trim() !== ''),
      example,
    ])
    setActiveKey(example.key)
    void analyse(example)
  }

  const onDragOver = (event: DragEvent) => {
    if (!event.dataTransfer?.types.includes('Files')) return
    event.preventDefault()
    event.dataTransfer.dropEffect = 'copy'
    setDragging(true)
  }
  const onDragLeave = (event: DragEvent) => {
    const to = event.relatedTarget as Node | null
    if (!to || !(event.currentTarget as Node).contains(to)) setDragging(false)
  }
  const onDrop = (event: DragEvent) => {
    const dropped = event.dataTransfer?.files
    setDragging(false)
    if (!dropped || dropped.length === 0) return
    event.preventDefault()
    void openFiles(dropped)
  }

  if (!active) return null
  const language = languageOf(active)
  const name = language ? languageName(language, languages) : 'unknown language'
  const named = files.filter((file) => file.name !== null)

  return (
    <section
      class={`analyse stack${dragging ? ' dragging' : ''}`}
      aria-labelledby="analyse-title"
      onDragOver={onDragOver}
      onDragLeave={onDragLeave}
      onDrop={onDrop}
    >
      <h1 id="analyse-title">Analyse code</h1>
      <div class={`drop-zone${dragging ? ' active' : ''}`}>
        <p>
          <strong>Drop source files anywhere on this page</strong>{' '}
          <span class="muted">(one or many; the language follows each file's extension)</span>
        </p>
        <button type="button" class="button" onClick={() => input.current?.click()}>
          Open files
        </button>
        <input
          ref={input}
          type="file"
          multiple
          hidden
          onChange={(event) => {
            const chosen = event.currentTarget.files
            if (chosen) void openFiles(Array.from(chosen))
            event.currentTarget.value = ''
          }}
        />
      </div>

      {languagesError && <ErrorNotice error={languagesError} onRetry={loadLanguages} />}

      <div class="analyse-layout">
        <div class="analyse-input stack">
          {files.length > 1 && (
            <nav aria-label="Open files" class="file-list">
              <ul>
                {files.map((file) => (
                  <li key={file.key} class={file.key === active.key ? 'current' : undefined}>
                    <button
                      type="button"
                      class="file-name"
                      aria-current={file.key === active.key ? 'true' : undefined}
                      onClick={() => setActiveKey(file.key)}
                    >
                      {file.title}
                    </button>
                    <FileStatus file={file} />
                    <button
                      type="button"
                      class="button small"
                      aria-label={`Close ${file.title}`}
                      onClick={() => closeFile(file.key)}
                    >
                      ×
                    </button>
                  </li>
                ))}
              </ul>
              {named.length > 1 && (
                <button type="button" class="button small" onClick={() => void analyseAll(named)}>
                  Analyse all files
                </button>
              )}
            </nav>
          )}

          <div class="analyse-controls">
            <div class="field">
              <label for="analyse-language">Language</label>
              <select
                id="analyse-language"
                value={active.language}
                onChange={(event) => update(active.key, { language: event.currentTarget.value })}
              >
                {active.name !== null && <option value="">Detect from file name</option>}
                {analysable.length === 0 && active.language && (
                  <option value={active.language}>{active.language}</option>
                )}
                {analysable.map((item) => (
                  <option key={item.id} value={item.id}>
                    {item.name}
                  </option>
                ))}
              </select>
            </div>
            <div class="row">
              <button
                type="button"
                class="button primary"
                onClick={() => void analyse(active)}
                disabled={active.running}
              >
                Analyse
              </button>
              <button type="button" class="button" onClick={tryExample}>
                Try an example
              </button>
            </div>
          </div>
          {active.name !== null && !active.language && (
            <p class="small muted">
              {language
                ? `Detected from the name: ${name}.`
                : 'No language matches this name; choose one.'}
            </p>
          )}

          <CodeEditor
            value={active.code}
            language={language}
            label="Code"
            onChange={(code) => update(active.key, { code })}
            diagnostics={diagnostics}
            goTo={goTo}
            minHeight="18rem"
          />
          <p class="small muted">
            Tab moves on to the next control; Ctrl+] and Ctrl+[ indent. Problems are underlined and
            marked beside their line number.
          </p>
          <p class="visually-hidden" aria-live="polite">
            {status}
          </p>

          {active.report && active.report.syntax_errors.length > 0 && (
            <section class="card syntax-errors" aria-labelledby="analyse-syntax">
              <h2 id="analyse-syntax">Syntax errors</h2>
              <ul class="link-list">
                {active.report.syntax_errors.map((error, index) => (
                  <li key={index}>
                    <LineLink line={error.line} column={error.column} onGoTo={jump} />:{' '}
                    {error.message}
                    {error.source_line && (
                      <pre class="source-line">
                        <code>{error.source_line}</code>
                      </pre>
                    )}
                  </li>
                ))}
              </ul>
            </section>
          )}
          {active.report?.syntax_warnings && active.report.syntax_warnings.length > 0 && (
            <section class="card syntax-errors" aria-labelledby="analyse-syntax-warnings">
              <h2 id="analyse-syntax-warnings">Syntax warnings</h2>
              <p class="small muted">
                Spots the parser could not place but that are not known to be wrong; they do not
                make the file invalid.
              </p>
              <ul class="link-list">
                {active.report.syntax_warnings.map((warning, index) => (
                  <li key={index}>
                    <LineLink line={warning.line} column={warning.column} onGoTo={jump} />:{' '}
                    {warning.message} ({WARNING_REASONS[warning.reason]})
                  </li>
                ))}
              </ul>
            </section>
          )}
        </div>

        <div class="analyse-results" aria-busy={active.running ? 'true' : 'false'}>
          {active.error && (
            <ErrorNotice
              error={active.error}
              onRetry={active.code.trim() ? () => void analyse(active) : undefined}
            />
          )}
          {active.running && <p class="notice">Analysing…</p>}
          {active.report ? (
            <ReportView
              report={active.report}
              languageName={languageName(active.report.programming_language, languages)}
              onGoTo={jump}
            />
          ) : (
            !active.running &&
            !active.error && (
              <div class="card empty-state">
                <h2>Nothing analysed yet</h2>
                <p>
                  Type or paste code into the editor and press <strong>Analyse</strong>, drop files
                  on this page, or start from a small Python example.
                </p>
                <button type="button" class="button" onClick={tryExample}>
                  Try an example
                </button>
              </div>
            )
          )}
        </div>
      </div>
    </section>
  )
}

/** A file's state in the list, in words. */
function FileStatus(props: { file: OpenFile }) {
  const { file } = props
  if (file.running) return <span class="badge">analysing</span>
  if (file.error) return <span class="badge danger">failed</span>
  if (!file.report) return <span class="badge">not analysed</span>
  if (!file.report.syntax_valid) {
    const count = file.report.syntax_errors.length
    return <span class="badge danger">{`${count} syntax error${count === 1 ? '' : 's'}`}</span>
  }
  return (
    <span class="badge ok">{`max cyclomatic ${file.report.metrics.cyclomatic_complexity.max}`}</span>
  )
}
