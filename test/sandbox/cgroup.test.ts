import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { detectCgroups } from '../../src/adapters/sandbox/cgroup.js'

/** This process's group in the v1 pids hierarchy, where the runs' groups go. */
function pidsBase(): string {
  const line = readFileSync('/proc/self/cgroup', 'utf8')
    .split('\n')
    .find((entry) => /^\d+:pids:/.test(entry))
  return join('/sys/fs/cgroup/pids', line?.split(':')[2] ?? '/', 'verigen')
}

describe.runIf(process.getuid?.() === 0)('sandbox cgroups', () => {
  it('removes the groups a dead server left behind, and keeps a live one’s', async () => {
    const first = await detectCgroups()
    if (process.env.CI === 'true') expect(first.version).toBe('cgroup v1')
    if (first.version !== 'cgroup v1') return
    // pid 1 lives, but did not start 30 years after boot; no server ever had pid 4194305 (above pid_max).
    const stale = [
      join(pidsBase(), 'run-4194305.1-1-dead'),
      join(pidsBase(), 'run-1.99999999999-1-reused'),
    ]
    for (const directory of stale) mkdirSync(directory)
    const live = await first.create({ memoryMb: 64, pids: 8 })
    await detectCgroups()
    for (let attempt = 0; attempt < 100 && stale.some(existsSync); attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    expect(stale.filter(existsSync)).toEqual([])
    expect(live.procsFiles.every(existsSync)).toBe(true)
    await live.close()
    expect(live.procsFiles.some(existsSync)).toBe(false)
  })
})
