import {
  closeSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  statSync,
  writeSync,
} from 'node:fs'
import { join } from 'node:path'

/**
 * Keys that look real and are in no real account, for tests that configure a provider key: the
 * secret scan at the end of the run looks for them (and for every other secret a test configured)
 * in every log line, response body and stored row the suite produced.
 */
export const CANARY_KEYS = {
  openai: 'sk-canary-openai-5f0c1d9e7a3b42c8b6e1d0f9a8c7b6e5',
  anthropic: 'sk-ant-canary-9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a',
  llm: 'canary-llm-key-3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b',
  databasePassword: 'canary-db-pass-7b6a5f4e3d2c1b0a',
} as const

/** Environment variable naming the directory where the suite's artifacts go (set by test/global-setup.ts). */
export const ARTIFACTS_VARIABLE = 'VERIGEN_TEST_ARTIFACTS'

/** What a test run produces that must never carry a secret. */
export type ArtifactKind = 'log' | 'response' | 'row' | 'process'

/** Shorter values are too likely to occur by chance ("test", "key") to be searched for. */
const MIN_SECRET_LENGTH = 8

const SECRET_NAME = /(API_KEY|PASSWORD|SECRET|TOKEN)$/i

const files = new Map<string, number>()

function artifactsDirectory(): string | null {
  return process.env[ARTIFACTS_VARIABLE] || null
}

function append(directory: string, name: string, text: string | Buffer): void {
  const path = join(directory, name)
  let descriptor = files.get(path)
  if (descriptor === undefined) {
    mkdirSync(directory, { recursive: true })
    descriptor = openSync(path, 'a')
    files.set(path, descriptor)
  }
  writeSync(descriptor, typeof text === 'string' ? Buffer.from(text) : text)
  writeSync(descriptor, '\n')
}

/**
 * Appends what the app under test produced to this run's artifacts (one file per kind and
 * process); does nothing outside a run with the global setup.
 */
export function recordArtifact(
  kind: ArtifactKind,
  text: string | Buffer,
  directory = artifactsDirectory(),
): void {
  if (directory) append(directory, `${kind}-${process.pid}.txt`, text)
}

/** Remembers a configured secret so that the scan at the end of the run looks for it. */
export function recordSecret(value: string, directory = artifactsDirectory()): void {
  if (directory && value.length >= MIN_SECRET_LENGTH) {
    append(join(directory, 'secrets'), `${process.pid}.txt`, value)
  }
}

/** The secrets in an environment: `*_API_KEY`, `*_PASSWORD`, `*_SECRET`, `*_TOKEN` and URL passwords. */
export function secretsOf(environment: Record<string, string | undefined>): string[] {
  const secrets: string[] = []
  for (const [name, value] of Object.entries(environment)) {
    if (!value) continue
    if (SECRET_NAME.test(name)) secrets.push(value.trim())
    if (/:\/\/[^/@\s]*:[^@/\s]+@/.test(value)) {
      try {
        const password = decodeURIComponent(new URL(value.trim()).password)
        if (password) secrets.push(password)
      } catch {
        // Not a URL after all; the config loader reports it.
      }
    }
  }
  return secrets.filter((secret) => secret.length >= MIN_SECRET_LENGTH)
}

/** Records the secrets of an environment a test configures (test config, spawned servers). */
export function recordSecretsOf(environment: Record<string, string | undefined>): void {
  for (const secret of secretsOf(environment)) recordSecret(secret)
}

/** Closes the artifact files this process opened (tests that plant canaries use their own directory). */
export function closeArtifacts(): void {
  for (const descriptor of files.values()) closeSync(descriptor)
  files.clear()
}

/** A secret found where it must not be. */
export interface SecretHit {
  /** The file (and table or row) it was found in. */
  source: string
  /** The text around it, with the secret itself masked. */
  excerpt: string
}

/** The text around `index`, the secret masked but for its first four characters. */
export function redactedExcerpt(text: string, index: number, secret: string): string {
  const start = Math.max(0, index - 60)
  const end = Math.min(text.length, index + secret.length + 60)
  const mask = `${secret.slice(0, 4)}…[${secret.length} characters]`
  return text
    .slice(start, end)
    .split(secret)
    .join(mask)
    .replace(/\p{Cc}/gu, ' ')
}

/** Every occurrence of each secret in `text`, as hits of `source`. */
export function searchText(text: string, secrets: readonly string[], source: string): SecretHit[] {
  const hits: SecretHit[] = []
  for (const secret of secrets) {
    let index = text.indexOf(secret)
    while (index >= 0 && hits.length < 20) {
      hits.push({ source, excerpt: redactedExcerpt(text, index, secret) })
      index = text.indexOf(secret, index + secret.length)
    }
  }
  return hits
}

/** The secrets recorded in a run's artifacts directory, with the canary keys. */
export function recordedSecrets(directory: string): string[] {
  const secrets = new Set<string>(Object.values(CANARY_KEYS))
  const folder = join(directory, 'secrets')
  for (const name of safeList(folder)) {
    for (const line of readFileSync(join(folder, name), 'utf8').split('\n')) {
      if (line.length >= MIN_SECRET_LENGTH) secrets.add(line)
    }
  }
  return [...secrets]
}

function safeList(directory: string): string[] {
  try {
    return readdirSync(directory)
  } catch {
    return []
  }
}

/**
 * Searches a run's artifact files (logs, responses, stored rows, process output) and the given
 * files (SQLite databases and their journals, read as bytes) for the secrets.
 */
export function scanFiles(
  directory: string,
  secrets: readonly string[],
  extraFiles: readonly string[] = [],
): SecretHit[] {
  const artifacts = safeList(directory)
    .filter((name) => name !== 'secrets')
    .map((name) => join(directory, name))
  const hits: SecretHit[] = []
  for (const path of [...artifacts, ...extraFiles]) {
    let text: string
    try {
      if (!statSync(path).isFile()) continue
      text = readFileSync(path).toString('latin1')
    } catch {
      continue // removed by its test meanwhile
    }
    // Files are read as Latin-1 so that a database page never fails to decode; search the
    // secrets' UTF-8 bytes the same way.
    hits.push(
      ...searchText(
        text,
        secrets.map((secret) => Buffer.from(secret, 'utf8').toString('latin1')),
        path,
      ),
    )
  }
  return hits
}

/** SQLite files (and WAL journals) under `root`'s `verigen*` folders changed since `since`. */
export function sqliteFilesUnder(root: string, since: number): string[] {
  const found: string[] = []
  const walk = (directory: string, depth: number) => {
    for (const name of safeList(directory)) {
      const path = join(directory, name)
      let stats
      try {
        stats = statSync(path)
      } catch {
        continue
      }
      if (stats.isDirectory() && depth < 3) walk(path, depth + 1)
      else if (stats.isFile() && /\.db(-wal|-journal)?$/.test(name) && stats.mtimeMs >= since) {
        found.push(path)
      }
    }
  }
  for (const name of safeList(root)) {
    if (name.startsWith('verigen')) walk(join(root, name), 1)
  }
  return found
}
