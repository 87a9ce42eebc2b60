import { createHash } from 'node:crypto'
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository's root. */
export const REPO = fileURLToPath(new URL('../..', import.meta.url))

/** A lock older than this was left by a run that died while building. */
const STALE_LOCK_MS = 180_000
const WAIT_LIMIT_MS = 240_000

/** Every file of the UI's sources, in a stable order (unit tests excluded: not in the bundle). */
function sourceFiles(directory: string): string[] {
  const files: string[] = []
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    if (entry.name === 'node_modules') continue
    const path = join(directory, entry.name)
    if (entry.isDirectory()) files.push(...sourceFiles(path))
    else if (!entry.name.endsWith('.test.ts')) files.push(path)
  }
  return files.sort()
}

/** A digest of web/, vite.config.ts and the locked dependencies: a new one means a new build. */
function sourcesDigest(): string {
  const hash = createHash('sha256')
  const files = [
    ...sourceFiles(join(REPO, 'web')),
    join(REPO, 'vite.config.ts'),
    join(REPO, 'package-lock.json'),
  ]
  for (const file of files) {
    if (!existsSync(file)) continue
    hash.update(relative(REPO, file)).update('\0').update(readFileSync(file)).update('\0')
  }
  return hash.digest('hex').slice(0, 16)
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * The UI built from the current sources, once per change of them: test files running in
 * parallel share one build in `<tmpdir>/verigen-e2e-web-<digest>`. The first to take the lock
 * (a directory, made atomically) builds into a scratch folder and renames it into place; the
 * others wait for the folder to appear. dist/web is never touched, so a stale `npm run build`
 * cannot be what the tests look at.
 */
export async function builtWebRoot(): Promise<string> {
  const target = join(tmpdir(), `verigen-e2e-web-${sourcesDigest()}`)
  const lock = `${target}.lock`
  const started = Date.now()
  for (;;) {
    if (existsSync(join(target, 'index.html'))) return target
    try {
      mkdirSync(lock)
    } catch {
      // Someone else builds: wait for it, unless its lock is stale.
      if (Date.now() - started > WAIT_LIMIT_MS) {
        throw new Error(`The UI build at ${target} did not finish within ${WAIT_LIMIT_MS} ms`)
      }
      try {
        if (Date.now() - statSync(lock).mtimeMs > STALE_LOCK_MS) rmSync(lock, { recursive: true })
      } catch {
        // Removed meanwhile.
      }
      await sleep(250)
      continue
    }
    try {
      if (existsSync(join(target, 'index.html'))) return target
      const scratch = `${target}.build-${process.pid}`
      const { build } = await import('vite')
      await build({
        configFile: join(REPO, 'vite.config.ts'),
        root: join(REPO, 'web'),
        build: { outDir: scratch, emptyOutDir: true },
        logLevel: 'warn',
      })
      rmSync(target, { recursive: true, force: true })
      renameSync(scratch, target)
      removeOldBuilds(target)
      return target
    } finally {
      rmSync(lock, { recursive: true, force: true })
    }
  }
}

/** Builds of earlier sources, a day old or more: nothing will use them again. */
function removeOldBuilds(current: string): void {
  const dayAgo = Date.now() - 86_400_000
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith('verigen-e2e-web-')) continue
    const path = join(tmpdir(), name)
    if (path === current || path.startsWith(`${current}.`)) continue
    try {
      if (statSync(path).mtimeMs < dayAgo) rmSync(path, { recursive: true, force: true })
    } catch {
      // Removed by a parallel run.
    }
  }
}
