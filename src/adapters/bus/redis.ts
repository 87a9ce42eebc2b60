import { randomUUID } from 'node:crypto'
import type { Redis } from 'ioredis'
import { DependencyError } from '../../errors.js'
import type { GenerationBus, GenerationOwner } from '../../ports/generation-bus.js'
import type { Logger } from '../../ports/logger.js'

/** A request on the control channel, answered by the process that runs the generation. */
type Control = { op: 'watch'; id: string; watcher: string } | { op: 'cancel'; id: string }

/** A message on a generation's channel: the events so far for one watcher, or a new event. */
type Relayed<Event> = { watcher: string; events: Event[] } | { event: Event; final: boolean }

export interface RedisBusOptions {
  keyPrefix: string
  logger: Logger
}

/** How long a watcher waits for the process running the generation to answer. */
const ANSWER_TIMEOUT_MS = 1000

/**
 * The processes of one deployment talking through Redis pub/sub. A watcher subscribes to the
 * generation's channel, then asks on the control channel; the process running it answers on that
 * channel with the events so far, addressed to that watcher, and from then on publishes each new
 * event there until the last. One connection publishes, so a watcher sees the answer before any
 * event published after it; events relayed for an earlier watcher that arrive before its own
 * answer are already in that answer, and are skipped.
 */
export class RedisGenerationBus<Event = unknown> implements GenerationBus<Event> {
  private readonly subscriber: Redis
  private readonly controlChannel: string
  /** Generations running here that a process elsewhere watches. */
  private readonly watched = new Set<string>()
  /** Message handlers of this process's watchers, by channel. */
  private readonly handlers = new Map<string, Set<(message: Relayed<Event>) => void>>()
  private owner: GenerationOwner<Event> | null = null

  constructor(
    private readonly client: Redis,
    private readonly options: RedisBusOptions,
  ) {
    this.subscriber = client.duplicate()
    this.controlChannel = `${options.keyPrefix}generations:control`
    this.subscriber.on('message', (channel: string, text: string) => this.receive(channel, text))
    // ioredis reconnects and subscribes again by itself; an outage is worth a line a minute.
    let lastLogged = 0
    this.subscriber.on('error', (error: Error) => {
      if (Date.now() - lastLogged < 60_000) return
      lastLogged = Date.now()
      options.logger.warn({ detail: error.message }, 'redis subscriber connection error')
    })
  }

  async serve(owner: GenerationOwner<Event>): Promise<void> {
    this.owner = owner
    await this.subscriber.subscribe(this.controlChannel)
  }

  relay(id: string, event: Event, final: boolean): void {
    if (!this.watched.has(id)) return
    if (final) this.watched.delete(id)
    this.publish(this.channel(id), { event, final })
  }

  async requestCancel(id: string): Promise<void> {
    try {
      await this.client.publish(this.controlChannel, JSON.stringify({ op: 'cancel', id }))
    } catch (error) {
      throw unavailable(error)
    }
  }

  async watch(id: string, listener: (event: Event) => void): Promise<(() => void) | null> {
    const channel = this.channel(id)
    const watcher = randomUUID()
    let answered = false
    let stop: () => void = () => {}
    const answer = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), ANSWER_TIMEOUT_MS)
      const handler = (message: Relayed<Event>) => {
        if ('watcher' in message) {
          if (message.watcher !== watcher || answered) return
          answered = true
          clearTimeout(timer)
          resolve(true)
          for (const event of message.events) listener(event)
          return
        }
        if (!answered) return
        listener(message.event)
        if (message.final) stop()
      }
      stop = () => {
        clearTimeout(timer)
        this.removeHandler(channel, handler)
      }
      this.addHandler(channel, handler)
    })
    try {
      await this.subscriber.subscribe(channel)
      await this.client.publish(
        this.controlChannel,
        JSON.stringify({ op: 'watch', id, watcher } satisfies Control),
      )
    } catch (error) {
      stop()
      throw unavailable(error)
    }
    if (await answer) return stop
    stop()
    return null
  }

  async close(): Promise<void> {
    this.handlers.clear()
    await this.subscriber.quit().catch(() => this.subscriber.disconnect())
  }

  private channel(id: string): string {
    return `${this.options.keyPrefix}generations:${id}`
  }

  private publish(channel: string, message: Relayed<Event>): void {
    this.client
      .publish(channel, JSON.stringify(message))
      .catch((error: unknown) =>
        this.options.logger.warn(
          { channel, detail: (error as Error).message },
          'could not relay a generation event',
        ),
      )
  }

  private receive(channel: string, text: string): void {
    let message: unknown
    try {
      message = JSON.parse(text)
    } catch {
      return // not ours: the prefix is shared with something else
    }
    if (channel === this.controlChannel) return this.control(message as Control)
    for (const handler of [...(this.handlers.get(channel) ?? [])]) {
      handler(message as Relayed<Event>)
    }
  }

  private control(request: Control): void {
    if (!this.owner) return
    if (request.op === 'cancel') {
      this.owner.cancelHere(request.id)
      return
    }
    const events = this.owner.snapshot(request.id)
    if (!events) return
    this.watched.add(request.id)
    this.publish(this.channel(request.id), { watcher: request.watcher, events })
  }

  private addHandler(channel: string, handler: (message: Relayed<Event>) => void): void {
    const set = this.handlers.get(channel) ?? new Set()
    set.add(handler)
    this.handlers.set(channel, set)
  }

  private removeHandler(channel: string, handler: (message: Relayed<Event>) => void): void {
    const set = this.handlers.get(channel)
    if (!set?.delete(handler) || set.size > 0) return
    this.handlers.delete(channel)
    this.subscriber.unsubscribe(channel).catch(() => {})
  }
}

function unavailable(error: unknown): DependencyError {
  return new DependencyError(
    `Redis unavailable, so other API processes cannot be reached: ${(error as Error).message}`,
    error,
  )
}
