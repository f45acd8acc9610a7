import { describe, expect, it } from '@jest/globals';
import { isAllowedAddress, isLocalhostName, refusedAddressRange } from './address-policy.js';

describe('outbound address policy', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'linkLocal'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['255.255.255.255', 'broadcast'],
    ['224.0.0.1', 'multicast'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['100.127.255.254', 'carrierGradeNat'],
    ['192.0.2.10', 'reserved'],
    ['198.51.100.7', 'reserved'],
    ['203.0.113.99', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['198.19.255.1', 'reserved'],
    ['192.0.0.8', 'reserved'],
    ['240.0.0.1', 'reserved'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'linkLocal'],
    ['fe80::1%eth0', 'linkLocal'],
    ['fd00::1', 'uniqueLocal'],
    ['fc00::1', 'uniqueLocal'],
    ['fec0::1', 'deprecatedSiteLocal'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'ipv4Mapped'],
    ['::ffff:7f00:1', 'ipv4Mapped'],
    ['::ffff:93.184.216.34', 'ipv4Mapped'],
    ['::127.0.0.1', 'reserved'],
    ['::1.2.3.4', 'reserved'],
    ['64:ff9b::10.0.0.1', 'rfc6052'],
    ['::7f00:1', 'reserved'],
    ['::a00:1', 'reserved'],
    ['::ffff:0:7f00:1', 'rfc6145'],
    ['64:ff9b::127.0.0.1', 'rfc6052'],
    ['64:ff9b::7f00:1', 'rfc6052'],
    ['64:ff9b::5db8:d822', 'rfc6052'],
    ['64:ff9b:1::7f00:1', 'rfc6052'],
    ['2002:7f00:1::', '6to4 embedding loopback'],
    ['2002:a00:1::1', '6to4 embedding private'],
    ['2002:a9fe:a9fe::', '6to4 embedding linkLocal'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'teredo'],
    ['2001:db8::1', 'reserved'],
    ['2001:2::1', 'benchmarking'],
    ['100::1', 'discard'],
    ['3fff::1', 'reserved'],
    ['4000::1', 'reserved'],
    ['localhost', 'not an IP address'],
    ['2130706433', 'not an IP address'],
  ])('refuses %s (%s)', (ip, range) => {
    expect(refusedAddressRange(ip)).toBe(range);
    expect(isAllowedAddress(ip)).toBe(false);
  });

  it.each([
    '93.184.216.34',
    '8.8.8.8',
    '1.1.1.1',
    '172.32.0.1',
    '100.128.0.1',
    '2606:4700::1',
    '2606:4700::1111',
    '2a00:1450:4001:81b::200e',
    '2002:5db8:d822::1', // 6to4 around a public IPv4
  ])('allows the public address %s', (ip) => {
    expect(refusedAddressRange(ip)).toBeNull();
    expect(isAllowedAddress(ip)).toBe(true);
  });

  it('recognises localhost names with and without the trailing dot', () => {
    for (const h of ['localhost', 'LOCALHOST.', 'api.localhost', 'x.localhost.']) {
      expect(isLocalhostName(h)).toBe(true);
    }
    for (const h of ['example.com', 'localhost.example.com', 'notlocalhost']) {
      expect(isLocalhostName(h)).toBe(false);
    }
  });
});
