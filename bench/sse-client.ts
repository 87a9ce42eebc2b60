/**
 * A client of `POST /api/generate/stream` in a process of its own, so that reading the stream
 * does not share the server's event loop (as a real client would not): `node --import tsx
 * bench/sse-client.ts PORT PROMPT` prints, as one JSON line, when the first `code.delta` arrived
 * and when the generation ended, in milliseconds from the request.
 */
async function main(port: string, prompt: string): Promise<void> {
  const start = performance.now()
  const response = await fetch(`http://127.0.0.1:${port}/api/generate/stream`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ prompt, programming_language: 'python', options: { cache: false } }),
  })
  if (!response.ok || !response.body) throw new Error(`stream answered ${response.status}`)
  let first: number | null = null
  let codeDone = false
  let buffer = ''
  const decoder = new TextDecoder()
  for await (const chunk of response.body) {
    const at = performance.now()
    buffer += decoder.decode(chunk as Uint8Array, { stream: true })
    let end: number
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const frame = buffer.slice(0, end)
      buffer = buffer.slice(end + 2)
      const event = /^event: (.*)$/m.exec(frame)?.[1] ?? ''
      if (event === 'code.delta' && !codeDone) first ??= at
      if (event === 'code.done') codeDone = true
      if (event === 'error') throw new Error(`stream error: ${frame.slice(0, 300)}`)
    }
  }
  const end = performance.now()
  console.log(JSON.stringify({ firstDeltaMs: (first ?? end) - start, generationMs: end - start }))
}

const [port, prompt] = process.argv.slice(2)
main(port ?? '', prompt ?? '').catch((error: unknown) => {
  console.error((error as Error).message)
  process.exitCode = 1
})
