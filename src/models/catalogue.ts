import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { RECOMMENDED_FILE_NAME } from './recommended.js'

/** A model file present in the models folder. */
export interface ModelFile {
  name: string
  path: string
  bytes: number
  modifiedAt: Date
  /** The SHA-256 it was verified against when downloaded (`<file>.sha256`), else `null`. */
  sha256: string | null
}

/** The name of the checksum file `pullModel` writes beside a model it verified. */
export function checksumFilePath(modelPath: string): string {
  return `${modelPath}.sha256`
}

/** The hex SHA-256 of a `sha256sum`-style checksum file, or `null` if absent or malformed. */
export function readChecksumFile(modelPath: string): string | null {
  try {
    // Bounded: a checksum line is 64 hex digits, two spaces and a file name.
    const text = readFileSync(checksumFilePath(modelPath), 'utf8').slice(0, 1024)
    const match = /^([0-9a-f]{64})\b/i.exec(text.trim())
    return match ? match[1]!.toLowerCase() : null
  } catch {
    return null
  }
}

/**
 * The `.gguf` files directly in `modelsDir`, sorted by name; partial downloads (`.part`) and
 * other files are left out, and a missing folder has none.
 */
export function listModelFiles(modelsDir: string): ModelFile[] {
  let names: string[]
  try {
    names = readdirSync(modelsDir)
  } catch {
    return []
  }
  const files: ModelFile[] = []
  for (const name of names.filter((entry) => /\.gguf$/i.test(entry)).sort()) {
    const path = join(modelsDir, name)
    try {
      const stat = statSync(path)
      if (!stat.isFile()) continue
      files.push({
        name,
        path,
        bytes: stat.size,
        modifiedAt: stat.mtime,
        sha256: readChecksumFile(path),
      })
    } catch {
      // Removed between the listing and the stat: not there.
    }
  }
  return files
}

/**
 * The file the server uses when no model is configured: the recommended model's file when it
 * is present (what the README tells users to pull), else the only file, else the most recently
 * modified one (the one last pulled); `null` when the folder holds none.
 */
export function defaultModelFile(modelsDir: string): ModelFile | null {
  const files = listModelFiles(modelsDir)
  const recommended = files.find((file) => file.name === RECOMMENDED_FILE_NAME)
  if (recommended) return recommended
  let newest: ModelFile | null = null
  for (const file of files) {
    if (!newest || file.modifiedAt.getTime() > newest.modifiedAt.getTime()) newest = file
  }
  return newest
}
