import { existsSync, readFileSync, statSync } from 'node:fs'
import { readdir } from 'node:fs/promises'
import { basename, dirname, join, relative, resolve, sep } from 'node:path'
import type { Ignore, Options } from 'ignore'

const SKIPPED_DIRECTORIES = new Set([
  'node_modules',
  '.git',
  '.hg',
  '.svn',
  '__pycache__',
  '.venv',
  'venv',
  'dist',
  'target',
])

/** A file found under a PATH; `explicit` when the PATH named it. */
export interface FoundFile {
  path: string
  explicit: boolean
}

/** The rules of one .gitignore, for paths below its folder. */
interface IgnoreFile {
  folder: string
  rules: Ignore
}

/** Which files to leave out. */
export interface FileFilter {
  /** .gitignore-style patterns (`--exclude`). */
  excludes: readonly string[]
  /** When set, only these absolute paths (`--changed-since`). */
  only: ReadonlySet<string> | undefined
}

const toPosix = (path: string) => (sep === '/' ? path : path.split(sep).join('/'))

type IgnoreFactory = (options?: Options) => Ignore
let factory: IgnoreFactory | undefined
/** The matcher is loaded when the first pattern needs it: one file alone never does. */
async function matcher(patterns: string | readonly string[]): Promise<Ignore> {
  factory ??= (await import('ignore')).default as IgnoreFactory
  return factory().add(patterns)
}

async function readIgnoreFile(folder: string): Promise<IgnoreFile | undefined> {
  const file = join(folder, '.gitignore')
  if (!existsSync(file)) return undefined
  return { folder, rules: await matcher(readFileSync(file, 'utf8')) }
}

function ignoredBy(files: readonly IgnoreFile[], path: string, isDirectory: boolean): boolean {
  for (const file of files) {
    const name = toPosix(relative(file.folder, path))
    if (name === '' || name.startsWith('../')) continue
    if (file.rules.ignores(isDirectory ? `${name}/` : name)) return true
  }
  return false
}

/**
 * The .gitignore files above `folder` that apply to it: those from the repository's top (the
 * nearest folder holding `.git`) down to its parent. None outside a repository.
 */
async function ancestorIgnoreFiles(folder: string): Promise<IgnoreFile[]> {
  const chain: string[] = []
  let current = dirname(folder)
  let top: string | undefined
  if (existsSync(join(folder, '.git'))) return []
  for (;;) {
    chain.push(current)
    if (existsSync(join(current, '.git'))) {
      top = current
      break
    }
    const parent = dirname(current)
    if (parent === current) break
    current = parent
  }
  if (!top) return []
  const files = await Promise.all(chain.reverse().map(readIgnoreFile))
  return files.filter((file): file is IgnoreFile => file !== undefined)
}

/**
 * The files under each PATH, in order (a folder's entries by name), without what .gitignore
 * files, `--exclude` and `--changed-since` leave out. A PATH that does not exist is reported
 * through `onMissing` and skipped.
 */
export async function* findFiles(
  roots: readonly string[],
  filter: FileFilter,
  onMissing: (path: string) => void,
): AsyncGenerator<FoundFile> {
  const excluded = filter.excludes.length > 0 ? await matcher(filter.excludes) : undefined
  const cwd = process.cwd()
  const isExcluded = (root: string, path: string, isDirectory: boolean) => {
    if (!excluded) return false
    const suffix = isDirectory ? '/' : ''
    const fromRoot = toPosix(relative(root, path)) || basename(path)
    const fromCwd = toPosix(relative(cwd, path))
    return (
      excluded.ignores(fromRoot + suffix) ||
      (fromCwd !== '' && !fromCwd.startsWith('../') && !fromCwd.startsWith('/')
        ? excluded.ignores(fromCwd + suffix)
        : false)
    )
  }
  const wanted = (path: string) => !filter.only || filter.only.has(resolve(path))

  async function* walk(
    root: string,
    folder: string,
    inherited: readonly IgnoreFile[],
  ): AsyncGenerator<FoundFile> {
    const own = await readIgnoreFile(folder)
    const rules = own ? [...inherited, own] : inherited
    const entries = await readdir(folder, { withFileTypes: true })
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    for (const entry of entries) {
      const path = join(folder, entry.name)
      if (entry.isDirectory()) {
        if (SKIPPED_DIRECTORIES.has(entry.name) || entry.name.startsWith('.')) continue
        if (ignoredBy(rules, path, true) || isExcluded(root, path, true)) continue
        yield* walk(root, path, rules)
      } else if (entry.isFile()) {
        if (ignoredBy(rules, path, false) || isExcluded(root, path, false) || !wanted(path))
          continue
        yield { path, explicit: false }
      }
    }
  }

  for (const root of roots) {
    let info
    try {
      // Synchronously: one stat per path named, where a thread-pool hand-over costs more.
      info = statSync(root)
    } catch {
      onMissing(root)
      continue
    }
    if (info.isFile()) {
      // A file named on the command line is analysed even if a .gitignore lists it.
      if (!isExcluded(dirname(root), root, false) && wanted(root))
        yield { path: root, explicit: true }
    } else if (info.isDirectory()) {
      // A folder named on the command line is walked even if a .gitignore above it lists it
      // (`verigen analyze node_modules/pkg`); the .gitignore files inside it still apply.
      const above = await ancestorIgnoreFiles(resolve(root))
      yield* walk(root, root, ignoredBy(above, resolve(root), true) ? [] : above)
    }
  }
}
