import type { PublishedEvent } from '../../schemas/generation-events.js'

export type { PublishedEvent }

type Listener = (event: PublishedEvent) => void

interface Channel {
  /** Every event so far, so that a late subscriber sees the whole generation. */
  history: PublishedEvent[]
  listeners: Set<Listener>
}

const DELTAS = new Set<PublishedEvent['type']>(['code.delta', 'tests.delta', 'docs.delta'])

/**
 * Keeps an event for late subscribers. A run of deltas of one kind is kept as one delta with the
 * text so far: a subscriber gets the same text, without thousands of small events to replay.
 */
function remember(history: PublishedEvent[], event: PublishedEvent): void {
  const last = history.at(-1)
  if (DELTAS.has(event.type) && last?.type === event.type) {
    const text = (last.data as { text: string }).text + (event.data as { text: string }).text
    history[history.length - 1] = { type: event.type, data: { text } } as PublishedEvent
    return
  }
  history.push(event)
}

/**
 * The events of the generations running in this process, for anyone watching: the stream that
 * started a generation, another tab subscribing to it, or a client watching a batch item.
 */
export class GenerationEventHub {
  private readonly channels = new Map<string, Channel>()

  open(id: string): void {
    this.channels.set(id, { history: [], listeners: new Set() })
  }

  publish(id: string, event: PublishedEvent): void {
    const channel = this.channels.get(id)
    if (!channel) return
    remember(channel.history, event)
    for (const listener of channel.listeners) listener(event)
  }

  /**
   * Ends a generation's channel. Its events are dropped at once: by now the history holds the
   * outcome, which is all a later subscriber is told.
   */
  close(id: string): void {
    this.channels.delete(id)
  }

  /** The events so far of a generation running here (runs of deltas joined), or null. */
  snapshot(id: string): PublishedEvent[] | null {
    return this.channels.get(id)?.history.slice() ?? null
  }

  /**
   * Replays the events so far to `listener`, then passes on new ones until the generation ends.
   * Answers null when this process has no such generation.
   */
  subscribe(id: string, listener: Listener): (() => void) | null {
    const channel = this.channels.get(id)
    if (!channel) return null
    for (const event of channel.history) listener(event)
    channel.listeners.add(listener)
    return () => channel.listeners.delete(listener)
  }
}
