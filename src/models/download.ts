import { createHash, type Hash } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { request as httpRequest, type IncomingMessage } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { basename, dirname } from 'node:path'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { AppError, ValidationError } from '../errors.js'
import { version } from '../paths.js'
import { checksumFilePath, readChecksumFile } from './catalogue.js'
import { lockPart } from './part-lock.js'
import { modelFilePath, redactUrl, sourceUrl, type ModelSource } from './source.js'

/** Progress of a download: bytes in the file so far (resumed ones included) of `total`. */
export interface PullProgress {
  received: number
  total: number | null
  /** Bytes that were already on disk from an interrupted download. */
  resumedFrom: number
}

export interface PullOptions {
  modelsDir: string
  /** Hugging Face's site or a mirror, for `hf:` sources (`HF_ENDPOINT`). */
  hfEndpoint: string
  /** Expected SHA-256 in hex; overrides what the server announces. */
  sha256?: string | undefined
  onProgress?: ((progress: PullProgress) => void) | undefined
  /** Aborting stops the download and keeps the partial file for a later resume. */
  signal?: AbortSignal | undefined
  /** Time allowed for each answer's head, and then between two pieces of the body. */
  fetchTimeoutMs?: number | undefined
  /** Largest file accepted when the server does not announce a size. */
  maxBytes?: number | undefined
}

export interface PullResult {
  path: string
  bytes: number
  sha256: string
  /** How the file was checked: against a SHA-256, only its announced size, or not at all. */
  verified: 'sha256' | 'size' | 'none'
  /** Whether an interrupted download was continued rather than started again. */
  resumed: boolean
  /** Whether the file was already there, so nothing was downloaded (only checked). */
  alreadyPresent: boolean
}

/** What is known of a partial download, kept in `<file>.part.json` beside `<file>.part`. */
interface PartState {
  url: string
  etag: string | null
  lastModified: string | null
  size: number | null
  sha256: string | null
}

const MAX_REDIRECTS = 5
const DEFAULT_TIMEOUT_MS = 30_000
const DEFAULT_MAX_BYTES = 256 * 1024 ** 3
// Node's default, stated: a server cannot make us hold more than this of headers.
const MAX_HEADER_BYTES = 16 * 1024
const SHA256_HEX = /^[0-9a-f]{64}$/

function downloadError(detail: string, cause?: unknown): AppError {
  return new AppError('APP_ERR_MODEL_DOWNLOAD', detail, { cause, retryable: true })
}

function header(message: IncomingMessage, name: string): string | null {
  const value = message.headers[name]
  const text = Array.isArray(value) ? value[0] : value
  return text === undefined || text.length > 1024 ? null : text
}

function sizeHeader(value: string | null): number | null {
  return value !== null && /^\d{1,16}$/.test(value) ? Number(value) : null
}

/** Hugging Face's `X-Linked-ETag` of an LFS file is its SHA-256, quoted. */
function linkedSha256(message: IncomingMessage): string | null {
  const value = header(message, 'x-linked-etag')
    ?.replace(/^W\//, '')
    .replace(/"/g, '')
    .toLowerCase()
  return value && SHA256_HEX.test(value) ? value : null
}

/** `Repr-Digest: sha-256=:<base64>:` (RFC 9530) or `Digest: sha-256=<base64>` (RFC 3230). */
function digestSha256(message: IncomingMessage): string | null {
  for (const name of ['repr-digest', 'digest']) {
    const match = /(?:^|,)\s*sha-256=:?([A-Za-z0-9+/=]{44}):?/i.exec(header(message, name) ?? '')
    if (match) return Buffer.from(match[1]!, 'base64').toString('hex')
  }
  return null
}

/** One GET, its answer's head bounded by `timeoutMs`; the body is the caller's to read. */
function get(
  url: URL,
  headers: Record<string, string>,
  signal: AbortSignal | undefined,
  timeoutMs: number,
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error)
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest
    const request = send(url, { method: 'GET', headers, maxHeaderSize: MAX_HEADER_BYTES })
    const timer = setTimeout(
      () => request.destroy(downloadError(`No answer from '${redactUrl(url)}' in ${timeoutMs} ms`)),
      timeoutMs,
    )
    const onAbort = () => request.destroy(signal?.reason as Error)
    signal?.addEventListener('abort', onAbort, { once: true })
    request.once('response', (message) => {
      clearTimeout(timer)
      message.once('close', () => signal?.removeEventListener('abort', onAbort))
      resolve(message)
    })
    request.once('error', (error) => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      reject(
        signal?.aborted || error instanceof AppError
          ? error
          : downloadError(`Request to '${redactUrl(url)}' failed: ${error.message}`, error),
      )
    })
    request.end()
  })
}

