import { lookup as dnsLookup } from 'node:dns/promises'
import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { BlockList, isIP, type LookupFunction } from 'node:net'
import { AppError } from '../../errors.js'
import { version } from '../../paths.js'
import type {
  WebhookPostOptions,
  WebhookResponse,
  WebhookSender,
} from '../../ports/webhook-sender.js'

/** The most of a receiver's answer read; the rest is not waited for. Receivers answer "ok". */
export const MAX_ANSWER_BYTES = 64 * 1024

/** One address a host name resolves to. */
export interface ResolvedAddress {
  address: string
  family: number
}

/** Resolves a host name to all its addresses (tests inject one to play a rebinding DNS). */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>

const systemResolver: Resolver = (hostname) => dnsLookup(hostname, { all: true, verbatim: true })

/**
 * Addresses no callback may reach unless the operator wrote that very host in
 * WEBHOOK_ALLOWED_HOSTS: this machine, private networks, link-local (cloud metadata at
 * 169.254.169.254), unique-local, multicast and reserved ranges (RFC 6890). IPv4-mapped IPv6
 * addresses match the IPv4 rules (net.BlockList checks them so).
 */
const INTERNAL = new BlockList()
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  INTERNAL.addSubnet(network, prefix, 'ipv4')
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  INTERNAL.addSubnet(network, prefix, 'ipv6')
}

/** Whether `address` (an IP literal) is one a public callback must not reach. */
export function isInternalAddress(address: string): boolean {
  const family = isIP(address)
  if (family === 0) return true
  return INTERNAL.check(address, family === 4 ? 'ipv4' : 'ipv6')
}

/** A URL's host as compared with the allowed list: no IPv6 brackets, no trailing dot, lower case. */
function bareHost(hostname: string): string {
  return hostname
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '')
    .toLowerCase()
}

function refused(detail: string): AppError {
  return new AppError('APP_ERR_CALLBACK_NOT_ALLOWED', detail, { retryable: false })
}

/**
 * Callbacks over `node:http`/`node:https`, one connection each, straight to the URL's host (no
 * proxy, no redirect followed: a 3xx is handed back as the answer). The address is checked when
 * the connection is made, after DNS, so that an allowed name cannot be rebound to an internal
 * address (127.0.0.1, 169.254.169.254). Only hosts no outside DNS answers for may be internal, and
 * only when written in the allowed list as they are in the URL: an IP address (`127.0.0.1`,
 * `10.0.0.5`) or `localhost`.
 */
export class HttpWebhookSender implements WebhookSender {
  private readonly literal: ReadonlySet<string>
  private readonly resolve: Resolver
  private readonly userAgent = `verigen/${version}`

  constructor(allowedHosts: readonly string[], options: { resolve?: Resolver } = {}) {
    this.literal = new Set(
      allowedHosts.map(bareHost).filter((host) => isIP(host) !== 0 || host === 'localhost'),
    )
    this.resolve = options.resolve ?? systemResolver
  }

  post(
    url: string,
    body: string,
    headers: Record<string, string>,
    options: WebhookPostOptions,
  ): Promise<WebhookResponse> {
    return new Promise<WebhookResponse>((resolve, reject) => {
      let target: URL
      try {
        target = new URL(url)
      } catch {
        return reject(refused('the callback URL does not parse'))
      }
      if (target.protocol !== 'http:' && target.protocol !== 'https:') {
        return reject(refused(`callback scheme '${target.protocol}' is not http or https`))
      }
      const host = bareHost(target.hostname)
      const internalAllowed = this.literal.has(host)
      if (isIP(host) !== 0 && !internalAllowed && isInternalAddress(host)) {
        return reject(refused(`callback address ${host} is internal`))
      }
      if (options.signal?.aborted) return reject(options.signal.reason as Error)

      let blocked: AppError | null = null
      const lookup: LookupFunction = (hostname, lookupOptions, callback) => {
        this.resolve(hostname).then(
          (addresses) => {
            const usable = internalAllowed
              ? addresses
              : addresses.filter((entry) => !isInternalAddress(entry.address))
            const first = usable[0]
            if (!first) {
              blocked = refused(`callback host '${host}' resolves only to internal addresses`)
              return callback(blocked, '', 0)
            }
            if (lookupOptions.all) return callback(null, usable)
            return callback(null, first.address, first.family)
          },
          (error: NodeJS.ErrnoException) => callback(error, '', 0),
        )
      }

      let settled = false
      let status: number | null = null
      let retryAfter: string | undefined
      const timer = setTimeout(
        () => finish(new Error(`no answer within ${options.timeoutMs} ms`)),
        options.timeoutMs,
      )
      const finish = (error?: unknown) => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        options.signal?.removeEventListener('abort', onAbort)
        request.destroy()
        if (status !== null) resolve({ status, retryAfter })
        else reject(blocked ?? error)
      }
      const onAbort = () => finish(options.signal?.reason)
      const requestOptions: RequestOptions = {
        method: 'POST',
        agent: false,
        lookup,
        headers: {
          ...headers,
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
          'user-agent': this.userAgent,
        },
      }
      const send = target.protocol === 'https:' ? httpsRequest : httpRequest
      const request = send(target, requestOptions, (answer: IncomingMessage) => {
        status = answer.statusCode ?? 0
        const header = answer.headers['retry-after']
        retryAfter = Array.isArray(header) ? header[0] : header
        let bytes = 0
        answer.on('data', (chunk: Buffer) => {
          bytes += chunk.length
          if (bytes > MAX_ANSWER_BYTES) finish()
        })
        answer.once('end', () => finish())
        answer.once('close', () => finish())
        answer.once('error', () => finish())
      })
      options.signal?.addEventListener('abort', onAbort, { once: true })
      request.once('error', (error) => finish(error))
      request.end(body)
    })
  }
}
