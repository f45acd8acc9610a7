import { lookup as dnsLookup } from 'node:dns/promises';
import type { LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Agent, buildConnector, request } from 'undici';
import { APP_CONFIG, type ResolvedConfig } from '../../config/config.provider.js';
import {
  AddressNotAllowedError,
  addressNotAllowedMessage,
  isAllowedAddress,
  isLocalhostName,
} from './address-policy.js';

/** Hostname -> addresses. Replaceable (tests inject answers; no real DNS needed). */
export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

export const systemResolver: Resolver = (hostname) =>
  dnsLookup(hostname, { all: true, verbatim: true });

/** What one request did, in words safe to show the tenant. */
export interface PostOutcome {
  ok: boolean;
  status: number | null;
  error: string | null;
  /** The caller aborted it (shutdown, webhook deleted): record nothing. */
  cancelled?: boolean;
}

/** Largest response body read (and thrown away) before the connection is dropped. */
const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * HTTP for outbound webhooks. Every connection's address is checked when it
 * is made, not only the URL when it was registered: IP literals before
 * connecting (they skip DNS), hostnames in the `lookup` the socket uses (so
 * a DNS answer that changed since registration, i.e. rebinding, is refused
 * before any packet is sent), and the connected socket's remote address
 * once more. Redirects are never followed (undici's `request` has no
 * redirect handling unless an interceptor adds it).
 */
@Injectable()
export class WebhookTransport implements OnApplicationShutdown {
  /** Used for registration checks and for every connection; tests may replace it. */
  resolver: Resolver = systemResolver;
  private readonly allowPrivate: boolean;
  private readonly timeoutMs: number;
  private readonly agent: Agent;

  constructor(@Inject(APP_CONFIG) config: ResolvedConfig) {
    this.allowPrivate = config.webhooksAllowPrivate;
    this.timeoutMs = config.webhookTimeoutMs;
    this.agent = new Agent({
      connect: this.connector(),
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
      keepAliveTimeout: 4_000,
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.agent.destroy();
  }

  /**
   * Why `hostname` may not receive webhooks, or null. Uses the same resolver
   * and policy as the connections. The message never carries resolved
   * addresses (they would tell the tenant about our network).
   */
  async refuseHost(hostname: string): Promise<'not_allowed' | null> {
    if (this.allowPrivate) return null;
    const host = stripBrackets(hostname);
    if (isLocalhostName(host)) return 'not_allowed';
    if (isIP(host)) return isAllowedAddress(host) ? null : 'not_allowed';
    try {
      const answers = await this.resolver(host);
      return answers.length > 0 && answers.every((a) => isAllowedAddress(a.address))
        ? null
        : 'not_allowed';
    } catch {
      return 'not_allowed';
    }
  }

  async post(
    url: string,
    headers: Record<string, string>,
    body: string,
    cancel: AbortSignal,
  ): Promise<PostOutcome> {
    const deadline = AbortSignal.timeout(this.timeoutMs);
    const signal = AbortSignal.any([deadline, cancel]);
    try {
      const res = await request(url, {
        method: 'POST',
        dispatcher: this.agent,
        headers,
        body,
        signal,
      });
      await res.body.dump({ limit: MAX_RESPONSE_BYTES, signal }).catch(() => undefined);
      const status = res.statusCode;
      if (status >= 200 && status < 300) return { ok: true, status, error: null };
      if (status >= 300 && status < 400)
        return { ok: false, status, error: `HTTP ${status} (redirects are not followed)` };
      return { ok: false, status, error: `HTTP ${status}` };
    } catch (err) {
      if (cancel.aborted) return { ok: false, status: null, error: null, cancelled: true };
      return { ok: false, status: null, error: describeFailure(err, deadline.aborted) };
    }
  }

  /**
   * undici's own connector, wrapped: the library opens the socket (TLS,
   * timeouts, sessions), this code decides where it may go. undici has no
   * address filter of its own, hence the wrapper.
   */
  private connector(): buildConnector.connector {
    const base = buildConnector({ timeout: this.timeoutMs, lookup: this.guardedLookup() });
    if (this.allowPrivate) return base;
    return (options, callback) => {
      const host = stripBrackets(options.hostname);
      if (isLocalhostName(host) || (isIP(host) && !isAllowedAddress(host))) {
        // IP literals never reach `lookup`: refuse before any packet leaves.
        queueMicrotask(() => callback(new AddressNotAllowedError(), null));
        return;
      }
      base(options, (err, socket) => {
        if (err || !socket) return callback(err ?? new Error('no socket'), null);
        const remote = socket.remoteAddress;
        if (!remote || !isAllowedAddress(remote)) {
          socket.destroy();
          return callback(new AddressNotAllowedError(), null);
        }
        callback(null, socket);
      });
    };
  }

  /** The socket's DNS lookup, through the replaceable resolver, refusing any non-public answer. */
  private guardedLookup(): LookupFunction {
    return (hostname, options, callback) => {
      this.resolver(hostname).then(
        (answers) => {
          const wanted = options.family
            ? answers.filter((a) => a.family === options.family)
            : answers;
          if (
            !this.allowPrivate &&
            (isLocalhostName(hostname) || answers.some((a) => !isAllowedAddress(a.address)))
          ) {
            return callback(new AddressNotAllowedError(), '', 0);
          }
          if (wanted.length === 0) {
            const e: NodeJS.ErrnoException = new Error(`no address for ${hostname}`);
            e.code = 'ENOTFOUND';
            return callback(e, '', 0);
          }
          if (options.all) return callback(null, wanted);
          return callback(null, wanted[0]!.address, wanted[0]!.family);
        },
        (err: NodeJS.ErrnoException) => callback(err, '', 0),
      );
    };
  }
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

const TLS_CODE = /CERT|TLS|SSL|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|DEPTH_ZERO|HOSTNAME_MISMATCH/;

/**
 * A failed request in a few words: what the tenant's own URL did, never the
 * stack's message (which may name internal addresses or hosts).
 */
export function describeFailure(err: unknown, timedOut: boolean): string {
  const codes: string[] = [];
  let e: unknown = err;
  for (let depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    const x = e as { code?: unknown; name?: unknown; cause?: unknown; errors?: unknown };
    if (typeof x.code === 'string') codes.push(x.code);
    if (typeof x.name === 'string') codes.push(x.name);
    // autoSelectFamily reports every attempt in an AggregateError.
    if (Array.isArray(x.errors)) {
      for (const inner of x.errors as { code?: unknown }[]) {
        if (typeof inner?.code === 'string') codes.push(inner.code);
      }
    }
    e = x.cause;
  }
  const has = (...c: string[]) => codes.some((x) => c.includes(x));
  if (has('ERR_WEBHOOK_ADDRESS_NOT_ALLOWED')) return addressNotAllowedMessage();
  if (
    timedOut ||
    has(
      'TimeoutError',
      'ETIMEDOUT',
      'UND_ERR_CONNECT_TIMEOUT',
      'UND_ERR_HEADERS_TIMEOUT',
      'UND_ERR_BODY_TIMEOUT',
    )
  )
    return 'timeout';
  if (has('ECONNREFUSED')) return 'connection refused';
  if (has('ENOTFOUND', 'EAI_AGAIN', 'EAI_NODATA', 'EAI_NONAME')) return 'host not found';
  if (codes.some((c) => TLS_CODE.test(c))) return 'TLS error';
  if (has('EHOSTUNREACH', 'ENETUNREACH')) return 'host unreachable';
  if (has('ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED'))
    return 'connection closed by the receiver';
  return 'request failed';
}
