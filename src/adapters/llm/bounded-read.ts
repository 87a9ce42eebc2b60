import type { IncomingMessage } from 'node:http'
import { pipeline, Transform, type Readable } from 'node:stream'
import { ReplyTooLargeError } from './failures.js'

/**
 * The longest line of an event stream. A chat-completions event carries one piece of a reply and
 * its JSON framing, a few hundred bytes; 1 MiB is far beyond any honest one, and keeps the
 * parsers that rescan an unfinished line (the AI SDK's) from quadratic work on an endless one.
 */
export const MAX_EVENT_BYTES = 1024 * 1024

/** The declared length of a body, when it is a number. */
function declaredLength(message: IncomingMessage): number | null {
  const length = Number(message.headers['content-length'])
  return Number.isFinite(length) ? length : null
}

/**
 * The whole body of `message`, counted as it arrives: past `limitBytes` the connection is closed
 * and the promise fails with a {@link ReplyTooLargeError}, so a huge or endless reply never
 * builds a huge buffer (a string past 512 MB ends the process).
 */
export function readWhole(message: IncomingMessage, limitBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = declaredLength(message)
    if (declared !== null && declared > limitBytes) {
      message.destroy()
      return reject(new ReplyTooLargeError('reply', limitBytes))
    }
    const chunks: Buffer[] = []
    let bytes = 0
    let settled = false
    const fail = (error: unknown) => {
      if (settled) return
      settled = true
      message.destroy()
      reject(error)
    }
    message.on('data', (chunk: Buffer) => {
      if (settled) return
      bytes += chunk.length
      if (bytes > limitBytes) return fail(new ReplyTooLargeError('reply', limitBytes))
      chunks.push(chunk)
    })
    message.once('end', () => {
      if (settled) return
      settled = true
      resolve(Buffer.concat(chunks, bytes))
    })
    message.once('error', fail)
  })
}

/**
 * Counts the bytes of an event stream and the length of its current line as they pass: the
 * stream fails with a {@link ReplyTooLargeError} (and the connection closes) when the whole
 * exceeds `limitBytes` or one line exceeds {@link MAX_EVENT_BYTES}. Only the new bytes are
 * looked at, once each.
 */
export function boundedEventStream(message: IncomingMessage, limitBytes: number): Readable {
  const maxLineBytes = Math.min(MAX_EVENT_BYTES, limitBytes)
  let bytes = 0
  let lineBytes = 0
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length
      if (bytes > limitBytes) return callback(new ReplyTooLargeError('reply', limitBytes))
      const lastNewline = chunk.lastIndexOf(10)
      lineBytes = lastNewline === -1 ? lineBytes + chunk.length : chunk.length - lastNewline - 1
      if (lineBytes > maxLineBytes) return callback(new ReplyTooLargeError('event', maxLineBytes))
      callback(null, chunk)
    },
  })
  // An error on either side destroys the other: the socket closes when the count runs over.
  pipeline(message, counter, () => {})
  return counter
}
