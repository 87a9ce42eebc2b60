import type { LlmProvider } from '../../ports/llm-provider.js'
import { probeModelList } from './http-probe.js'

/**
 * OpenAI's own API and every server that speaks its chat-completions dialect
 * (Ollama, vLLM, LM Studio, llama.cpp server…), told apart only by base URL and key.
 */
export class OpenAiCompatibleProvider implements LlmProvider {
  constructor(
    readonly id: 'openai' | 'openai-compatible',
    readonly model: string,
    private readonly options: { baseUrl: string; apiKey: string | null },
  ) {}

  async ping(signal: AbortSignal): Promise<void> {
    const headers: Record<string, string> = { accept: 'application/json' }
    if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`
    await probeModelList(`${this.options.baseUrl}/models`, headers, signal, this.id)
  }
}
