import type { PullProgress } from '../../models/download.js'

const EVERY_MS = 100

/** `1.5 GB`, `730.2 MB`: decimal units, as download sizes are usually given. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB']
  let value = bytes
  let unit = 0
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000
    unit++
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`
}

function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?'
  const whole = Math.round(seconds)
  return whole >= 60
    ? `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, '0')}s`
    : `${whole}s`
}

/**
 * Download progress on stderr: on a terminal, one line redrawn at most 10 times a second
 * (percent, bytes, speed, time left); elsewhere a plain line per 10 % (per 100 MB when the size
 * is unknown), so that logs stay short.
 */
export class DownloadProgress {
  private readonly started = performance.now()
  private shownAt = 0
  private lastStep = -1
  private drawn = false

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {}

  update(progress: PullProgress): void {
    const { received, total, resumedFrom } = progress
    const percent = total ? Math.floor((received / total) * 100) : null
    if (!this.stream.isTTY) {
      const step = percent !== null ? Math.floor(percent / 10) : Math.floor(received / 100e6)
      if (step === this.lastStep) return
      this.lastStep = step
      const amount = total ? `${percent}% of ${formatBytes(total)}` : formatBytes(received)
      this.stream.write(`verigen models pull: ${amount}\n`)
      return
    }
    const now = performance.now()
    if (now - this.shownAt < EVERY_MS && received !== total) return
    this.shownAt = now
    const seconds = (now - this.started) / 1000
    const speed = seconds > 0 ? (received - resumedFrom) / seconds : 0
    const left = total && speed > 0 ? formatSeconds((total - received) / speed) : '?'
    const done = total ? `${formatBytes(received)} / ${formatBytes(total)}` : formatBytes(received)
    const head = percent !== null ? `${String(percent).padStart(3)}% ` : ''
    this.stream.write(`\r\x1b[K${head}${done}  ${formatBytes(speed)}/s  ETA ${left}`)
    this.drawn = true
  }

  /** Ends the redrawn line, so that what follows on stderr starts clean. */
  end(): void {
    if (this.drawn) this.stream.write('\n')
    this.drawn = false
  }
}
