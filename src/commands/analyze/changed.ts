import { execFileSync } from 'node:child_process'
import { existsSync, statSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { UsageError } from './arguments.js'

function git(cwd: string, args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 256 * 1024 * 1024,
  })
}

/** The folder git runs in for a PATH: the PATH itself when it is a folder. */
function folderOf(path: string): string {
  const absolute = resolve(path)
  return existsSync(absolute) && statSync(absolute).isDirectory() ? absolute : dirname(absolute)
}

/**
 * The files a change touched since `ref`, as absolute paths, in the repositories holding
 * `paths`: changed in commits since the ref or in the working tree (staged or not), plus new
 * files git does not ignore. Deleted files are not listed: there is nothing to analyse.
 * @throws UsageError outside a git repository, or for a ref git does not know
 */
export function changedFiles(paths: readonly string[], ref: string): Set<string> {
  const changed = new Set<string>()
  const tops = new Set<string>()
  for (const path of paths) {
    let top: string
    try {
      top = git(folderOf(path), ['rev-parse', '--show-toplevel']).trim()
    } catch {
      throw new UsageError(`--changed-since needs a git repository, and '${path}' is not in one`)
    }
    if (tops.has(top)) continue
    tops.add(top)
    try {
      git(top, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`])
    } catch {
      throw new UsageError(`--changed-since: git knows no commit '${ref}' in ${top}`)
    }
    const listed = [
      git(top, ['diff', '--name-only', '--no-renames', '-z', ref, '--']),
      git(top, ['ls-files', '--others', '--exclude-standard', '-z']),
    ]
    for (const output of listed)
      for (const name of output.split('\0')) if (name) changed.add(join(top, name))
  }
  return changed
}
