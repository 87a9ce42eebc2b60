import { createServer, type ServerResponse } from 'node:http'

/**
 * A minimal OpenAI-compatible chat-completions server for benchmarks, in its own process so that
 * its CPU use is not counted as ours.
 * `node --import tsx bench/upstream.ts <port> <delayMs> [<lines> <intervalMs>]`.
 * Every answer is the same valid Python function. With `stream: true` it streams it in pieces, or,
 * given `lines`, streams that many comment lines `# <seq> <hrtime ns>`, one every `intervalMs`,
 * so that a client can check order and measure latency (hrtime is one clock for every process).
 */
const port = Number(process.argv[2] ?? 18_600)
const delayMs = Number(process.argv[3] ?? 0)
const timedLines = Number(process.argv[4] ?? 0)
const intervalMs = Number(process.argv[5] ?? 0)
const CODE =
  '```python\ndef add(a: int, b: int) -> int:\n    """Add two numbers."""\n    return a + b\n```\n'

const completion = Buffer.from(
  JSON.stringify({
    id: 'chatcmpl-bench',
    object: 'chat.completion',
    created: 1,
    model: 'bench-model',
    choices: [{ index: 0, message: { role: 'assistant', content: CODE }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 100, completion_tokens: 30, total_tokens: 130 },
  }),
)

function chunk(delta: object, finish: string | null): string {
  const body = {
    id: 'chatcmpl-bench',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'bench-model',
    choices: [{ index: 0, delta, finish_reason: finish }],
  }
  return `data: ${JSON.stringify(body)}\n\n`
}

function timedStream(response: ServerResponse): void {
  response.write(chunk({ content: '```python\n' }, null))
  let sequence = 0
  const timer = setInterval(() => {
    if (response.destroyed) return clearInterval(timer)
    response.write(chunk({ content: `# ${sequence} ${process.hrtime.bigint()}\n` }, null))
    sequence++
    if (sequence < timedLines) return
    clearInterval(timer)
    response.write(chunk({ content: 'x = 1\n```\n' }, null))
    response.write(chunk({}, 'stop'))
    response.end('data: [DONE]\n\n')
  }, intervalMs)
}

const server = createServer((request, response) => {
  const parts: Buffer[] = []
  request.on('data', (part: Buffer) => parts.push(part))
  request.on('end', () => {
    const answer = () => {
      if (request.url === '/v1/models') {
        response.writeHead(200, { 'content-type': 'application/json' })
        return response.end('{"object":"list","data":[{"id":"bench-model"}]}')
      }
      const streaming = Buffer.concat(parts).includes('"stream":true')
      if (!streaming) {
        response.writeHead(200, {
          'content-type': 'application/json',
          'content-length': completion.length,
        })
        return response.end(completion)
      }
      response.writeHead(200, { 'content-type': 'text/event-stream' })
      if (timedLines > 0) return timedStream(response)
      for (const piece of CODE.match(/[\s\S]{1,12}/g) ?? []) {
        response.write(chunk({ content: piece }, null))
      }
      response.write(chunk({}, 'stop'))
      response.end('data: [DONE]\n\n')
    }
    if (delayMs > 0) setTimeout(answer, delayMs)
    else answer()
  })
})
server.keepAliveTimeout = 60_000
server.listen(port, '127.0.0.1', () => process.send?.('ready'))
