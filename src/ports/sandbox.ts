/**
 * Where generated code runs: an isolated, unprivileged place with no network, no secrets and
 * limits on time, memory, processes and output. Nothing outside it is visible but the toolchain
 * directories it is given read-only.
 */
export interface Sandbox {
  /** Which technology isolates the runs, e.g. `bwrap`, or `off`. */
  readonly backend: string
  /** Whether runs can start here, and why not; checked once, then answered from memory. */
  probe(): Promise<SandboxStatus>
  /**
   * Runs a script in a fresh private directory. Never throws for what the script does (exit
   * codes, limits, crashes are in the result); throws only when the sandbox itself cannot start.
   */
  run(request: SandboxRequest): Promise<SandboxResult>
}

export interface SandboxStatus {
  available: boolean
  backend: string
  /** Why runs cannot start (`bwrap` not installed, user namespaces refused…); null when they can. */
  reason: string | null
}

/** A host path made visible read-only inside the sandbox at `path`. */
export interface SandboxMount {
  host: string
  path: string
}

export interface SandboxFile {
  /** Relative to the working directory (`/work`); folders are created as needed. */
  path: string
  content: string
}

export interface SandboxRequest {
  /** Written into the private working directory `/work` before the script starts. */
  files: readonly SandboxFile[]
  /** Run by `/bin/sh -c` in `/work`, as an unprivileged user. */
  script: string
  /**
   * The whole environment of the script: nothing of the server's is inherited. The sandbox
   * sets `HOME` and `TMPDIR` (a private writable directory) and `PATH` when they are absent.
   */
  env: Readonly<Record<string, string>>
  /** Read-only mounts besides `/usr`; a host path that does not exist is left out. */
  mounts: readonly SandboxMount[]
  /** Files under `/work` read back after the script ends (each at most `outputBytes`). */
  collect: readonly string[]
  /** Wall time of the whole run, start-up included. */
  timeoutMs: number
  memoryMb: number
  /** Bytes of stdout and stderr kept; a script that prints far more is stopped. */
  outputBytes: number
  signal?: AbortSignal | undefined
}

export interface SandboxResult {
  /** The script's exit code; null when it was killed by a signal. */
  exitCode: number | null
  /** The signal that ended it (`SIGKILL`…), or null. */
  signal: string | null
  /** The limit that stopped the run, if one did. */
  limit: 'time' | 'memory' | 'output' | null
  /** Stopped because `signal` was aborted. */
  cancelled: boolean
  /** stdout and stderr interleaved as they arrived, at most `outputBytes`. */
  output: string
  outputTruncated: boolean
  /** The collected files that existed, by the path asked for. */
  files: Record<string, string>
  durationMs: number
}
