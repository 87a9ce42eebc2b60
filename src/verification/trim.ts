/** Longest assertion message kept per case: enough for the expected/actual lines and a frame or two. */
export const MESSAGE_CHARS = 2048

// eslint-disable-next-line no-control-regex -- ANSI colour sequences start with a control character
const ANSI = /\u001b\[[0-9;?]*[A-Za-z]/g

/** A message without colour codes or surrounding blank lines, cut to `MESSAGE_CHARS`. */
export function trimMessage(text: string | null | undefined): string | null {
  if (text == null) return null
  const plain = text.replace(ANSI, '').trim()
  if (!plain) return null
  return plain.length > MESSAGE_CHARS ? `${plain.slice(0, MESSAGE_CHARS - 1)}…` : plain
}

/** `text` cut to at most `bytes` UTF-8 bytes, keeping the start as the sandbox does. */
export function trimOutput(text: string, bytes: number): string {
  const buffer = Buffer.from(text, 'utf8')
  if (buffer.length <= bytes) return text
  // A cut inside a multi-byte character decodes to U+FFFD; drop it.
  return buffer
    .subarray(0, bytes)
    .toString('utf8')
    .replace(/\uFFFD$/, '')
}
