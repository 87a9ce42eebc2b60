import type { ServerResponse } from 'node:http'
import { PassThrough } from 'node:stream'
import { AppError } from '../errors.js'
import type { PublishedEvent } from '../schemas/generation-events.js'
import { isFinal, SSE_HEARTBEAT, sseFrame } from './events.js'

function clientGone(what: string): AppError {
  return new AppError('APP_ERR_GENERATION_CANCELLED', `The client closed ${what}`)
}

/** A signal that aborts when the client closes the connection before its answer was sent. */
export function abortOnDisconnect(response: ServerResponse): AbortSignal {
  const controller = new AbortController()
  response.once('close', () => {
    if (!response.writableFinished) controller.abort(clientGone('the connection'))
  })
  return controller.signal
}

/**
 * One Server-Sent Events answer: the body to send, heartbeats while it is open, and a signal
 * that aborts when the client leaves before the final event.
 */
export class EventStream {
  readonly body = new PassThrough()
  private readonly controller = new AbortController()
  private readonly heartbeat: NodeJS.Timeout
  private finished = false

  constructor(
    private readonly response: ServerResponse,
    heartbeatMs: number,
  ) {
    this.heartbeat = setInterval(() => this.body.write(SSE_HEARTBEAT), heartbeatMs)
    response.once('close', () => {
      if (!this.finished) this.controller.abort(clientGone('the event stream'))
    })
  }

  get signal(): AbortSignal {
    return this.controller.signal
  }

  /** Sends one event; nothing after the final `completed` or `error`. */
  readonly send = (event: PublishedEvent): void => {
    if (this.finished || this.body.writableEnded) return
    this.finished = isFinal(event)
    this.body.write(sseFrame(event))
    // Node corks the socket on each write until the next tick; the generation's next step (the
    // parse gate after the last delta, say) may run before that tick, so send the frame now.
    const socket = this.response.socket
    if (socket?.writableCorked) socket.uncork()
  }

  end(): void {
    clearInterval(this.heartbeat)
    this.body.end()
  }
}
