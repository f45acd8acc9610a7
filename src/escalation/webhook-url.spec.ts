import { afterAll, describe, expect, it } from '@jest/globals';
import { WebhookTransport } from './outbound/webhook-transport.js';
import { refuseDeliveryUrl, refuseWebhookUrl, URL_NOT_ALLOWED } from './webhook-url.js';

/** The real registration check, on a fake DNS: no network. */
function fakeDns(answers: Record<string, string[]>): WebhookTransport {
  const t = new WebhookTransport({ webhooksAllowPrivate: false, webhookTimeoutMs: 1000 } as never);
  t.resolver = (h) => {
    const a = answers[h];
    if (!a) return Promise.reject(Object.assign(new Error('not found'), { code: 'ENOTFOUND' }));
    return Promise.resolve(
      a.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
    );
  };
  return t;
}

describe('webhook URLs', () => {
  const dns = fakeDns({
    'hooks.example.com': ['93.184.216.34', '2606:4700::1'],
    'mixed.example.com': ['93.184.216.34', '10.0.0.7'],
    'internal.example.com': ['127.0.0.1'],
  });
  afterAll(() => dns.onApplicationShutdown());

  it.each([
    'http://127.0.0.1:8080/hook',
    'http://169.254.169.254/latest',
    'http://2130706433/',
    'http://0177.0.0.1/',
    'http://0x7f.1/',
    'http://127.1/',
    'http://localhost/hook',
    'http://localhost./hook',
    'http://user@127.0.0.1/',
    'http://[::ffff:127.0.0.1]/',
    'http://[::127.0.0.1]/',
    'http://[64:ff9b::7f00:1]/',
    'http://[fec0::1]/',
    'http://mixed.example.com/',
    'http://internal.example.com/',
    'http://nowhere.example.com/',
  ])('refuses %s, naming the development setting', async (url) => {
    expect(await refuseWebhookUrl(url, dns)).toBe(URL_NOT_ALLOWED);
    expect(URL_NOT_ALLOWED).toContain('WEBHOOKS_ALLOW_PRIVATE');
  });

  it('accepts public hosts and refuses other schemes and credentials', async () => {
    expect(await refuseWebhookUrl('https://hooks.example.com/x', dns)).toBeNull();
    expect(await refuseWebhookUrl('https://93.184.216.34/x', dns)).toBeNull();
    expect(await refuseWebhookUrl('https://[2606:4700::1]/x', dns)).toBeNull();
    expect(await refuseWebhookUrl('ftp://hooks.example.com/x', dns)).toMatch(/http/);
    expect(await refuseWebhookUrl('not a url', dns)).toMatch(/absolute/);
    expect(await refuseWebhookUrl('https://user:pw@93.184.216.34/x', dns)).toMatch(/credentials/);
  });

  it('checks stored URLs before delivery without DNS', () => {
    expect(refuseDeliveryUrl('http://127.1:9/', false)).toMatch(/WEBHOOKS_ALLOW_PRIVATE/);
    expect(refuseDeliveryUrl('http://[::ffff:7f00:1]/', false)).toMatch(/address not allowed/);
    expect(refuseDeliveryUrl('http://localhost./', false)).toMatch(/address not allowed/);
    expect(refuseDeliveryUrl('http://127.0.0.1/', true)).toBeNull();
    expect(refuseDeliveryUrl('https://hooks.example.com/', false)).toBeNull();
    expect(refuseDeliveryUrl('gopher://hooks.example.com/', true)).toMatch(/http/);
  });
});
