import type { LlmProvider } from '../../ports/llm-provider.js'
import { probeModelList } from './http-probe.js'
import { ModelProvider, type TextModel } from './model-provider.js'
import { HttpTransport } from './node-fetch.js'
import type { ProviderSettings } from './settings.js'

/**
 * A provider whose model calls and health probe go through one transport, so that what the probe
 * proves (the server answers, the key is accepted) holds for the calls. `clientOver` builds the
 * vendor's client on that transport and returns its model for a model id; the probe GETs
 * `<baseUrl>/models` with `probeHeaders`, the vendor's way of presenting the key.
 */
export function createTransportProvider(
  settings: ProviderSettings,
  probeHeaders: Record<string, string>,
  clientOver: (transport: HttpTransport) => (modelId: string) => TextModel,
): LlmProvider {
  const { id, model, baseUrl, apiKey, retry, logger } = settings
  const transport = new HttpTransport()
  return new ModelProvider({
    id,
    model,
    baseUrl,
    apiKey,
    createModel: clientOver(transport),
    ping: (signal) => probeModelList(transport, `${baseUrl}/models`, probeHeaders, signal, id),
    retry,
    logger,
  })
}
