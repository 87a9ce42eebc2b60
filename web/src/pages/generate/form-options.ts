/**
 * The Generate form's values and the request body they make: pure, so the page and the tests
 * agree on what is sent. Empty advanced fields leave the server's defaults in place.
 */
import type { GenerateRequest, LanguageInfo } from '../../api/generation-types.js'
import type { RequestSettings } from '../../api/session.js'

export interface FormValues {
  prompt: string
  language: string
  includeTests: boolean
  includeDocs: boolean
  verify: boolean
  /** '' for the server's default model. */
  model: string
  /** Text of the number inputs; '' for the server's default. */
  temperature: string
  repairs: string
  fixRounds: string
}

export const MIN_PROMPT_LENGTH = 10

/**
 * What the server lets a client know about its limits and defaults (`settings` of
 * GET /api/auth/me; null when not known).
 */
export interface ServerOptions {
  maxPromptLength: number | null
  allowedModels: string[] | null
  defaultModel: string | null
  verifyDefault: boolean | null
}

/** The options of `GET /api/auth/me`'s `settings`, or nothing known. */
export function serverOptionsOf(settings: RequestSettings | null | undefined): ServerOptions {
  return {
    maxPromptLength: settings?.max_prompt_length ?? null,
    allowedModels: settings?.allowed_models ?? null,
    defaultModel: settings?.default_model ?? null,
    verifyDefault: settings?.verify_default ?? null,
  }
}

export function defaultValues(options: ServerOptions | null): FormValues {
  return {
    prompt: '',
    language: 'python',
    includeTests: true,
    includeDocs: true,
    verify: options?.verifyDefault ?? true,
    model: '',
    temperature: '',
    repairs: '',
    fixRounds: '',
  }
}

/** The problems of the form, by field, in plain words; empty when it can be sent. */
export function formProblems(
  values: FormValues,
  maxPromptLength: number | null,
): Partial<Record<keyof FormValues, string>> {
  const problems: Partial<Record<keyof FormValues, string>> = {}
  const length = values.prompt.trim().length
  if (length < MIN_PROMPT_LENGTH) {
    problems.prompt = `Describe the code in at least ${MIN_PROMPT_LENGTH} characters.`
  } else if (maxPromptLength !== null && length > maxPromptLength) {
    problems.prompt = `The prompt is ${length - maxPromptLength} characters over the limit of ${maxPromptLength}.`
  }
  if (!values.language) problems.language = 'Pick a language.'
  const range = (text: string, min: number, max: number, integer: boolean) => {
    if (text.trim() === '') return true
    const value = Number(text)
    return (
      Number.isFinite(value) &&
      value >= min &&
      value <= max &&
      (!integer || Number.isInteger(value))
    )
  }
  if (!range(values.temperature, 0, 2, false)) problems.temperature = 'A number from 0 to 2.'
  if (!range(values.repairs, 0, 5, true)) problems.repairs = 'A whole number from 0 to 5.'
  if (!range(values.fixRounds, 0, 5, true)) problems.fixRounds = 'A whole number from 0 to 5.'
  return problems
}

/** The body of POST /api/generate/stream (and /api/jobs) for these values. */
export function requestBody(values: FormValues): GenerateRequest {
  const options: GenerateRequest['options'] = {}
  if (values.model.trim()) options.model = values.model.trim()
  if (values.temperature.trim()) options.temperature = Number(values.temperature)
  if (values.repairs.trim()) options.max_repair_attempts = Number(values.repairs)
  if (values.fixRounds.trim()) options.max_fix_rounds = Number(values.fixRounds)
  // Verification needs tests: without them the server would only report it skipped.
  options.verify = values.includeTests && values.verify
  return {
    prompt: values.prompt.trim(),
    programming_language: values.language,
    include_tests: values.includeTests,
    include_docs: values.includeDocs,
    options,
  }
}

/** The picker's text for a language: its name, and whether its tests can run here. */
export function languageOptionText(language: LanguageInfo): string {
  return `${language.name} — ${language.verification.available ? 'verified' : 'not verified here'}`
}

/** The limit a validation error names ("…expected string to have <=2000 characters"), if any. */
export function limitFromError(detail: string): number | null {
  const match = /<=\s*(\d+)\s*characters/.exec(detail)
  return match ? Number(match[1]) : null
}
