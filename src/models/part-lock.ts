import { open, readFile, rm } from 'node:fs/promises'
import { AppError } from '../errors.js'

/** Locks held by this process: its own pid in a lock file cannot tell them from stale ones. */
const held = new Set<string>()

function running(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function busy(what: string, pid: number): AppError {
  return new AppError(
    'APP_ERR_MODEL_DOWNLOAD',
    `Another download of '${what}' is running (process ${pid}); wait for it or stop it first`,
  )
}

/**
 * Takes `<lockPath>` (holding this process's id) so that two downloads never write the same
 * partial file, from two processes (the server fetching `LOCAL_MODEL` while `verigen models
 * pull` runs) or two calls in one. A lock left by a process that is gone is taken over.
 * Returns the function that releases it.
 */
export async function lockPart(lockPath: string, what: string): Promise<() => Promise<void>> {
  if (held.has(lockPath)) throw busy(what, process.pid)
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(lockPath, 'wx')
      held.add(lockPath)
      await handle.writeFile(String(process.pid))
      await handle.close()
      return async () => {
        held.delete(lockPath)
        await rm(lockPath, { force: true })
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      const text = await readFile(lockPath, 'utf8').catch(() => '')
      const pid = /^\d{1,10}$/.test(text.trim()) ? Number(text.trim()) : null
      if (pid !== null && pid !== process.pid && running(pid)) throw busy(what, pid)
      await rm(lockPath, { force: true })
    }
  }
  throw busy(what, process.pid)
}
