import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path'
import { ValidationError } from '../errors.js'

/**
 * Where a model comes from: a file on this machine, an `http(s)://` URL of a `.gguf` file, or a
 * file of a Hugging Face repository, `hf:<user>/<repo>/<path/inside/repo>.gguf[@<revision>]`.
 */
export type ModelSource =
  | { readonly kind: 'path'; readonly path: string }
  | { readonly kind: 'url'; readonly url: URL; readonly fileName: string }
  | {
      readonly kind: 'hf'
      readonly user: string
      readonly repo: string
      /** The file's path inside the repository, `/`-separated, e.g. `q4/model.gguf`. */
      readonly file: string
      /** Branch, tag or commit; `null` means `main`. */
      readonly revision: string | null
      readonly fileName: string
    }

/** Longest source text accepted; real ones are far shorter. */
const MAX_SOURCE_LENGTH = 2048
// Hugging Face's own rule for user and repository names: letters, digits, `-`, `_`, `.`.
const HF_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$/
// Branch and tag names may hold `/` (`refs/pr/1`); commits are hex.
const HF_REVISION = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$/
/** A model file's name on disk: no separators, no leading dot, ends `.gguf`. */
const SAFE_FILE_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,250}\.gguf$/i
// Every C0 control character and DEL: none belongs in a path or URL a user types.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/

function refuse(text: string, why: string): never {
  throw new ValidationError(`Model source '${printable(text)}' ${why}`)
}

/** `text` with control characters escaped, cut to 200 characters, for error messages. */
function printable(text: string): string {
  const shown = text.length > 200 ? `${text.slice(0, 200)}…` : text
  // eslint-disable-next-line no-control-regex
  return shown.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16)}`)
}

function checkFileName(text: string, name: string): string {
  if (!SAFE_FILE_NAME.test(name) || name.includes('..'))
    refuse(
      text,
      `names the file '${name}'; expected letters, digits, '.', '_' or '-' ending '.gguf'`,
    )
  return name
}

function parseHf(text: string): ModelSource {
  let rest = text.slice('hf:'.length)
  let revision: string | null = null
  const at = rest.lastIndexOf('@')
  if (at !== -1) {
    revision = rest.slice(at + 1)
    rest = rest.slice(0, at)
    if (!HF_REVISION.test(revision) || revision.includes('..') || revision.endsWith('/'))
      refuse(text, `has the revision '${revision}'; expected a branch, tag or commit`)
  }
  const parts = rest.split('/')
  if (parts.length < 3) refuse(text, 'is not hf:<user>/<repo>/<file>.gguf')
  const [user, repo, ...inside] = parts as [string, string, ...string[]]
  if (!HF_NAME.test(user) || user.includes('..')) refuse(text, `has the user name '${user}'`)
  if (!HF_NAME.test(repo) || repo.includes('..')) refuse(text, `has the repository name '${repo}'`)
  for (const segment of inside) {
    if (segment === '' || segment === '.' || segment === '..' || !HF_NAME.test(segment))
      refuse(text, `has the path segment '${segment}' inside the repository`)
  }
  const fileName = checkFileName(text, inside[inside.length - 1]!)
  return { kind: 'hf', user, repo, file: inside.join('/'), revision, fileName }
}

function parseUrl(text: string): ModelSource {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    refuse(text, 'is not a valid URL')
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    refuse(text, 'uses a scheme other than http or https')
  // A password in a URL ends up in shell history, logs and progress lines: refused, not stripped.
  if (url.username !== '' || url.password !== '')
    refuse(redactUrl(url), 'carries a user name or password; use a URL without credentials')
  let last: string
  try {
    last = decodeURIComponent(url.pathname.split('/').pop() ?? '')
  } catch {
    refuse(text, 'has a badly encoded file name')
  }
  return { kind: 'url', url, fileName: checkFileName(text, last) }
}

/**
 * Parses a model source as typed by a user or set in `LOCAL_MODEL`. `hf:` sources take an
 * optional revision after the file, `hf:user/repo/file.gguf@v1.0`; anything not starting `hf:`
 * or `http(s)://` is a file path. Throws a `ValidationError` quoting the text when it is unsafe:
 * control characters, `..` segments, odd user or repository names, credentials in a URL, a scheme
 * other than http(s), or a file name not ending `.gguf`.
 */
export function parseModelSource(text: string): ModelSource {
  if (text.length === 0) refuse(text, 'is empty')
  if (text.length > MAX_SOURCE_LENGTH)
    refuse(text, `is longer than ${MAX_SOURCE_LENGTH} characters`)
  if (CONTROL.test(text)) refuse(text, 'contains control characters')
  if (text.startsWith('hf:')) return parseHf(text)
  if (/^https?:\/\//i.test(text)) return parseUrl(text)
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(text))
    refuse(text, 'uses a scheme other than http or https')
  if (!/\.gguf$/i.test(text)) refuse(text, "is a file path not ending '.gguf'")
  return { kind: 'path', path: text }
}

/**
 * The file a source's model lives in: a path source is its own file (resolved against the
 * working directory); a downloaded one is `modelsDir/<file name>`, which cannot leave `modelsDir`.
 */
export function modelFilePath(source: ModelSource, modelsDir: string): string {
  if (source.kind === 'path') return resolve(source.path)
  const dir = resolve(modelsDir)
  const path = join(dir, source.fileName)
  const inside = relative(dir, path)
  if (inside === '' || inside.startsWith('..') || isAbsolute(inside) || inside.includes(sep))
    throw new ValidationError(`Model file name '${source.fileName}' would leave '${dir}'`)
  return path
}

/**
 * The URL a downloadable source is fetched from. For `hf:` sources this is Hugging Face's
 * layout, `<endpoint>/<user>/<repo>/resolve/<revision>/<file>`; `hfEndpoint` is the site or a
 * mirror (`HF_ENDPOINT`).
 */
export function sourceUrl(source: ModelSource, hfEndpoint: string): URL {
  if (source.kind === 'url') return new URL(source.url)
  if (source.kind === 'path')
    throw new ValidationError(`Model source '${source.path}' is a local file, not a URL`)
  const base = hfEndpoint.replace(/\/+$/, '')
  const file = source.file.split('/').map(encodeURIComponent).join('/')
  const revision = encodeURIComponent(source.revision ?? 'main')
  return new URL(`${base}/${source.user}/${source.repo}/resolve/${revision}/${file}`)
}

/** A URL safe to print: no user name, password, query or fragment (signed CDN URLs hold tokens). */
export function redactUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`
}

/** The source as the user would type it again, without secrets. */
export function describeSource(source: ModelSource): string {
  if (source.kind === 'path') return source.path
  if (source.kind === 'url') return redactUrl(source.url)
  const revision = source.revision === null ? '' : `@${source.revision}`
  return `hf:${source.user}/${source.repo}/${source.file}${revision}`
}

/** The model's name as the API reports it: its file's name without `.gguf`. */
export function modelName(source: ModelSource): string {
  const file = source.kind === 'path' ? basename(source.path) : source.fileName
  return file.replace(/\.gguf$/i, '')
}
