import { createRequire } from 'node:module'
import { recordArtifact } from './secrets.js'

/** The part of the `ws` client these tests use (the project has no `@types/ws`). */
interface ClientSocket {
  readonly readyState: number
  send(data: string): void
  close(): void
  on(event: 'message', listener: (data: Buffer) => void): this
  on(event: 'ping' | 'close', listener: () => void): this
  once(event: 'open', listener: () => void): this
  once(event: 'error', listener: (error: Error) => void): this
}
export const WebSocket = createRequire(import.meta.url)('ws') as {
  new (url: string): ClientSocket
  readonly OPEN: number
}

/** A server message, loosely typed for assertions. */
export interface Message {
  type: string
  id: string | null
  ref?: string
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  data: any
}

export const isFinal = (message: Message) =>
  message.type === 'completed' || message.type === 'error'

/** A `ws` client that keeps every message and ping it receives. */
export class Client {
  readonly messages: Message[] = []
  pings = 0
  closed = false
  private readonly waiters = new Set<() => void>()

  private constructor(readonly socket: ClientSocket) {
    socket.on('message', (data) => {
      recordArtifact('response', data)
      this.messages.push(JSON.parse(data.toString('utf8')) as Message)
      this.notify()
    })
    socket.on('ping', () => {
      this.pings++
      this.notify()
    })
    socket.on('close', () => {
      this.closed = true
      this.notify()
    })
  }

  static async open(baseUrl: string): Promise<Client> {
    const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/api/ws`)
    await new Promise<void>((resolve, reject) => {
      socket.once('open', resolve)
      socket.once('error', reject)
    })
    return new Client(socket)
  }

  send(message: object | string): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message))
  }

  /** Resolves with `check`'s first truthy answer, re-asked after every message or ping. */
  until<T>(check: () => T | undefined | null | false, what: string, timeoutMs = 5000): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const attempt = () => {
        const value = check()
        if (!value) return false
        clearTimeout(timer)
        this.waiters.delete(attempt)
        resolve(value)
        return true
      }
      const timer = setTimeout(() => {
        this.waiters.delete(attempt)
        reject(
          new Error(
            `timed out waiting for ${what}; received: ${JSON.stringify(this.messages.map(({ type, id, ref }) => ({ type, id, ref })))}`,
          ),
        )
      }, timeoutMs)
      if (!attempt()) this.waiters.add(attempt)
    })
  }

  /** The first message (received so far or later) that matches. */
  message(predicate: (message: Message) => boolean, what: string): Promise<Message> {
    return this.until(() => this.messages.find(predicate), what)
  }

  /** The events of the generation sent with `ref`, once its last one has arrived. */
  async finished(ref: string): Promise<Message[]> {
    await this.message((message) => message.ref === ref && isFinal(message), `the end of ${ref}`)
    return this.messages.filter((message) => message.ref === ref)
  }

  close(): void {
    this.socket.close()
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter()
  }
}
