/** What the wrapper inside the sandbox said on its channel (see WRAPPER in bwrap-command.ts). */
export interface ChannelMessages {
  started: boolean
  /** The script's exit status as the shell saw it (128 + n when signal n ended it). */
  status: number | null
  files: Record<string, string>
}

/**
 * Reads the channel. The script runs as the same user as the wrapper and could write here
 * through /proc, so nothing is trusted: unknown lines are ignored and each file is cut to
 * `limit` bytes.
 */
export function parseChannel(
  text: string,
  collect: readonly string[],
  limit: number,
): ChannelMessages {
  const messages: ChannelMessages = { started: false, status: null, files: {} }
  const lines = text.split('\n')
  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index]!
    if (line === 'started') messages.started = true
    const status = /^status (\d+)$/.exec(line)
    if (status) messages.status = Number(status[1])
    const file = /^file (\d+)$/.exec(line)
    const path = file ? collect[Number(file[1])] : undefined
    if (path !== undefined && index + 1 < lines.length) {
      index += 1
      const bytes = Buffer.from(lines[index]!, 'base64').subarray(0, limit)
      messages.files[path] = bytes.toString('utf8')
    }
  }
  return messages
}

/** Keeps at most `limit` bytes of a stream and counts the rest. */
export class BoundedBuffer {
  private readonly chunks: Buffer[] = []
  private kept = 0
  total = 0

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    this.total += chunk.length
    const room = this.limit - this.kept
    if (room <= 0) return
    const part = chunk.length > room ? chunk.subarray(0, room) : chunk
    this.chunks.push(part)
    this.kept += part.length
  }

  get truncated(): boolean {
    return this.total > this.limit
  }

  /** UTF-8 text; NUL becomes U+FFFD because PostgreSQL text and jsonb cannot hold it. */
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8').replaceAll('\u0000', '\uFFFD')
  }
}
