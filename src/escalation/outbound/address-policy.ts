import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Which addresses an outbound webhook may connect to. Range names come from
 * ipaddr.js; only ordinary public unicast passes. Everything else (loopback,
 * RFC 1918, link-local, unique-local, site-local, multicast, unspecified,
 * broadcast, CGNAT, documentation, benchmarking, reserved, AS112/AMT anycast)
 * and every IPv6 form that embeds or translates to an IPv4 address
 * (IPv4-mapped, IPv4-compatible, SIIT, NAT64, Teredo; 6to4 when the embedded
 * address is not public) is refused.
 */

/** The setting that lifts the policy (local development only); named in every refusal. */
export const ALLOW_PRIVATE_SETTING = 'WEBHOOKS_ALLOW_PRIVATE';

/** Global unicast (RFC 4291): IPv6 outside it is unassigned or special. */
const GLOBAL_UNICAST_V6 = ipaddr.IPv6.parseCIDR('2000::/3');

/**
 * Why this IP may not be connected to (a short range name), or null when it
 * is public. Anything that does not parse as an IP is refused.
 */
export function refusedAddressRange(ip: string): string | null {
  // A zone index (fe80::1%eth0) does not change the range.
  const literal = (ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip).split('%')[0]!;
  // Node's own parser decides what is an address: no loose IPv4 forms here
  // (the URL parser has already turned decimal, octal, hex and short IPv4
  // into dotted quads before anything reaches this function).
  const version = isIP(literal);
  if (!version) return 'not an IP address';
  // IPv6 goes through the WHATWG serializer first: ipaddr.js 2.5 reads
  // "::127.0.0.1" as ::ffff:7f00:1, the canonical form has no such ambiguity.
  const addr = ipaddr.parse(
    version === 6 ? new URL(`http://[${literal}]/`).hostname.slice(1, -1) : literal,
  );
  if (addr.kind() === 'ipv4') {
    const range = addr.range();
    return range === 'unicast' ? null : range;
  }
  const v6 = addr as ipaddr.IPv6;
  const range = v6.range();
  if (range === '6to4') {
    // 2002:AABB:CCDD::/48 carries the IPv4 address AA.BB.CC.DD.
    const [, hi, lo] = v6.parts as [number, number, number];
    const embedded = new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
    const inner = embedded.range();
    return inner === 'unicast' ? null : `6to4 embedding ${inner}`;
  }
  if (range !== 'unicast') return range;
  // ipaddr.js calls IPv4-compatible (::a.b.c.d) and unassigned space "unicast".
  if (!v6.match(GLOBAL_UNICAST_V6)) return 'reserved';
  return null;
}

export function isAllowedAddress(ip: string): boolean {
  return refusedAddressRange(ip) === null;
}

/** `localhost`, `x.localhost` (RFC 6761), with or without the root's trailing dot. */
export function isLocalhostName(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/\.$/, '');
  return h === 'localhost' || h.endsWith('.localhost');
}

export function addressNotAllowedMessage(): string {
  return `address not allowed (loopback, private, link-local and other reserved addresses are refused unless ${ALLOW_PRIVATE_SETTING}=true)`;
}

/** Raised at connect time when the peer's address is refused. */
export class AddressNotAllowedError extends Error {
  readonly code = 'ERR_WEBHOOK_ADDRESS_NOT_ALLOWED';
  constructor() {
    super(addressNotAllowedMessage());
    this.name = 'AddressNotAllowedError';
  }
}
