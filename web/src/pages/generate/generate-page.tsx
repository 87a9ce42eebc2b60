import { useEffect, useMemo, useState } from 'preact/hooks'
import { request } from '../../api/client.js'
import { ApiError, toApiError } from '../../api/errors.js'
import type { JobAccepted, LanguageInfo } from '../../api/generation-types.js'
import { useSession } from '../../api/session.js'
import { ErrorNotice } from '../../components/error-notice.js'
import { navigate } from '../../router.js'
import {
  defaultValues,
  formProblems,
  languageOptionText,
  limitFromError,
  requestBody,
  type FormValues,
  serverOptionsOf,
} from './form-options.js'
import { statusLine } from './generation-state.js'
import { GenerationView } from './generation-view.js'
import { useGenerationRun } from './use-generation-run.js'
import './generate.css'

/** The Generate page: the form, and the generation streaming in beside (or below) it. */
export function GeneratePage() {
  const { me } = useSession()
  const [languages, setLanguages] = useState<LanguageInfo[] | null>(null)
  const [loadError, setLoadError] = useState<ApiError | null>(null)
  // The prompt limit, allowed models and defaults: the runtime settings as /api/auth/me tells them.
  const server = useMemo(() => serverOptionsOf(me?.settings), [me])
  const [values, setValues] = useState<FormValues>(() => defaultValues(server))
  const [touched, setTouched] = useState(false)
  const [jobError, setJobError] = useState<ApiError | null>(null)
  const [sendingJob, setSendingJob] = useState(false)
  const [learnedLimit, setLearnedLimit] = useState<number | null>(null)
  const run = useGenerationRun()

  const load = () => {
    setLoadError(null)
    request<{ languages: LanguageInfo[] }>('/languages')
      .then((answer) => {
        setLanguages(answer.languages)
        setValues((old) =>
          answer.languages.some((language) => language.id === old.language)
            ? old
            : { ...old, language: answer.languages[0]?.id ?? '' },
        )
      })
      .catch((error: unknown) => setLoadError(toApiError(error)))
  }

  useEffect(load, [])
  useEffect(() => {
    if (server.verifyDefault !== null) {
      setValues((old) => ({ ...old, verify: server.verifyDefault ?? old.verify }))
    }
  }, [server.verifyDefault])

  // A refusal naming the limit teaches it to the counter (the setting may change after load).
  const error = run.progress?.error
  useEffect(() => {
    const limit = error ? limitFromError(error.detail ?? '') : null
    if (limit !== null) setLearnedLimit(limit)
  }, [error])

  const maxLength = learnedLimit ?? server.maxPromptLength
  const problems = useMemo(() => formProblems(values, maxLength), [values, maxLength])
  const valid = Object.keys(problems).length === 0
  const selected = languages?.find((language) => language.id === values.language) ?? null
  const set = <K extends keyof FormValues>(key: K, value: FormValues[K]) =>
    setValues((old) => ({ ...old, [key]: value }))

  const submit = (event: Event) => {
    event.preventDefault()
    setTouched(true)
    setJobError(null)
    if (!valid || run.running) return
    run.start(requestBody(values))
  }

  const sendAsJob = async () => {
    setTouched(true)
    setJobError(null)
    if (!valid) return
    setSendingJob(true)
    try {
      const job = await request<JobAccepted>('/jobs', { method: 'POST', body: requestBody(values) })
      navigate(`/jobs/${encodeURIComponent(job.job_id)}`)
    } catch (failure) {
      setJobError(toApiError(failure))
    } finally {
      setSendingJob(false)
    }
  }

  const length = values.prompt.length
  const showProblem = (key: keyof FormValues) => (touched ? problems[key] : undefined)

  return (
    <section class="generate-page">
      <h1>Generate</h1>
      <div class="generate-layout">
        <form class="card generate-form" onSubmit={submit} noValidate>
          <div class="field">
            <label for="prompt">Prompt</label>
            <textarea
              id="prompt"
              name="prompt"
              rows={6}
              value={values.prompt}
              placeholder="Describe the function or program, e.g. “Parse an ISO-8601 duration like PT1H2M into seconds”"
              aria-describedby="prompt-count prompt-problem"
              aria-invalid={showProblem('prompt') ? true : undefined}
              onInput={(event) => set('prompt', event.currentTarget.value)}
            />
            <p
              id="prompt-count"
              class={`hint small ${maxLength !== null && length > maxLength ? 'over' : ''}`}
            >
              {length.toLocaleString()}
              {maxLength !== null ? ` / ${maxLength.toLocaleString()}` : ''} characters
            </p>
            <p id="prompt-problem" class="problem small">
              {showProblem('prompt') ?? ''}
            </p>
          </div>

          <div class="field">
            <label for="language">Language</label>
            <select
              id="language"
              name="language"
              value={values.language}
              disabled={!languages}
              aria-describedby="language-note"
              onChange={(event) => set('language', event.currentTarget.value)}
            >
              {!languages && <option value={values.language}>Loading languages…</option>}
              {languages?.map((language) => (
                <option key={language.id} value={language.id}>
                  {languageOptionText(language)}
                </option>
              ))}
            </select>
            <p id="language-note" class="hint small">
              {selected
                ? selected.verification.available
                  ? `Tests run here with ${selected.verification.runner ?? selected.test_framework}${selected.verification.version ? ` ${selected.verification.version}` : ''}.`
                  : `Tests cannot run here${selected.verification.reason ? `: ${selected.verification.reason}` : ''}.`
                : ''}
            </p>
          </div>
          {loadError && <ErrorNotice error={loadError} onRetry={load} />}

          <fieldset class="toggles">
            <legend>Include</legend>
            <label class="check">
              <input
                type="checkbox"
                checked={values.includeTests}
                onChange={(event) => set('includeTests', event.currentTarget.checked)}
              />
              Tests
            </label>
            <label class="check">
              <input
                type="checkbox"
                checked={values.includeDocs}
                onChange={(event) => set('includeDocs', event.currentTarget.checked)}
              />
              Docs
            </label>
            <label class="check">
              <input
                type="checkbox"
                checked={values.includeTests && values.verify}
                disabled={!values.includeTests}
                onChange={(event) => set('verify', event.currentTarget.checked)}
              />
              Verification
            </label>
          </fieldset>

          <details class="advanced">
            <summary>Advanced</summary>
            <div class="field">
              <label for="model">Model</label>
              {server.allowedModels && server.allowedModels.length > 0 ? (
                <select
                  id="model"
                  value={values.model}
                  onChange={(event) => set('model', event.currentTarget.value)}
                >
                  <option value="">Default ({server.defaultModel ?? 'the server’s'})</option>
                  {server.allowedModels
                    .filter((model) => model !== server.defaultModel)
                    .map((model) => (
                      <option key={model} value={model}>
                        {model}
                      </option>
                    ))}
                </select>
              ) : (
                <input
                  id="model"
                  type="text"
                  value={values.model}
                  placeholder={server.defaultModel ?? 'the server’s default'}
                  aria-describedby="model-hint"
                  onInput={(event) => set('model', event.currentTarget.value)}
                />
              )}
              {!server.allowedModels && (
                <p id="model-hint" class="hint small">
                  Empty for the default{server.defaultModel ? ` (${server.defaultModel})` : ''};
                  another model must be one the server allows.
                </p>
              )}
            </div>
            <NumberField
              id="temperature"
              label="Temperature (0–2)"
              value={values.temperature}
              min={0}
              max={2}
              step={0.1}
              problem={showProblem('temperature')}
              onInput={(value) => set('temperature', value)}
            />
            {ROUNDS.map((round) => (
              <NumberField
                key={round.key}
                id={round.id}
                label={round.label}
                hint={round.hint}
                value={values[round.key]}
                min={0}
                max={5}
                step={1}
                problem={showProblem(round.key)}
                onInput={(value) => set(round.key, value)}
              />
            ))}
          </details>

          <div class="row form-actions">
            <button type="submit" class="button primary" disabled={run.running}>
              Generate
            </button>
            {run.running && (
              <button type="button" class="button danger" onClick={run.cancel}>
                Cancel
              </button>
            )}
            <button
              type="button"
              class="button secondary"
              disabled={run.running || sendingJob}
              onClick={() => void sendAsJob()}
            >
              Send as a job
            </button>
          </div>
          {jobError && <ErrorNotice error={jobError} />}
        </form>

        <div class="generate-result">
          <p class="status-line" aria-live="polite" role="status">
            {run.progress ? statusLine(run.progress) : ''}
          </p>
          {run.progress?.error && (
            <ErrorNotice
              error={new ApiError(run.progress.error)}
              onRetry={() => run.start(requestBody(values))}
            />
          )}
          {run.progress ? (
            <GenerationView progress={run.progress} language={values.language} now={run.now} />
          ) : (
            <p class="muted empty-result">
              Describe what the code should do and press Generate. The code streams in here, then
              its tests and docs, and the tests are run against it.
            </p>
          )}
        </div>
      </div>
    </section>
  )
}