interface Answer {
  message: IncomingMessage
  url: URL
  /** SHA-256 and size announced by the first hop (Hugging Face's resolve answer). */
  linkedSha256: string | null
  linkedSize: number | null
}

/**
 * Follows redirects by hand, at most {@link MAX_REDIRECTS}, so that the first hop's headers can
 * be read (Hugging Face announces the file's SHA-256 there, before sending the client to its
 * CDN) and so that an https → http downgrade is refused.
 */
async function open(
  start: URL,
  headers: Record<string, string>,
  signal: AbortSignal | undefined,
  timeoutMs: number,
): Promise<Answer> {
  let url = start
  let linked: { sha256: string | null; size: number | null } | null = null
  for (let hop = 0; ; hop++) {
    const message = await get(url, headers, signal, timeoutMs)
    linked ??= {
      sha256: linkedSha256(message),
      size: sizeHeader(header(message, 'x-linked-size')),
    }
    const status = message.statusCode ?? 0
    if (![301, 302, 303, 307, 308].includes(status))
      return { message, url, linkedSha256: linked.sha256, linkedSize: linked.size }
    message.destroy()
    const location = header(message, 'location')
    if (location === null)
      throw downloadError(`Redirect ${status} from '${redactUrl(url)}' has no Location`)
    if (hop + 1 > MAX_REDIRECTS)
      throw downloadError(`More than ${MAX_REDIRECTS} redirects, the last to '${redactUrl(url)}'`)
    let next: URL
    try {
      next = new URL(location, url)
    } catch {
      throw downloadError(`Redirect from '${redactUrl(url)}' to an invalid URL`)
    }
    if (next.protocol !== 'http:' && next.protocol !== 'https:')
      throw downloadError(`Redirect to the unsupported scheme '${next.protocol}'`)
    if (url.protocol === 'https:' && next.protocol === 'http:')
      throw downloadError(`Redirect from https to plain http '${redactUrl(next)}' refused`)
    url = next
  }
}

async function fileSize(path: string): Promise<number | null> {
  try {
    return (await stat(path)).size
  } catch {
    return null
  }
}

async function readState(path: string): Promise<PartState | null> {
  try {
    const text = await readFile(path, 'utf8')
    if (text.length > 64 * 1024) return null
    const state = JSON.parse(text) as Partial<PartState>
    return typeof state.url === 'string' ? (state as PartState) : null
  } catch {
    return null
  }
}

/** Feeds the file at `path` into `hash`, streamed. */
async function hashFile(path: string, hash: Hash = createHash('sha256')): Promise<Hash> {
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  return hash
}

/** Writes `<file>.sha256` in `sha256sum`'s format, so that `sha256sum -c` can check it too. */
function writeChecksumFile(path: string, sha256: string): Promise<void> {
  return writeFile(checksumFilePath(path), `${sha256}  ${basename(path)}\n`)
}

function short(hex: string): string {
  return hex.slice(0, 12)
}

