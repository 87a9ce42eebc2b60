/** Shown only when a run is long: more files than this, or longer than `AFTER_MS`. */
const MANY_FILES = 20
const AFTER_MS = 1000
const EVERY_MS = 100

/**
 * A `files done/total` line on stderr, rewritten in place, for runs long enough to wonder about;
 * only when stderr is a terminal, so that logs and CI output never hold it.
 */
export class Progress {
  private readonly started = performance.now()
  private shownAt = 0
  private shown = false

  constructor(
    private readonly total: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {}

  update(done: number): void {
    if (!this.stream.isTTY) return
    const now = performance.now()
    if (this.total <= MANY_FILES && now - this.started < AFTER_MS) return
    if (this.shown && now - this.shownAt < EVERY_MS && done < this.total) return
    this.shownAt = now
    this.shown = true
    this.stream.write(`\rverigen analyze: ${done}/${this.total} files`)
  }

  /** Clears the line, so that what follows on stderr starts clean. */
  end(): void {
    if (this.shown) this.stream.write('\r\x1b[K')
  }
}
