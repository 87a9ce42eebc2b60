import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { BwrapSandbox } from '../../src/adapters/sandbox/bwrap.js'
import type { SandboxRequest } from '../../src/ports/sandbox.js'

/** The languages whose tests must run on a machine with the README's packages (CI is one). */
export const RUNNABLE = [
  'bash',
  'c',
  'cpp',
  'go',
  'java',
  'javascript',
  'php',
  'python',
  'ruby',
  'rust',
  'typescript',
]

/**
 * One sandbox for a test file, checked once: when it cannot run, the file's tests skip locally
 * and fail under `CI=true`, where bubblewrap is installed.
 */
export async function sandboxOrSkip(): Promise<BwrapSandbox | null> {
  const sandbox = new BwrapSandbox()
  const status = await sandbox.probe()
  if (status.available) return sandbox
  if (process.env.CI === 'true') throw new Error(`the sandbox is unavailable: ${status.reason}`)
  console.warn(`sandbox unavailable (${status.reason}); its tests are skipped`)
  return null
}

/** A request with small limits; tests override what they exercise. */
export function request(overrides: Partial<SandboxRequest> & { script: string }): SandboxRequest {
  return {
    files: [],
    env: {},
    mounts: [],
    collect: [],
    timeoutMs: 10_000,
    memoryMb: 256,
    outputBytes: 64 * 1024,
    ...overrides,
  }
}

/**
 * Watches the event loop while `work` runs: the longest gap between ticks of a 10 ms interval.
 * A sandbox that blocked the loop (sync exec, busy reading) shows here.
 */
export async function withLoopWatch<T>(
  work: () => Promise<T>,
): Promise<{ value: T; maxGapMs: number }> {
  let last = performance.now()
  let maxGapMs = 0
  const ticker = setInterval(() => {
    const now = performance.now()
    maxGapMs = Math.max(maxGapMs, now - last)
    last = now
  }, 10)
  try {
    const value = await work()
    return { value, maxGapMs }
  } finally {
    clearInterval(ticker)
  }
}

/** Host processes whose command line contains `marker` (pgrep exits 1 when there are none). */
export async function hostProcesses(marker: string): Promise<string[]> {
  try {
    const { stdout } = await promisify(execFile)('pgrep', ['-a', '-f', marker])
    return stdout
      .split('\n')
      .filter(Boolean)
      .filter((line) => !line.includes('pgrep'))
  } catch {
    return []
  }
}
