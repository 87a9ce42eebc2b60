import { spawn, type ChildProcess } from 'node:child_process'
import { access, readFile } from 'node:fs/promises'
import { constants } from 'node:os'
import { resolve as absolute } from 'node:path'
import type { Readable, Writable } from 'node:stream'
import { AppError } from '../../errors.js'
import type {
  Sandbox,
  SandboxMount,
  SandboxRequest,
  SandboxResult,
  SandboxStatus,
} from '../../ports/sandbox.js'
import { buildCommand, CHANNEL_FD, HOST_ID, RUN_PIDS } from './bwrap-command.js'
import { detectCgroups, type CgroupSupport, type RunGroup } from './cgroup.js'
import { BoundedBuffer, parseChannel } from './channel.js'

/** A script printing this far past the kept output is stopped rather than drained for minutes. */
function outputKillBytes(outputBytes: number): number {
  return Math.max(8 * outputBytes, 1024 * 1024)
}

/** After the kill, how long to wait for pipes held by a stray process before giving up on them. */
const CLOSE_GRACE_MS = 2000

const SIGNAL_NAMES = new Map(Object.entries(constants.signals).map(([name, n]) => [n, name]))

type Stop = 'time' | 'output' | 'cancel'

async function existingMounts(mounts: readonly SandboxMount[]): Promise<SandboxMount[]> {
  const found = await Promise.all(
    mounts.map((mount) =>
      access(mount.host).then(
        // Absolute: the sandbox starts in `/`, not in the server's directory.
        () => ({ host: absolute(mount.host), path: mount.path }),
        () => null,
      ),
    ),
  )
  return found.filter((mount): mount is SandboxMount => mount !== null)
}

/**
 * Kills bwrap's child, the pid namespace's init, first: the kernel then kills the whole
 * namespace and bwrap reaps it. Killing bwrap first would leave that init to whoever reaps
 * orphans, which is nobody when the server is pid 1 of a container.
 */
async function killInside(child: ChildProcess): Promise<void> {
  if (!running(child)) return
  const children = await readFile(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').catch(
    () => '',
  )
  for (const pid of children.split(' ').filter(Boolean)) {
    try {
      process.kill(Number(pid), 'SIGKILL')
    } catch {
      // already gone
    }
  }
}

/** Whether the child has not been reaped yet: after that its pid may belong to someone else. */
function running(child: ChildProcess): boolean {
  return child.pid !== undefined && child.exitCode === null && child.signalCode === null
}

function killGroup(child: ChildProcess): void {
  if (!running(child)) return
  try {
    // Negative pid: the whole process group of the detached wrapper chain.
    process.kill(-child.pid!, 'SIGKILL')
  } catch {
    // already gone
  }
}

/** bubblewrap: new namespaces, no network, /usr read-only, a private tmpfs /work. */
export class BwrapSandbox implements Sandbox {
  readonly backend = 'bwrap'
  private status: Promise<SandboxStatus> | null = null
  private cgroups: Promise<CgroupSupport> | null = null
  private readonly asRoot = process.getuid?.() === 0

  /** `bwrap`: the program to start, found on PATH unless a path is given. */
  constructor(private readonly options: { bwrap?: string } = {}) {}

  /** Which cgroup hierarchy bounds memory and processes, or why none does. */
  cgroupSupport(): Promise<CgroupSupport> {
    this.cgroups ??= this.asRoot
      ? detectCgroups()
      : Promise.resolve({
          version: null,
          reason: 'the server is not root',
          create: () => Promise.reject(new Error('no cgroups')),
        })
    return this.cgroups
  }

