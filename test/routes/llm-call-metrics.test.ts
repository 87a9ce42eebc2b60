import { describe, expect, it } from 'vitest'
import { createTestApp, listenTestApp } from '../helpers/app.js'
import { GOOD_CODE, llmEnv, postGeneration } from '../helpers/generation.js'
import { CHAT, chatReply, fenced, ScriptedLlmServer, streamReply } from '../helpers/scripted-llm.js'
import { readSse } from '../helpers/sse.js'

/** The value of one sample line of the Prometheus text format, 0 when absent. */
function sample(metrics: string, line: string): number {
  const found = metrics.split('\n').find((candidate) => candidate.startsWith(`${line} `))
  return found ? Number(found.slice(line.length + 1)) : 0
}

describe('verigen_llm_calls_total', () => {
  it('counts every model call once with its outcome, a cancelled one too', async () => {
    const upstream = await new ScriptedLlmServer().start()
    const app = await createTestApp(llmEnv(upstream))
    const { url } = await listenTestApp(app)
    try {
      // One call that answers, then one cut short by a cancel request.
      upstream.once(CHAT, chatReply(fenced('python', GOOD_CODE)))
      const request = (prompt: string) => postGeneration(url, prompt, '/api/generate/stream')
      for await (const item of readSse(await request('parse a duration'))) void item
      upstream.once(CHAT, streamReply(['def ', 'slow', '(', ')', ':'], { delayMs: 200 }))
      let cancel: Promise<Response> | null = null
      for await (const item of readSse(await request('parse another duration'))) {
        if ('event' in item && item.event.event === 'started') {
          const id = item.event.data.id as string
          cancel ??= fetch(`${url}/api/generations/${id}/cancel`, { method: 'POST' })
        }
      }
      expect((await cancel!).status).toBe(200)

      const metrics = await (await fetch(`${url}/metrics`)).text()
      const labels = (outcome: string) =>
        `verigen_llm_calls_total{provider="openai-compatible",stage="code",outcome="${outcome}"}`
      expect(sample(metrics, labels('ok'))).toBe(1)
      expect(sample(metrics, labels('cancelled'))).toBe(1)
      expect(sample(metrics, labels('error'))).toBe(0)
      expect(
        sample(
          metrics,
          'verigen_llm_call_duration_seconds_count{provider="openai-compatible",stage="code"}',
        ),
      ).toBe(2)
    } finally {
      await app.close()
      await upstream.close()
    }
  })
})
