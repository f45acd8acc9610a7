import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type request from 'supertest';
import { startTestApp, type TestApp } from './support/app.js';
import { newApiKey, newTenant, type TestTenant } from './support/factories.js';

// The passport strategies (jwt, api-key) behind the global guard: which
// credentials count, and the exact problem+json of every refusal.

let t: TestApp;
let a: TestTenant;
let key: { id: string; key: string };
beforeAll(async () => {
  t = await startTestApp();
  a = await newTenant(t.http);
  key = await newApiKey(t.http, a);
});
afterAll(async () => {
  await t.close();
});

function expectProblem(res: request.Response, status: number, code: string): void {
  expect({ status: res.status, code: res.body.code }).toEqual({ status, code });
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
}

describe('credentials', () => {
  it('answers a missing or malformed Authorization with 401 unauthenticated and a Bearer challenge', async () => {
    for (const authorization of [
      undefined,
      '',
      'Basic dXNlcjpwYXNz',
      'Bearer',
      `Bearer ${a.admin.accessToken} extra`,
      `Token ${a.admin.accessToken}`,
    ]) {
      const req = t.http.get('/v1/me');
      const res = await (authorization === undefined
        ? req
        : req.set('Authorization', authorization));
      expectProblem(res, 401, 'unauthenticated');
      expect(res.headers['www-authenticate']).toBe('Bearer');
    }
    // The scheme is case-insensitive and the same token works (not vacuous).
    const ok = await t.http.get('/v1/me').set('Authorization', `bearer ${a.admin.accessToken}`);
    expect(ok.status).toBe(200);
    expect(ok.body.user.id).toBe(a.admin.userId);
  });

  it('answers a bearer token that does not verify with 401 invalid_token, not passport text', async () => {
    const [h, p] = a.admin.accessToken.split('.');
    for (const token of ['garbage', `${h}.${p}.`, `${h}.${p}.c2lnbmF0dXJl`]) {
      const res = await t.http.get('/v1/me').set('Authorization', `Bearer ${token}`);
      expectProblem(res, 401, 'invalid_token');
      expect(res.headers['www-authenticate']).toBeUndefined();
    }
  });

  it('authenticates an API key only where the route takes keys, and never alongside Authorization', async () => {
    const asKey = await t.http.get('/v1/me').set('X-Api-Key', key.key);
    expect(asKey.status).toBe(200);
    expect(asKey.body).toMatchObject({ tenant: { id: a.id }, apiKey: { id: key.id } });

    expectProblem(
      await t.http.get('/v1/me').set('X-Api-Key', 'ldk_made-up'),
      401,
      'invalid_api_key',
    );
    expectProblem(
      await t.http.get('/v1/me').set('X-Api-Key', `ldk_${'x'.repeat(300)}`),
      401,
      'invalid_api_key',
    );
    // A route without @ApiKeyAccess refuses any key before looking it up.
    expectProblem(await t.http.get('/v1/users').set('X-Api-Key', key.key), 403, 'forbidden');
    expectProblem(await t.http.get('/v1/users').set('X-Api-Key', 'ldk_made-up'), 403, 'forbidden');

    // With an Authorization header the request is a person's: the key is not used.
    const both = await t.http.get('/v1/me').set('X-Api-Key', key.key).set(a.admin.auth);
    expect(both.status).toBe(200);
    expect(both.body.user.id).toBe(a.admin.userId);
    expect(both.body.apiKey).toBeUndefined();
    const badAuth = await t.http
      .get('/v1/me')
      .set('X-Api-Key', key.key)
      .set('Authorization', 'Basic dXNlcjpwYXNz');
    expectProblem(badAuth, 401, 'unauthenticated');
    const badToken = await t.http
      .get('/v1/me')
      .set('X-Api-Key', key.key)
      .set('Authorization', 'Bearer garbage');
    expectProblem(badToken, 401, 'invalid_token');
    // An empty key is no key.
    expectProblem(await t.http.get('/v1/me').set('X-Api-Key', ''), 401, 'unauthenticated');
  });
});

describe('several apps in one process', () => {
  it('authenticates each app against its own database, also after another app stopped', async () => {
    const other = await startTestApp();
    let closed = false;
    try {
      const b = await newTenant(other.http);
      const bKey = await newApiKey(other.http, b);
      // Same JWT secret, other database: each app finds only its own people and keys.
      expect((await t.http.get('/v1/me').set(a.admin.auth)).status).toBe(200);
      expect((await other.http.get('/v1/me').set(b.admin.auth)).status).toBe(200);
      expectProblem(await other.http.get('/v1/me').set(a.admin.auth), 401, 'invalid_token');
      expectProblem(await t.http.get('/v1/me').set(b.admin.auth), 401, 'invalid_token');
      expect((await t.http.get('/v1/me').set('X-Api-Key', key.key)).status).toBe(200);
      expectProblem(await t.http.get('/v1/me').set('X-Api-Key', bKey.key), 401, 'invalid_api_key');
      await other.close();
      closed = true;
      // The stopped app's strategies (and its closed pool) are not used by this one.
      expect((await t.http.get('/v1/me').set(a.admin.auth)).status).toBe(200);
      expect((await t.http.get('/v1/me').set('X-Api-Key', key.key)).status).toBe(200);
    } finally {
      if (!closed) await other.close();
    }
  });
});