  probe(): Promise<SandboxStatus> {
    this.status ??= this.run({
      files: [],
      script: '/bin/true',
      env: {},
      mounts: [],
      collect: [],
      timeoutMs: 10_000,
      memoryMb: 64,
      outputBytes: 4096,
    }).then(
      (result) =>
        result.exitCode === 0
          ? { available: true, backend: this.backend, reason: null }
          : {
              available: false,
              backend: this.backend,
              reason: `the sandbox could not run /bin/true (${result.limit ?? `exit ${result.exitCode ?? result.signal}`}): ${result.output.slice(0, 300)}`,
            },
      (error: unknown) => ({
        available: false,
        backend: this.backend,
        reason: error instanceof Error ? error.message : String(error),
      }),
    )
    return this.status
  }

  async run(request: SandboxRequest): Promise<SandboxResult> {
    const started = performance.now()
    const empty = { output: '', outputTruncated: false, files: {}, exitCode: null, signal: null }
    if (request.signal?.aborted) {
      return { ...empty, limit: null, cancelled: true, durationMs: 0 }
    }
    const cgroups = await this.cgroupSupport()
    const group: RunGroup | null = cgroups.version
      ? await cgroups.create({ memoryMb: request.memoryMb, pids: RUN_PIDS }).catch((error) => {
          // Running without the limits that worked at start-up would be a silent downgrade.
          throw new AppError(
            'APP_ERR_DEPENDENCY_DOWN',
            `the sandbox's ${cgroups.version} group could not be made: ${String(error)}`,
            { cause: error },
          )
        })
      : null
    try {
      const mounts = await existingMounts(request.mounts)
      const command = buildCommand(request, mounts, {
        procsFiles: group?.procsFiles ?? [],
        asRoot: this.asRoot,
        bwrap: this.options.bwrap ?? 'bwrap',
      })
      const outcome = await this.execute(command, request)
      const oomKilled = group ? (await group.close()).oomKilled : false
      const channel = parseChannel(outcome.channel, request.collect, request.outputBytes)
      const stop = outcome.stop
      const limit = stop === 'time' || stop === 'output' ? stop : oomKilled ? 'memory' : null
      if (!channel.started && stop === null && limit === null) {
        throw new AppError('APP_ERR_DEPENDENCY_DOWN', startFailure(outcome))
      }
      // The status line is the script's; without it (wrapper killed) bwrap passes the status on.
      const status = stop ? null : (channel.status ?? outcome.exitCode)
      // The shell's convention, which the port inherits by running scripts with sh: 128 + n
      // means signal n (a script that itself exits 137 reads as SIGKILL too).
      const bySignal = status !== null && status > 128 && SIGNAL_NAMES.has(status - 128)
      return {
        exitCode: stop ? null : bySignal ? null : status,
        signal: stop ? 'SIGKILL' : bySignal ? SIGNAL_NAMES.get(status - 128)! : outcome.signal,
        limit,
        cancelled: stop === 'cancel',
        output: outcome.output.text(),
        outputTruncated: outcome.output.truncated,
        files: channel.files,
        durationMs: Math.round(performance.now() - started),
      }
    } finally {
      // Runs once: already closed on the normal path; here for a throw before that.
      await group?.close()
    }
  }

