import { ValidationError } from '../../errors.js'
import type { GenerationInput } from './types.js'

/**
 * What the runtime settings decide about a request (`GET/PATCH /api/admin/settings`), read at
 * each request so that a change applies in every process within seconds, without a restart.
 */
export interface RequestSettings {
  /** The model a request without `options.model` gets; null for the provider's own default. */
  defaultModel: string | null
  /** Further models `options.model` may name. */
  allowedModels: readonly string[]
  maxPromptLength: number
  /** Whether a request without `options.verify` is verified. */
  verifyDefault: boolean
}

/**
 * The model `input` will use: the one it names, or the default. One it names must be the
 * default or among the allowed models.
 * @throws ValidationError for any other.
 */
export function modelFor(
  input: GenerationInput,
  settings: RequestSettings,
  providerModel: string,
): string {
  const fallback = settings.defaultModel ?? providerModel
  const model = input.options.model ?? fallback
  const allowed = [...new Set([fallback, ...settings.allowedModels])]
  if (!allowed.includes(model)) {
    throw new ValidationError(
      `Model '${model}' is not allowed; allowed: ${allowed.join(', ')} (LLM_ALLOWED_MODELS, or the allowed_models setting)`,
      [
        {
          field: 'body.options.model',
          rule: 'allowed_models',
          message: `must be one of ${allowed.join(', ')}`,
        },
      ],
    )
  }
  return model
}

/**
 * @throws ValidationError when the prompt is longer than the `max_prompt_length` setting (the
 *   request schema allows up to the largest value the setting may take).
 */
export function checkPromptLength(input: GenerationInput, settings: RequestSettings): void {
  const length = input.prompt.length
  if (length <= settings.maxPromptLength) return
  const message = `Too big: expected string to have <=${settings.maxPromptLength} characters`
  throw new ValidationError(`body.prompt: ${message} (rule: too_big)`, [
    { field: 'body.prompt', rule: 'too_big', message },
  ])
}