/** An existing model file: not downloaded again, checked against the checksum known for it. */
async function existing(path: string, bytes: number, expected: string | null): Promise<PullResult> {
  const known = expected ?? readChecksumFile(path)
  const sha256 = (await hashFile(path)).digest('hex')
  if (known === null)
    return { path, bytes, sha256, verified: 'none', resumed: false, alreadyPresent: true }
  if (sha256 !== known)
    throw new AppError(
      'APP_ERR_MODEL_CHECKSUM',
      `Model file '${path}' has SHA-256 ${short(sha256)}…, expected ${short(known)}…; delete it to download it again`,
    )
  // Checked now against a given checksum: `list` can show it as verified from here on.
  if (readChecksumFile(path) === null) await writeChecksumFile(path, sha256)
  return { path, bytes, sha256, verified: 'sha256', resumed: false, alreadyPresent: true }
}

/**
 * Downloads a model into `modelsDir` (see `source.ts` for where it lands), streamed to
 * `<file>.part` with a JSON sidecar, and renamed to its final name only once complete and
 * verified. An interrupted download is continued with `Range` and `If-Range`; a server that
 * answers 200 or 416 instead, or whose file changed, makes it start again. The SHA-256 is
 * computed while streaming and checked against `options.sha256`, Hugging Face's
 * `X-Linked-ETag` or a `Digest`/`Repr-Digest` header; a mismatch deletes the partial file.
 */
export async function pullModel(source: ModelSource, options: PullOptions): Promise<PullResult> {
  if (source.kind === 'path')
    throw new ValidationError(`Model source '${source.path}' is a local file; nothing to download`)
  const given = options.sha256?.toLowerCase() ?? null
  if (given !== null && !SHA256_HEX.test(given))
    throw new ValidationError(`SHA-256 '${options.sha256}' is not 64 hexadecimal digits`)
  const path = modelFilePath(source, options.modelsDir)
  const present = await fileSize(path)
  if (present !== null) return existing(path, present, given)
  await mkdir(dirname(path), { recursive: true })
  const url = sourceUrl(source, options.hfEndpoint)
  const release = await lockPart(`${path}.part.lock`, basename(path))
  try {
    // Another download may have finished while this one waited for nothing but the lock.
    const finished = await fileSize(path)
    if (finished !== null) return await existing(path, finished, given)
    const attempt = (fresh: boolean) => download(url, path, given, options, fresh)
    try {
      return await attempt(false)
    } catch (error) {
      if (error instanceof RestartError) return await attempt(true)
      throw error
    }
  } finally {
    await release()
  }
}

/** Thrown when the server cannot continue the partial file; the download starts once more. */
class RestartError extends Error {}

