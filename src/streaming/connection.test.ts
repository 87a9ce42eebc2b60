import { createServer, request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import { EventStream } from './connection.js'

describe('EventStream', () => {
  it('hands each frame to the socket at once instead of at the next tick', async () => {
    const corkedAfterSend: number[] = []
    const server = createServer((_request, response) => {
      const stream = new EventStream(response, 60_000)
      response.writeHead(200, { 'content-type': 'text/event-stream' })
      stream.body.pipe(response)
      void Promise.resolve().then(() => {
        stream.send({ type: 'code.delta', data: { text: 'a' } })
        // What runs next in this microtask chain (a parse gate, say) must not hold the frame.
        corkedAfterSend.push(response.socket?.writableCorked ?? -1)
        stream.send({ type: 'completed', data: {} as never })
        corkedAfterSend.push(response.socket?.writableCorked ?? -1)
        stream.end()
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    const body = await new Promise<string>((resolve, reject) => {
      request(`http://127.0.0.1:${port}/`, (response) => {
        let text = ''
        response.setEncoding('utf8')
        response.on('data', (chunk: string) => (text += chunk))
        response.on('end', () => resolve(text))
      })
        .on('error', reject)
        .end()
    })
    server.close()
    expect(corkedAfterSend).toEqual([0, 0])
    expect(body).toBe('event: code.delta\ndata: {"text":"a"}\n\nevent: completed\ndata: {}\n\n')
  })
})
