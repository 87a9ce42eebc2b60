/** Options of one delivery attempt. */
export interface WebhookPostOptions {
  /** Time the whole attempt may take: connecting, sending, and reading the answer. */
  timeoutMs: number
  /** Aborts the attempt (the process is stopping). */
  signal?: AbortSignal
}

/** What the receiver answered. */
export interface WebhookResponse {
  /** The HTTP status; a 3xx is an answer like any other (redirects are never followed). */
  status: number
  /** The receiver's `Retry-After` header, as sent, when it sent one. */
  retryAfter?: string | undefined
}

/**
 * Sends one signed callback (a webhook) to a receiver outside the service. It makes one attempt:
 * retries, signing and the choice of URL are the caller's.
 */
export interface WebhookSender {
  /**
   * POSTs `body` (JSON) to `url` with `headers` added to the sender's own (`content-type`,
   * `user-agent`). Resolves with the status once the receiver has answered; the answer's body is
   * read up to a small bound and dropped. Rejects when no answer came: a network error, the
   * timeout or the abort — worth retrying — or, with an `AppError` whose `retryable` is false, a
   * target that must never be reached (an internal address behind a public name, a scheme other
   * than http and https).
   */
  post(
    url: string,
    body: string,
    headers: Record<string, string>,
    options: WebhookPostOptions,
  ): Promise<WebhookResponse>
}