async function download(
  url: URL,
  path: string,
  given: string | null,
  options: PullOptions,
  fresh: boolean,
): Promise<PullResult> {
  const partPath = `${path}.part`
  const statePath = `${path}.part.json`
  const timeoutMs = options.fetchTimeoutMs ?? DEFAULT_TIMEOUT_MS
  const state = fresh ? null : await readState(statePath)
  const partBytes = fresh ? null : await fileSize(partPath)
  const validator = state?.etag ?? state?.lastModified ?? null
  // Only a part whose origin and version are known can be continued safely.
  let from = state && state.url === url.href && validator !== null && partBytes ? partBytes : 0
  if (state?.size != null && from > state.size) from = 0
  const headers: Record<string, string> = {
    'user-agent': `verigen/${version}`,
    'accept-encoding': 'identity',
  }
  if (from > 0) {
    headers.range = `bytes=${from}-`
    headers['if-range'] = validator!
  }
  const answer = await open(url, headers, options.signal, timeoutMs)
  const { message } = answer
  const status = message.statusCode ?? 0
  const where = redactUrl(answer.url)
  if (status === 416) {
    message.destroy()
    if (from === 0) throw downloadError(`'${where}' answered 416 to a request without a range`)
    throw new RestartError()
  }
  if (status !== 200 && status !== 206) {
    message.destroy()
    throw downloadError(`'${where}' answered ${status} ${message.statusMessage ?? ''}`.trim())
  }
  let total: number | null
  if (status === 206) {
    const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(header(message, 'content-range') ?? '')
    if (!range || Number(range[1]) !== from) {
      message.destroy()
      if (from === 0) throw downloadError(`'${where}' answered 206 with a wrong Content-Range`)
      throw new RestartError()
    }
    total = range[3] === '*' ? null : Number(range[3])
  } else {
    from = 0
    total = sizeHeader(header(message, 'content-length'))
  }
  total ??= answer.linkedSize
  const announced = answer.linkedSha256 ?? digestSha256(message)
  const expected = given ?? announced ?? (from > 0 ? (state?.sha256 ?? null) : null)
  // The file changed upstream since the part was written: its bytes cannot be continued.
  const changed =
    from > 0 &&
    ((announced !== null && state?.sha256 != null && announced !== state.sha256) ||
      (total !== null && state?.size != null && total !== state.size))
  if (changed) {
    message.destroy()
    throw new RestartError()
  }
  if (from === 0) await rm(partPath, { force: true })
  const next: PartState = {
    url: url.href,
    etag: header(message, 'etag'),
    lastModified: header(message, 'last-modified'),
    size: total,
    sha256: announced ?? (from > 0 ? (state?.sha256 ?? null) : null),
  }
  await writeFile(statePath, JSON.stringify(next))
  const hash = from > 0 ? await hashFile(partPath) : createHash('sha256')
  const limit = total ?? options.maxBytes ?? DEFAULT_MAX_BYTES
  let received = from
  options.onProgress?.({ received, total, resumedFrom: from })
  let stall: NodeJS.Timeout | undefined
  const armStall = () => {
    clearTimeout(stall)
    stall = setTimeout(
      () =>
        message.destroy(
          downloadError(`No data from '${where}' for ${timeoutMs} ms; run again to resume`),
        ),
      timeoutMs,
    )
  }
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      armStall()
      received += chunk.length
      // More than announced: not this file, so the part is worthless (deleted below).
      if (received > limit)
        return done(
          new AppError(
            'APP_ERR_MODEL_CHECKSUM',
            `'${where}' sent more than the ${limit} bytes announced; the partial file was deleted`,
          ),
        )
      hash.update(chunk)
      options.onProgress?.({ received, total, resumedFrom: from })
      done(null, chunk)
    },
  })
  armStall()
  try {
    await pipeline(
      message,
      meter,
      createWriteStream(partPath, { flags: from > 0 ? 'a' : 'w' }),
      options.signal ? { signal: options.signal } : {},
    )
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason
    if (error instanceof AppError && error.code === 'APP_ERR_MODEL_CHECKSUM') {
      await rm(partPath, { force: true })
      await rm(statePath, { force: true })
    }
    if (error instanceof AppError) throw error
    throw downloadError(
      `Download from '${where}' stopped at ${received} bytes: ${(error as Error).message}; run again to resume`,
      error,
    )
  } finally {
    clearTimeout(stall)
  }
  // A body cut short without an error (a server closing early) is kept for a resume.
  if (total !== null && received < total)
    throw downloadError(
      `'${where}' closed the download at ${received} of ${total} bytes; run again to resume`,
    )
  const sha256 = hash.digest('hex')
  if (expected !== null && sha256 !== expected) {
    await rm(partPath, { force: true })
    await rm(statePath, { force: true })
    throw new AppError(
      'APP_ERR_MODEL_CHECKSUM',
      `Downloaded '${where}' has SHA-256 ${short(sha256)}…, expected ${short(expected)}…; the partial file was deleted`,
      { extra: { expected, actual: sha256 } },
    )
  }
  if (expected !== null) await writeChecksumFile(path, sha256)
  await rename(partPath, path)
  await rm(statePath, { force: true })
  return {
    path,
    bytes: received,
    sha256,
    verified: expected !== null ? 'sha256' : total !== null ? 'size' : 'none',
    resumed: from > 0,
    alreadyPresent: false,
  }
}
