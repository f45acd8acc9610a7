import { describe, expect, it } from '@jest/globals';
import { isPrivateAddress, refuseWebhookUrl } from './webhook-url.js';

describe('webhook URLs', () => {
  it.each([
    '127.0.0.1',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '0.0.0.0',
    '100.64.0.1',
    '::1',
    'fe80::1',
    'fd00::1',
    '::ffff:127.0.0.1',
  ])('treats %s as private', (ip) => expect(isPrivateAddress(ip)).toBe(true));
  it.each(['8.8.8.8', '172.32.0.1', '1.1.1.1', '2606:4700::1111'])('treats %s as public', (ip) =>
    expect(isPrivateAddress(ip)).toBe(false),
  );
  it('refuses loopback, metadata and non-http URLs unless private ones are allowed', async () => {
    expect(await refuseWebhookUrl('http://127.0.0.1:8080/hook', false)).toMatch(/private/);
    expect(await refuseWebhookUrl('http://169.254.169.254/latest', false)).toMatch(/private/);
    expect(await refuseWebhookUrl('http://localhost/hook', false)).toMatch(/private|resolve/);
    expect(await refuseWebhookUrl('ftp://example.com/x', false)).toMatch(/http/);
    expect(await refuseWebhookUrl('https://user:pw@8.8.8.8/x', false)).toMatch(/credentials/);
    expect(await refuseWebhookUrl('https://8.8.8.8/hook', false)).toBeNull();
    expect(await refuseWebhookUrl('http://127.0.0.1:8080/hook', true)).toBeNull();
  });
});
