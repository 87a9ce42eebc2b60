import type { LlmProvider } from '../../../ports/llm-provider.js'
import { LocalProvider } from './local-provider.js'
import { resolveModelLocation } from './model-location.js'
import type { LocalModelSettings } from './settings.js'

export type { LocalModelObserver, LocalModelSettings } from './settings.js'
export type { LoadState } from './local-provider.js'

/**
 * The in-process GGUF model provider (`LLM_PROVIDER=local`). Nothing is loaded here:
 * node-llama-cpp itself is imported by the first load, so that a server whose native binding
 * cannot load still starts.
 * @throws ValidationError when `settings.source` is not a usable model source
 */
export function createLocalProvider(settings: LocalModelSettings): LlmProvider {
  return new LocalProvider(settings, resolveModelLocation(settings))
}
