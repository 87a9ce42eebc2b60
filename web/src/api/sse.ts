/** One Server-Sent Event: its `event:` name, its `data:` (joined lines) and its `id:`. */
export interface ServerEvent {
  event: string
  data: string
  id: string | null
}

/**
 * Splits a text/event-stream into events, as the HTML standard's parsing rules say: lines end
 * with \n, \r\n or \r; a blank line ends an event; comments (heartbeats) are skipped. Pure, so
 * the browser and the tests feed it the same chunks.
 */
export class EventStreamParser {
  private buffer = ''
  private event = ''
  private data: string[] = []
  private id: string | null = null

  /** Answers the events that `chunk` completes. */
  push(chunk: string): ServerEvent[] {
    this.buffer += chunk
    const events: ServerEvent[] = []
    for (;;) {
      const end = /\r\n|\r|\n/.exec(this.buffer)
      // A lone \r at the end may be the first half of \r\n: wait for the next chunk.
      if (!end || (end[0] === '\r' && end.index === this.buffer.length - 1)) break
      const line = this.buffer.slice(0, end.index)
      this.buffer = this.buffer.slice(end.index + end[0].length)
      const event = this.line(line)
      if (event) events.push(event)
    }
    return events
  }

  private line(line: string): ServerEvent | null {
    if (line === '') {
      if (this.data.length === 0) {
        this.event = ''
        return null
      }
      const event = { event: this.event || 'message', data: this.data.join('\n'), id: this.id }
      this.event = ''
      this.data = []
      return event
    }
    if (line.startsWith(':')) return null
    const colon = line.indexOf(':')
    const field = colon === -1 ? line : line.slice(0, colon)
    let value = colon === -1 ? '' : line.slice(colon + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    if (field === 'event') this.event = value
    else if (field === 'data') this.data.push(value)
    else if (field === 'id' && !value.includes('\0')) this.id = value
    return null
  }
}

/** The events of a streaming response body, as they arrive. */
export async function* readEvents(response: Response): AsyncGenerator<ServerEvent> {
  if (!response.body) return
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader()
  const parser = new EventStreamParser()
  try {
    for (;;) {
      const { value, done } = await reader.read()
      if (done) break
      yield* parser.push(value)
    }
  } finally {
    reader.releaseLock()
  }
}
