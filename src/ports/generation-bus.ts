/**
 * What the API processes of one deployment tell each other about the generations they run, so
 * that a cancel request or a subscriber reaching one process finds a generation running in
 * another. Absent (null) when the process runs alone.
 */
export interface GenerationBus<Event = unknown> {
  /** Answers other processes' requests about the generations `owner` runs. */
  serve(owner: GenerationOwner<Event>): Promise<void>
  /** Passes on an event of a generation that a process elsewhere watches; cheap when none does. */
  relay(id: string, event: Event, final: boolean): void
  /** Asks whichever process runs `id` to cancel it. */
  requestCancel(id: string): Promise<void>
  /**
   * Passes the events of a generation running elsewhere to `listener`: those so far, then new
   * ones until the final one. Answers null when no process answered in time (it has finished, or
   * its process is gone).
   */
  watch(id: string, listener: (event: Event) => void): Promise<(() => void) | null>
  close(): Promise<void>
}

/** The process-local side that the bus asks on behalf of the others. */
export interface GenerationOwner<Event = unknown> {
  /** The events so far of a generation running here, or null when it does not run here. */
  snapshot(id: string): Event[] | null
  /** Stops a generation running here; false when it does not run here. */
  cancelHere(id: string): boolean
}
