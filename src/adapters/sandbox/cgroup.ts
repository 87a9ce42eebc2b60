import { randomBytes } from 'node:crypto'
import { access, mkdir, readdir, readFile, rmdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

const ROOT = '/sys/fs/cgroup'

/** One run's control groups: the files its first process joins, and how it ends. */
export interface RunGroup {
  /** `cgroup.procs` files the wrapper writes its pid to before it execs the sandbox. */
  readonly procsFiles: readonly string[]
  /** Kills whatever is left in the group, removes it, and says whether the kernel OOM-killed in it. */
  close(): Promise<{ oomKilled: boolean }>
}

/** Where per-run groups are made, or why they cannot be. */
export interface CgroupSupport {
  /** `cgroup v1`, `cgroup v2`, or null when no hierarchy is writable. */
  readonly version: 'cgroup v1' | 'cgroup v2' | null
  readonly reason: string | null
  create(limits: { memoryMb: number; pids: number }): Promise<RunGroup>
}

/** This process's path in each hierarchy, from /proc/self/cgroup (`4:memory:/a/b`, `0::/a`). */
async function ownPaths(): Promise<Map<string, string>> {
  const paths = new Map<string, string>()
  for (const line of (await readFile('/proc/self/cgroup', 'utf8')).split('\n')) {
    const [, controllers, path] = /^\d+:([^:]*):(.*)$/.exec(line) ?? []
    if (path === undefined) continue
    for (const controller of (controllers ?? '').split(',')) paths.set(controller, path)
  }
  return paths
}

let counter = 0
let self: Promise<string | null> | null = null
async function runName(): Promise<string> {
  counter += 1
  self ??= startTime(process.pid)
  return `run-${process.pid}.${await self}-${counter}-${randomBytes(4).toString('hex')}`
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Kills every process in a group until it is empty (v1 has no cgroup.kill), then removes it. */
async function killAndRemove(directory: string, killFile: string | null): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    if (killFile) await writeFile(killFile, '1').catch(() => undefined)
    const procs = await readFile(join(directory, 'cgroup.procs'), 'utf8').catch(() => '')
    for (const pid of procs.split('\n').filter(Boolean)) {
      try {
        process.kill(Number(pid), 'SIGKILL')
      } catch {
        // already gone
      }
    }
    try {
      await rmdir(directory)
      return
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return
      // EBUSY until the killed processes are reaped.
      await sleep(20)
    }
  }
}

/** A process's start time (clock ticks since boot): with the pid, it names one process life. */
async function startTime(pid: number): Promise<string | null> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null)
  // Fields after the command name, which may itself hold spaces and parentheses.
  return stat?.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null
}

/**
 * Removes the groups of servers that died mid-run (killed, or exited with runs in flight): a
 * group is named after its server's pid and start time, and only that process may use it.
 */
async function sweep(base: string, killFile: string | null): Promise<void> {
  for (const name of await readdir(base).catch(() => [])) {
    const [, pid, started] = /^run-(\d+)\.(\d+)-/.exec(name) ?? []
    if (pid && started !== (await startTime(Number(pid)))) {
      await killAndRemove(join(base, name), killFile && join(base, name, killFile))
    }
  }
}

/** A group whose close runs once, however often it is called. */
function once(procsFiles: string[], close: () => Promise<{ oomKilled: boolean }>): RunGroup {
  let closing: Promise<{ oomKilled: boolean }> | null = null
  return { procsFiles, close: () => (closing ??= close()) }
}

/**
 * cgroup v1 (separate memory and pids hierarchies). Groups go under this process's own group, so
 * the limits a container or supervisor set on the server still bound the runs.
 */
