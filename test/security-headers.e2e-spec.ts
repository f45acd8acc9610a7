import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestApp, type TestApp } from './support/app.js';
import { newTenant, type TestTenant } from './support/factories.js';

let t: TestApp;
let a: TestTenant;
beforeAll(async () => {
  t = await startTestApp({ webhooksAllowPrivate: true });
  a = await newTenant(t.http);
});
afterAll(async () => {
  await t.close();
});

function cspOf(headers: Record<string, string>): Map<string, string> {
  return new Map(
    headers['content-security-policy']!.split(';')
      .map((d) => d.trim())
      .filter(Boolean)
      .map((d) => [d.split(' ')[0]!, d.slice(d.indexOf(' ') + 1)] as [string, string]),
  );
}

describe('security headers', () => {
  it('are on API answers, errors included: nosniff, no framing, a CSP that allows nothing', async () => {
    for (const res of [
      await t.http.get('/v1/me').set(a.admin.auth),
      await t.http.get('/v1/me'),
      await t.http.get('/v1/no-such-route'),
      await t.http.get('/health'),
    ]) {
      expect(res.headers['x-content-type-options']!).toBe('nosniff');
      expect(res.headers['x-frame-options']!).toBe('DENY');
      expect(res.headers['referrer-policy']!).toBe('no-referrer');
      const csp = cspOf(res.headers);
      expect(csp.get('default-src')).toBe("'none'");
      expect(csp.get('frame-ancestors')).toBe("'none'");
      expect(res.headers['strict-transport-security']!).toBeUndefined();
    }
  });

  it('let Swagger UI load its own scripts and styles, still unframeable', async () => {
    const page = await t.http.get('/docs').redirects(1);
    expect(page.status).toBe(200);
    expect(page.text).toContain('swagger-ui');
    const csp = cspOf(page.headers);
    expect(csp.get('script-src')).toBe("'self'");
    expect(csp.get('style-src')).toBe("'self' 'unsafe-inline'");
    expect(csp.get('frame-ancestors')).toBe("'none'");
    expect(page.headers['x-content-type-options']!).toBe('nosniff');
    expect(page.headers['cache-control'] ?? '').not.toContain('no-store');
  });

  it('mark every answer carrying tokens or secrets no-store', async () => {
    const email = `cache-${Date.now()}@example.com`;
    const signup = await t.http.post('/v1/auth/signup').send({
      tenantName: `Cache ${Date.now()}`,
      email,
      password: 'correct-horse-battery',
      name: 'C',
    });
    const login = await t.http
      .post('/v1/auth/login')
      .send({ email, password: 'correct-horse-battery' });
    const refresh = await t.http
      .post('/v1/auth/refresh')
      .send({ refreshToken: login.body.refreshToken as string });
    const auth = { Authorization: `Bearer ${signup.body.accessToken as string}` };
    const apiKey = await t.http.post('/v1/api-keys').set(auth).send({ name: 'bridge' });
    const webhook = await t.http
      .post('/v1/webhooks')
      .set(auth)
      .send({ url: 'http://127.0.0.1:9/hook', events: ['ticket.*'] });
    expect(webhook.body.secret).toMatch(/^whsec_/);
    const failedLogin = await t.http
      .post('/v1/auth/login')
      .send({ email, password: 'wrong-password-here' });
    const me = await t.http.get('/v1/me').set(auth);
    const answers = [signup, login, refresh, apiKey, webhook, failedLogin, me];
    expect(answers.map((r) => r.status)).toEqual([201, 200, 200, 201, 201, 401, 200]);
    for (const res of answers) expect(res.headers['cache-control']!).toBe('no-store');
  });

  it('send HSTS only when configured for TLS', async () => {
    const tls = await startTestApp({ hstsMaxAgeSeconds: 31_536_000 });
    try {
      const res = await tls.http.get('/health');
      expect(res.headers['strict-transport-security']!).toBe('max-age=31536000; includeSubDomains');
    } finally {
      await tls.close();
    }
  });
});
