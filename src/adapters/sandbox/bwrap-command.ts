import { availableParallelism } from 'node:os'
import { posix } from 'node:path'
import { AppError } from '../../errors.js'
import type { SandboxMount, SandboxRequest } from '../../ports/sandbox.js'

/** The uid and gid inside the sandbox; host root files show as `nobody` (65534), never as ours. */
const INSIDE_ID = '1000'
/** The host user runs start as when the server is root (RLIMIT_NPROC does not bind root). */
export const HOST_ID = 65534
/** Processes and threads of one run (the JVM alone starts a few dozen threads). */
export const RUN_PIDS = 256
/**
 * RLIMIT_NPROC counts every process of the host user, so it is shared by concurrent runs: a
 * ceiling for all of them together; the per-run bound is the pids cgroup.
 */
const USER_PROCESSES = 1024
const OPEN_FILES = 1024

/** Some runtimes (Python's getpass, the JVM, git) look the user up. */
const PASSWD = `root:x:0:0:root:/root:/usr/sbin/nologin\nsandbox:x:${INSIDE_ID}:${INSIDE_ID}:sandbox:/tmp:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n`
const GROUP = `root:x:0:\nsandbox:x:${INSIDE_ID}:\nnogroup:x:65534:\n`

/** fd 3 carries the wrapper's messages (start, collected files, status); files to copy in follow. */
export const CHANNEL_FD = 3
const FIRST_FILE_FD = 4

/**
 * Runs inside the sandbox as `sh -c WRAPPER wrapper LIMIT SCRIPT PATH...`: says it started, runs
 * the script without the channel, then sends each collected file (base64, at most LIMIT bytes)
 * and the script's status. The script's stderr joins stdout so that they interleave.
 */
const WRAPPER = `exec 2>&1
printf 'started\\n' >&${CHANNEL_FD}
limit=$1; script=$2; shift 2
(cd /work && exec /bin/sh -c "$script" ${CHANNEL_FD}>&-)
status=$?
cd /work || exit $status
i=0
for f in "$@"; do
  if [ -f "$f" ] && [ -r "$f" ]; then
    printf 'file %d\\n' "$i" >&${CHANNEL_FD}
    head -c "$limit" -- "$f" | base64 -w0 >&${CHANNEL_FD}
    printf '\\n' >&${CHANNEL_FD}
  fi
  i=$((i+1))
done
printf 'status %d\\n' "$status" >&${CHANNEL_FD}
exit $status`

/** A file bwrap copies from an inherited pipe into the new root before the wrapper starts. */
export interface InputFile {
  path: string
  content: string
}

export interface SandboxCommand {
  file: string
  args: string[]
  /** Written to fds 4, 5… in order. */
  inputs: InputFile[]
}

function workPath(relative: string): string {
  const normal = posix.normalize(relative)
  if (posix.isAbsolute(normal) || normal === '.' || normal.startsWith('..')) {
    throw new AppError('APP_ERR_INTERNAL', `Sandbox file '${relative}' is not inside /work`)
  }
  return posix.join('/work', normal)
}

/** Parent folders of the files, shortest first, for `--dir` (bwrap does not create them). */
function folders(paths: string[]): string[] {
  const all = new Set<string>()
  for (const path of paths) {
    for (let dir = posix.dirname(path); dir !== '/work' && dir !== '/'; dir = posix.dirname(dir)) {
      all.add(dir)
    }
  }
  return [...all].sort((a, b) => a.length - b.length)
}

/** The environment of the script: only the request's, plus the three the port promises. */
function environment(env: Readonly<Record<string, string>>): string[] {
  const full = { PATH: '/usr/bin:/bin', HOME: '/tmp', TMPDIR: '/tmp', ...env }
  return Object.entries(full).flatMap(([key, value]) => ['--setenv', key, value])
}

/**
 * The argv of one run: [cgroup join] → [setpriv when root] → prlimit → bwrap → sh wrapper.
 * `mounts` must already be filtered to host paths that exist.
 */
