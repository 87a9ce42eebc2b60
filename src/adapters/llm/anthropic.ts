import type { LlmProvider } from '../../ports/llm-provider.js'
import { probeModelList } from './http-probe.js'

const ANTHROPIC_VERSION = '2023-06-01'

/** Anthropic's Messages API. */
export class AnthropicProvider implements LlmProvider {
  readonly id = 'anthropic'

  constructor(
    readonly model: string,
    private readonly options: { baseUrl: string; apiKey: string },
  ) {}

  async ping(signal: AbortSignal): Promise<void> {
    await probeModelList(
      `${this.options.baseUrl}/models`,
      {
        accept: 'application/json',
        'x-api-key': this.options.apiKey,
        'anthropic-version': ANTHROPIC_VERSION,
      },
      signal,
      this.id,
    )
  }
}