/** The two kinds of rounds a generation may go back to the model for, each 0 to 5. */
const ROUNDS = [
  {
    key: 'repairs',
    id: 'repairs',
    label: 'Repair rounds (0–5)',
    hint: 'Times code that does not parse goes back to the model. Default 2.',
  },
  {
    key: 'fixRounds',
    id: 'fix-rounds',
    label: 'Fix rounds (0–5)',
    hint: 'Times failing tests go back to the model. Default 2.',
  },
] as const

function NumberField(props: {
  id: string
  label: string
  hint?: string
  value: string
  min: number
  max: number
  step: number
  problem?: string | undefined
  onInput: (value: string) => void
}) {
  const described = [
    props.hint ? `${props.id}-hint` : '',
    props.problem ? `${props.id}-problem` : '',
  ]
    .filter(Boolean)
    .join(' ')
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <input
        id={props.id}
        type="number"
        inputMode="decimal"
        min={props.min}
        max={props.max}
        step={props.step}
        value={props.value}
        placeholder="default"
        aria-invalid={props.problem ? true : undefined}
        aria-describedby={described || undefined}
        onInput={(event) => props.onInput(event.currentTarget.value)}
      />
      {props.hint && (
        <p id={`${props.id}-hint`} class="hint small">
          {props.hint}
        </p>
      )}
      {props.problem && (
        <p id={`${props.id}-problem`} class="problem small">
          {props.problem}
        </p>
      )}
    </div>
  )
}