export function buildCommand(
  request: SandboxRequest,
  mounts: readonly SandboxMount[],
  host: { procsFiles: readonly string[]; asRoot: boolean; bwrap: string },
): SandboxCommand {
  const { procsFiles, asRoot } = host
  const files = request.files.map((file) => ({ path: workPath(file.path), content: file.content }))
  const inputs: InputFile[] = [
    { path: '/etc/passwd', content: PASSWD },
    { path: '/etc/group', content: GROUP },
    ...files,
  ]
  // tmpfs pages count against the memory cgroup too; the size bounds them where there is none.
  const tmpfsBytes = String(Math.max(request.memoryMb, 64) * 1024 * 1024)
  const seconds = Math.ceil(request.timeoutMs / 1000)
  const bwrap = [
    host.bwrap,
    // --unshare-all only tries the user namespace; without one nothing else below holds.
    '--unshare-all',
    '--unshare-user',
    '--die-with-parent',
    '--new-session',
    // The wrapper is the namespace's init, so bwrap waits for it itself. With bwrap's own init,
    // bwrap exits on its report and leaves that init a zombie for the host's reaper, which is
    // nobody when the server is pid 1 of a container.
    '--as-pid-1',
    '--cap-drop',
    'ALL',
    // A namespace of its own would give the script capabilities again inside it: the usual
    // first step of a kernel exploit. Nothing a test runner does needs one.
    '--disable-userns',
    '--uid',
    INSIDE_ID,
    '--gid',
    INSIDE_ID,
    '--hostname',
    'sandbox',
    '--clearenv',
    ...environment(request.env),
    '--ro-bind',
    '/usr',
    '/usr',
    ...['bin', 'lib', 'lib64', 'sbin'].flatMap((link) => ['--symlink', `usr/${link}`, `/${link}`]),
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    ...['/tmp', '/work'].flatMap((dir) => ['--size', tmpfsBytes, '--tmpfs', dir]),
    '--dir',
    '/etc',
    ...mounts.flatMap((mount) => ['--ro-bind', mount.host, mount.path]),
    ...folders(files.map((file) => file.path)).flatMap((dir) => ['--dir', dir]),
    ...inputs.flatMap((input, index) => [
      '--perms',
      '0644',
      '--file',
      String(FIRST_FILE_FD + index),
      input.path,
    ]),
    '--chdir',
    '/work',
    '/bin/sh',
    '-c',
    WRAPPER,
    'wrapper',
    String(request.outputBytes),
    request.script,
    ...request.collect,
  ]
  const prlimit = [
    'prlimit',
    // CPU seconds of one process, threads summed: a backstop behind the wall-time kill that a
    // compiler using every core for the whole timeout does not reach.
    `--cpu=${seconds * availableParallelism() + 1}`,
    `--nproc=${USER_PROCESSES}`,
    `--fsize=${tmpfsBytes}`,
    `--nofile=${OPEN_FILES}`,
    '--core=0',
    // Without a memory cgroup, the data limit is the fallback: it counts only memory a process
    // can write, so V8's and the JVM's large PROT_NONE reservations (which RLIMIT_AS breaks on)
    // pass, while what the script touches is bounded.
    ...(procsFiles.length === 0 ? [`--data=${request.memoryMb * 1024 * 1024}`] : []),
    '--',
  ]
  const setpriv = asRoot
    ? ['setpriv', `--reuid=${HOST_ID}`, `--regid=${HOST_ID}`, '--clear-groups', '--']
    : []
  const chain = [...setpriv, ...prlimit, ...bwrap]
  if (procsFiles.length === 0) return { file: chain[0]!, args: chain.slice(1), inputs }
  // Joins the groups before anything of the run can fork, so no process escapes them.
  const join = 'for f in $PROCS; do echo $$ > "$f" || exit 125; done; exec "$@"'
  return {
    file: '/bin/sh',
    args: ['-c', join.replace('$PROCS', procsFiles.map(quote).join(' ')), 'join', ...chain],
    inputs,
  }
}

function quote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`
}
