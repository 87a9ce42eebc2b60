/** One Server-Sent Event as a conforming client parses it. */
export interface SseEvent {
  event: string
  /** The `data:` lines joined, parsed as JSON (loosely typed, for assertions). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  data: any
}

export interface SseRead {
  events: SseEvent[]
  comments: string[]
}

/**
 * Parses an event stream the way the specification says a browser does: frames end at a blank
 * line, `:` starts a comment, several `data:` lines join with a newline.
 */
export async function* readSse(
  response: Response,
): AsyncGenerator<{ event: SseEvent } | { comment: string }> {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader()
  let buffer = ''
  for (;;) {
    const { done, value } = await reader.read()
    if (done) return
    buffer += value.replace(/\r\n?/g, '\n')
    let end: number
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const frame = buffer.slice(0, end)
      buffer = buffer.slice(end + 2)
      let event = 'message'
      const data: string[] = []
      for (const line of frame.split('\n')) {
        if (line.startsWith(':')) yield { comment: line.slice(1).trim() }
        else if (line.startsWith('event:')) event = line.slice(6).trim()
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''))
      }
      if (data.length > 0) yield { event: { event, data: JSON.parse(data.join('\n')) } }
    }
  }
}

/** Reads a whole event stream. */
export async function collectSse(response: Response): Promise<SseRead> {
  const read: SseRead = { events: [], comments: [] }
  for await (const item of readSse(response)) {
    if ('event' in item) read.events.push(item.event)
    else read.comments.push(item.comment)
  }
  return read
}
