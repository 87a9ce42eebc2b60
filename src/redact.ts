/**
 * The one place that knows what a secret looks like. Every text that comes from outside and may
 * leave the process (an upstream's error message, a log line, an error body) passes through
 * {@link redact} first.
 *
 * Two kinds of secret are removed:
 * - the configured ones (`LLM_API_KEY`, `OPENAI_API_KEY`, `ANTHROPIC_API_KEY`, the passwords of
 *   `DATABASE_URL` and `REDIS_URL`), wherever and however they appear;
 * - anything shaped like a credential: `sk-…` keys, `Bearer …` tokens, `api_key=…` pairs and
 *   long random tokens, since an upstream may quote a key we do not know (a proxy's own).
 *
 * Why a process-wide registry: the secrets belong to the process (read once from its
 * environment), while the texts to clean are produced in many places that know nothing of the
 * configuration: the error body is built by the HTTP error handler, Node's client-error handler,
 * the SSE and WebSocket transports and the generation service, and log lines by Pino. Threading
 * the secrets through each of them would spread one concern over a dozen signatures. The registry
 * is written at start-up ({@link registerSecrets} in `buildApp`) and only read afterwards; it only
 * grows, so an app built later (tests build many) never makes an earlier one's secrets visible.
 */

/** What replaces a secret. */
export const REDACTED = '[redacted]'

/**
 * Shorter values are too likely to be ordinary words to be searched for in every text: local
 * servers are often given a placeholder key such as `ollama`, which also names their host.
 */
const MIN_SECRET_LENGTH = 8

const hasDigit = (text: string) => /[0-9]/.test(text)
const mixesCases = (text: string) => /[A-Z]/.test(text) && /[a-z]/.test(text) && hasDigit(text)

/**
 * Credential shapes, each with what it becomes. A UUID (the ids in our logs) or a hex digest has
 * no capital letter, so neither matches the long-token rule. Every pattern takes a whole run of
 * token characters at once and judges it in a function: a lookahead that scans ahead from every
 * start would make a long run of `a-a-a-…` cost quadratic time, and log lines pass through here.
 */
const CREDENTIAL_PATTERNS: ReadonlyArray<
  readonly [RegExp, string | ((match: string, ...groups: string[]) => string)]
> = [
  // `Authorization: Bearer <token>` or `Basic <token>` quoted back.
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{6,}/gi, `$1 ${REDACTED}`],
  // `api_key=…`, `"x-api-key": "…"`, `password: …`, `token=…`.
  [
    /\b((?:x-)?api[-_]?key|access[-_]?token|token|secret|password)(["']?\s*[:=]\s*["']?)[^\s"'&,;}\\]{6,}/gi,
    `$1$2${REDACTED}`,
  ],
  // OpenAI, Anthropic and look-alike keys with a digit: `sk-…`, `sk-proj-…`, `sk-ant-api03-…`.
  [
    /\b(?:sk|pk|rk|key|api)[-_][A-Za-z0-9_-]{6,}/gi,
    (match) => (hasDigit(match) ? REDACTED : match),
  ],
  // Long random tokens: at least 32 characters mixing capitals, small letters and digits.
  [/[A-Za-z0-9_-]{32,}/g, (match) => (mixesCases(match) ? REDACTED : match)],
]

const registered = new Set<string>()

/**
 * The secret values of a configuration, in every form they may be written: as is, URL-encoded
 * and JSON-escaped (a log line is JSON).
 */
function forms(secret: string): string[] {
  const variants = new Set([
    secret,
    encodeURIComponent(secret),
    JSON.stringify(secret).slice(1, -1),
  ])
  return [...variants]
}

/** Adds the configured secrets of this process; blanks and very short values are ignored. */
export function registerSecrets(secrets: Iterable<string | null | undefined>): void {
  for (const secret of secrets) {
    if (!secret || secret.length < MIN_SECRET_LENGTH) continue
    for (const form of forms(secret)) registered.add(form)
  }
}

/**
 * `text` without the registered secrets, the `extra` ones, or anything shaped like a credential.
 * Fast when there is nothing to remove: one `includes` per secret and one scan per pattern.
 */
export function redact(text: string, extra: Iterable<string | null | undefined> = []): string {
  let result = text
  for (const secret of registered) {
    if (result.includes(secret)) result = result.split(secret).join(REDACTED)
  }
  for (const secret of extra) {
    if (!secret || secret.length < MIN_SECRET_LENGTH) continue
    for (const form of forms(secret)) {
      if (result.includes(form)) result = result.split(form).join(REDACTED)
    }
  }
  for (const [pattern, replacement] of CREDENTIAL_PATTERNS) {
    result =
      typeof replacement === 'string'
        ? result.replace(pattern, replacement)
        : result.replace(pattern, replacement)
  }
  return result
}