async function v1(): Promise<CgroupSupport> {
  const own = await ownPaths()
  const memoryBase = join(ROOT, 'memory', own.get('memory') ?? '/', 'verigen')
  const pidsBase = join(ROOT, 'pids', own.get('pids') ?? '/', 'verigen')
  await mkdir(memoryBase, { recursive: true })
  await mkdir(pidsBase, { recursive: true })
  void sweep(memoryBase, null)
  void sweep(pidsBase, null)
  const swap = await access(join(memoryBase, 'memory.memsw.limit_in_bytes')).then(
    () => true,
    () => false,
  )
  return {
    version: 'cgroup v1',
    reason: null,
    async create({ memoryMb, pids }) {
      const name = await runName()
      const memory = join(memoryBase, name)
      const pidsGroup = join(pidsBase, name)
      await mkdir(memory)
      await mkdir(pidsGroup)
      const bytes = String(memoryMb * 1024 * 1024)
      // memsw counts memory plus swap; without it a run could swap past its limit.
      await writeFile(join(memory, 'memory.limit_in_bytes'), bytes)
      if (swap) await writeFile(join(memory, 'memory.memsw.limit_in_bytes'), bytes)
      await writeFile(join(pidsGroup, 'pids.max'), String(pids))
      return once([join(memory, 'cgroup.procs'), join(pidsGroup, 'cgroup.procs')], async () => {
        await killAndRemove(pidsGroup, null)
        const control = await readFile(join(memory, 'memory.oom_control'), 'utf8').catch(() => '')
        await killAndRemove(memory, null)
        return { oomKilled: Number(/oom_kill (\d+)/.exec(control)?.[1] ?? 0) > 0 }
      })
    },
  }
}

/** cgroup v2: one hierarchy; needs memory and pids delegated to the `verigen` group. */
async function v2(): Promise<CgroupSupport> {
  const own = (await ownPaths()).get('') ?? '/'
  const parent = join(ROOT, own)
  const base = join(parent, 'verigen')
  await mkdir(base, { recursive: true })
  await writeFile(join(parent, 'cgroup.subtree_control'), '+memory +pids').catch(async () => {
    // The "no internal processes" rule: a group holding processes (a systemd service with
    // Delegate=yes, a container's own group) cannot hand controllers down. The usual way out,
    // as systemd's delegation guide says: the server moves itself into a leaf beside the runs.
    const leaf = join(parent, 'server')
    await mkdir(leaf, { recursive: true })
    await writeFile(join(leaf, 'cgroup.procs'), String(process.pid))
    await writeFile(join(parent, 'cgroup.subtree_control'), '+memory +pids')
  })
  await writeFile(join(base, 'cgroup.subtree_control'), '+memory +pids')
  void sweep(base, 'cgroup.kill')
  return {
    version: 'cgroup v2',
    reason: null,
    async create({ memoryMb, pids }) {
      const group = join(base, await runName())
      await mkdir(group)
      await writeFile(join(group, 'memory.max'), String(memoryMb * 1024 * 1024))
      await writeFile(join(group, 'memory.swap.max'), '0').catch(() => undefined)
      await writeFile(join(group, 'pids.max'), String(pids))
      return once([join(group, 'cgroup.procs')], async () => {
        const events = await readFile(join(group, 'memory.events'), 'utf8').catch(() => '')
        await killAndRemove(group, join(group, 'cgroup.kill'))
        return { oomKilled: Number(/oom_kill (\d+)/.exec(events)?.[1] ?? 0) > 0 }
      })
    },
  }
}

function unsupported(reason: string): CgroupSupport {
  return {
    version: null,
    reason,
    create: () => Promise.reject(new Error(reason)),
  }
}

/** Finds a writable cgroup hierarchy; never throws (the reason says what was missing). */
export async function detectCgroups(): Promise<CgroupSupport> {
  const unified = await access(join(ROOT, 'cgroup.controllers')).then(
    () => true,
    () => false,
  )
  try {
    return unified ? await v2() : await v1()
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    return unsupported(`no writable ${unified ? 'cgroup v2' : 'cgroup v1'} hierarchy (${message})`)
  }
}
