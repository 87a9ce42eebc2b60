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
  /** The API's base URL when `LLM_BASE_URL` is unset; null makes `LLM_BASE_URL` required. */
  readonly defaultBaseUrl: string | null
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
    retry: { maxDelayMs: 8000 },
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

/**
 * What an operator sets to configure a provider, as the API says it when none is configured
 * (the detail of `APP_ERR_PROVIDER_NOT_CONFIGURED` and of the health report's `llm` entry).
 */
export const PROVIDER_NOT_CONFIGURED_DETAIL = `No model provider is configured; set ${alternatives(
  LLM_PROVIDERS.map((provider: LlmProviderSpec) =>
    provider.defaultModel === null ? `${provider.selectedBy} with LLM_MODEL` : provider.selectedBy,
  ),
)} (see the README, Configuration)`