  private execute(
    command: ReturnType<typeof buildCommand>,
    request: SandboxRequest,
  ): Promise<RunOutcome> {
    const output = new BoundedBuffer(request.outputBytes)
    const channel = new BoundedBuffer(
      (request.collect.length + 1) * (Math.ceil(request.outputBytes / 3) * 4 + 64) + 1024,
    )
    const errors = new BoundedBuffer(4096)
    const child = spawn(command.file, command.args, {
      // stdout (script output, stderr joined inside), stderr (the sandbox's own complaints),
      // the channel, then one pipe per file to copy in.
      stdio: ['ignore', 'pipe', 'pipe', 'pipe', ...command.inputs.map(() => 'pipe' as const)],
      detached: true,
      // The server's directory may be closed to the sandbox user, and has no business there.
      cwd: '/',
      // Only for finding the tools; bwrap clears it before the script starts.
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
    })
    let stop: Stop | null = null
    const halt = (reason: Stop) => {
      if (stop) return
      stop = reason
      void killInside(child).then(() => setTimeout(() => killGroup(child), 200).unref())
    }
    const timer = setTimeout(() => halt('time'), request.timeoutMs)
    const onAbort = () => halt('cancel')
    request.signal?.addEventListener('abort', onAbort, { once: true })
    // An abort during the awaits since run() checked it has fired already, unheard.
    if (request.signal?.aborted) halt('cancel')
    const killBytes = outputKillBytes(request.outputBytes)
    child.stdout!.on('data', (chunk: Buffer) => {
      output.push(chunk)
      if (output.total > killBytes) halt('output')
    })
    child.stderr!.on('data', (chunk: Buffer) => errors.push(chunk))
    ;(child.stdio[CHANNEL_FD] as Readable).on('data', (chunk: Buffer) => channel.push(chunk))
    command.inputs.forEach((input, index) => {
      const pipe = child.stdio[CHANNEL_FD + 1 + index] as Writable
      // EPIPE when bwrap stops before reading: the failure shows in its exit status.
      pipe.on('error', () => undefined)
      pipe.end(input.content)
    })
    return new Promise((resolve, reject) => {
      let grace: NodeJS.Timeout | undefined
      const finish = (exitCode: number | null, signal: NodeJS.Signals | null) => {
        clearTimeout(timer)
        clearTimeout(grace)
        request.signal?.removeEventListener('abort', onAbort)
        resolve({ stop, exitCode, signal, output, channel: channel.text(), errors: errors.text() })
      }
      child.once('error', (error) => {
        clearTimeout(timer)
        request.signal?.removeEventListener('abort', onAbort)
        reject(spawnFailure(error as NodeJS.ErrnoException, command.file))
      })
      child.once('exit', (exitCode, signal) => {
        // The pid namespace died with its init; a pipe some stray holder keeps open must not
        // hold up the answer (the cgroup, where there is one, kills that holder next).
        grace = setTimeout(() => {
          for (const stream of child.stdio) stream?.destroy()
          finish(exitCode, signal)
        }, CLOSE_GRACE_MS)
      })
      child.once('close', (exitCode, signal) => finish(exitCode, signal))
    })
  }
}

interface RunOutcome {
  stop: Stop | null
  exitCode: number | null
  signal: NodeJS.Signals | null
  output: BoundedBuffer
  channel: string
  errors: string
}

function spawnFailure(error: NodeJS.ErrnoException, file: string): AppError {
  const detail =
    error.code === 'ENOENT'
      ? `'${file}' is not installed (Debian packages bubblewrap and util-linux)`
      : `the sandbox could not start: ${error.message}`
  return new AppError('APP_ERR_DEPENDENCY_DOWN', detail, { cause: error })
}

function startFailure(outcome: RunOutcome): string {
  const said = outcome.errors.trim() || outcome.output.text().trim()
  // setpriv and prlimit say `failed to execute X: No such file…`; sh says `X: not found`.
  if (/failed to execute \S+: No such file|: not found$/m.test(said)) {
    return `the sandbox tools are not installed (Debian packages bubblewrap and util-linux): ${said}`
  }
  // bwrap mounts as the unprivileged user: a path under a closed directory such as /root fails.
  const hint = /Can't find source path .*Permission denied/.test(said)
    ? ` (the sandbox runs as uid ${HOST_ID} when the server is root: every mounted path must be readable by it)`
    : /namespace|uid map/i.test(said)
      ? ' (unprivileged user namespaces look disabled: sysctl kernel.unprivileged_userns_clone=1, and on Ubuntu kernel.apparmor_restrict_unprivileged_userns=0; in Docker, a seccomp profile that allows them)'
      : ''
  return `the sandbox could not start (exit ${outcome.exitCode ?? outcome.signal}): ${said || 'no message'}${hint}`
}
