/**
 * The model providers, as data: what `config.ts` needs to choose one from the environment and
 * what `plugins/container.ts` needs to build it. The adapter factory of each row is attached in
 * the adapter layer (`adapters/llm/provider-factories.ts`), so that this file, which config and
 * ports read, imports no client library. Adding a provider is one adapter file, one row here
 * and its factory there (the compiler asks for it).
 */
export interface LlmProviderSpec {
  /** The value of `LLM_PROVIDER`, also the `provider` of health reports and logs. */
  readonly id: string
  /**
   * The variable whose presence alone selects this provider when `LLM_PROVIDER` is unset. Rows
   * are tried in table order, so the first row whose variable is set wins.
   */
  readonly selectedBy: string
  /** The provider's own key variable, read when `LLM_API_KEY` is unset; null when it has none. */
  readonly keyVariable: string | null
  /** Whether a call needs a key at all (a server next to the deployment may not). */
  readonly requiresKey: boolean
  /** The provider's own model variable, read when `LLM_MODEL` is unset. */
  readonly modelVariable: string | null
  /** The model used when no variable names one; null makes `LLM_MODEL` required. */
  readonly defaultModel: string | null
  /**
   * The API's base URL when `LLM_BASE_URL` is unset; null makes `LLM_BASE_URL` required for an
   * `http` provider.
   */
  readonly defaultBaseUrl: string | null
  /**
   * `http`: a server the calls go to (`LLM_BASE_URL`). `in-process`: a model file this process
   * runs itself (`LOCAL_MODEL`), with no URL, key or retries.
   */
  readonly endpoint: 'http' | 'in-process'
  /** Limits of the retry backoff that are the provider's, not the deployment's. */
  readonly retry: {
    /** Longest wait between two attempts, unless the upstream asks for more (`Retry-After`). */
    readonly maxDelayMs: number
  }
}

export const LLM_PROVIDERS = [
  {
    id: 'openai',
    selectedBy: 'OPENAI_API_KEY',
    keyVariable: 'OPENAI_API_KEY',
    requiresKey: true,
    // The original design's name for the model; LLM_MODEL wins over it.
    modelVariable: 'OPENAI_MODEL',
    defaultModel: 'gpt-4o-mini',
    defaultBaseUrl: 'https://api.openai.com/v1',
    endpoint: 'http',
    retry: { maxDelayMs: 8000 },
  },
  {
    id: 'anthropic',
    selectedBy: 'ANTHROPIC_API_KEY',
    keyVariable: 'ANTHROPIC_API_KEY',
    requiresKey: true,
    modelVariable: null,
    defaultModel: 'claude-sonnet-4-5',
    defaultBaseUrl: 'https://api.anthropic.com/v1',
    endpoint: 'http',
    retry: { maxDelayMs: 8000 },
  },
  {
    id: 'openai-compatible',
    selectedBy: 'LLM_BASE_URL',
    keyVariable: null,
    requiresKey: false,
    modelVariable: null,
    defaultModel: null,
    defaultBaseUrl: null,
    endpoint: 'http',
    retry: { maxDelayMs: 8000 },
  },
  {
    // A GGUF model run inside this process (node-llama-cpp). Last, so that a configured remote
    // provider wins; with none configured, a model file in LOCAL_MODELS_DIR selects it too.
    id: 'local',
    selectedBy: 'LOCAL_MODEL',
    keyVariable: null,
    requiresKey: false,
    modelVariable: null,
    defaultModel: null,
    defaultBaseUrl: null,
    endpoint: 'in-process',
    retry: { maxDelayMs: 0 },
  },
] as const satisfies readonly LlmProviderSpec[]

export type LlmProviderId = (typeof LLM_PROVIDERS)[number]['id']

export const LLM_PROVIDER_IDS = LLM_PROVIDERS.map((provider) => provider.id)

/** The row of a provider id. */
export function llmProviderSpec(id: LlmProviderId): LlmProviderSpec {
  return LLM_PROVIDERS.find((provider) => provider.id === id) as LlmProviderSpec
}

/**
 * Every variable a provider row reads besides the generic `LLM_*` ones (`OPENAI_API_KEY`,
 * `OPENAI_MODEL`, `ANTHROPIC_API_KEY`), for the configuration's schema.
 */
export const PROVIDER_VARIABLES: readonly string[] = [
  ...new Set(
    LLM_PROVIDERS.flatMap((provider: LlmProviderSpec) => [
      provider.selectedBy,
      provider.keyVariable,
      provider.modelVariable,
    ]).filter((name): name is string => name !== null && !name.startsWith('LLM_')),
  ),
]

/** `a`, `a or b`, `a, b, or c`. */
function alternatives(items: readonly string[]): string {
  if (items.length <= 2) return items.join(' or ')
  return `${items.slice(0, -1).join(', ')}, or ${items.at(-1)}`
}

/** The one command that makes generation work with no key and no network. */
export const LOCAL_MODEL_PULL_COMMAND = 'npx verigen models pull'

/**
 * What an operator sets to configure a provider, as the API says it when none is configured
 * (the detail of `APP_ERR_PROVIDER_NOT_CONFIGURED` and of the health report's `llm` entry).
 */
export const PROVIDER_NOT_CONFIGURED_DETAIL = `No model provider is configured; run '${LOCAL_MODEL_PULL_COMMAND}' to download a small local model, or set ${alternatives(
  LLM_PROVIDERS.filter((provider: LlmProviderSpec) => provider.endpoint === 'http').map(
    (provider: LlmProviderSpec) =>
      provider.defaultModel === null
        ? `${provider.selectedBy} with LLM_MODEL`
        : provider.selectedBy,
  ),
)} (see the README, Configuration)`
