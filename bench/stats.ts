/** Latency figures of one series of samples, in milliseconds. */
export interface Percentiles {
  samples: number
  p50: number
  p99: number
  max: number
}

export const round = (value: number) => Math.round(value * 100) / 100

export function percentiles(values: number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b)
  const at = (fraction: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? 0
  return {
    samples: sorted.length,
    p50: round(at(0.5)),
    p99: round(at(0.99)),
    max: round(sorted.at(-1) ?? 0),
  }
}
