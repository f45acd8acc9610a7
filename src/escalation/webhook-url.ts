import { isIP } from 'node:net';
import {
  ALLOW_PRIVATE_SETTING,
  addressNotAllowedMessage,
  isAllowedAddress,
  isLocalhostName,
} from './outbound/address-policy.js';
import type { WebhookTransport } from './outbound/webhook-transport.js';

/**
 * The refusal at registration. It never says what a hostname resolved to,
 * nor whether it resolved at all: that would let a tenant map our internal
 * DNS through this endpoint.
 */
export const URL_NOT_ALLOWED =
  'url must point to a public address: loopback, private, link-local, reserved and IPv4-embedding IPv6 ' +
  `addresses, localhost names and hosts that do not resolve to public addresses only are refused unless ${ALLOW_PRIVATE_SETTING}=true`;

function parse(raw: string): URL | string {
  let url: URL;
  try {
    // The WHATWG parser also normalises every IPv4 spelling (2130706433,
    // 0177.0.0.1, 0x7f.1, 127.1) to a dotted quad and IPv6 to its short form.
    url = new URL(raw);
  } catch {
    return 'url must be an absolute http(s) URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'url must use http or https';
  if (!url.hostname) return 'url must name a host';
  return url;
}

const hostOf = (url: URL) => url.hostname.replace(/^\[|\]$/g, '');

/**
 * Why a URL may not receive webhooks, or null: at registration. Resolves the
 * host with the transport's resolver; the transport checks again, address by
 * address, on every connection (DNS may change in between).
 */
export async function refuseWebhookUrl(
  raw: string,
  transport: Pick<WebhookTransport, 'refuseHost'>,
): Promise<string | null> {
  const url = parse(raw);
  if (typeof url === 'string') return url;
  if (await transport.refuseHost(url.hostname)) return URL_NOT_ALLOWED;
  if (url.username || url.password) return 'url must not carry credentials (user:password@)';
  return null;
}

/**
 * Why a stored URL may not be posted to, without DNS (the connection checks
 * the resolved address): a URL stored before the current rules, or while
 * private targets were allowed.
 */
export function refuseDeliveryUrl(raw: string, allowPrivate: boolean): string | null {
  const url = parse(raw);
  if (typeof url === 'string') return url;
  const host = hostOf(url);
  if (!allowPrivate && (isLocalhostName(host) || (isIP(host) && !isAllowedAddress(host))))
    return addressNotAllowedMessage();
  if (url.username || url.password) return 'url must not carry credentials (user:password@)';
  return null;
}
