import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { lockPart } from './part-lock.js'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

function lockPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'verigen-lock-'))
  dirs.push(dir)
  return join(dir, 'm.gguf.part.lock')
}

describe('lockPart', () => {
  it('holds the lock with this process id, refuses a second holder, and releases', async () => {
    const path = lockPath()
    const release = await lockPart(path, 'm.gguf')
    expect(readFileSync(path, 'utf8')).toBe(String(process.pid))
    await expect(lockPart(path, 'm.gguf')).rejects.toThrow(/Another download of 'm.gguf'/)
    await release()
    expect(existsSync(path)).toBe(false)
    await (
      await lockPart(path, 'm.gguf')
    )()
  })

  it('refuses a lock of a running process and takes over one of a finished process', async () => {
    const path = lockPath()
    // The parent of this process is alive for as long as this test runs.
    writeFileSync(path, String(process.ppid))
    await expect(lockPart(path, 'm.gguf')).rejects.toThrow(`process ${process.ppid}`)
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'])
    writeFileSync(path, gone.stdout.toString())
    const release = await lockPart(path, 'm.gguf')
    expect(readFileSync(path, 'utf8')).toBe(String(process.pid))
    await release()
  })
})
