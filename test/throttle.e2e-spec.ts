import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { createApp } from '../src/app.factory.js';
import { LoginThrottle } from '../src/auth/login-throttle.js';
import { createLogger } from '../src/common/logger.js';
import type { ResolvedConfig } from '../src/config/config.provider.js';
import { startTestApp, testConfig, type TestApp } from './support/app.js';
import { newApiKey, newTenant, PASSWORD, type TestTenant } from './support/factories.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A second app instance on the same database (another server, or the same one restarted). */
async function sameDatabaseApp(
  t: TestApp,
  overrides: Partial<ResolvedConfig>,
): Promise<{ app: NestFastifyApplication; http: TestAgent }> {
  const app = await createApp(testConfig(t.databaseUrl, overrides), createLogger('silent'));
  return { app, http: request(app.getHttpServer()) };
}

function expectProblem429(res: request.Response): void {
  expect(res.status).toBe(429);
  expect(res.headers['content-type']!).toMatch(/^application\/problem\+json/);
  expect(Number(res.headers['retry-after']!)).toBeGreaterThan(0);
}

describe('password checks (login and currentPassword)', () => {
  const overrides: Partial<ResolvedConfig> = {
    trustProxy: true,
    loginMaxFailures: 3,
    loginWindowSeconds: 900,
    loginLockSeconds: 5,
    loginLockMaxSeconds: 60,
    loginMaxFailuresPerAddress: 1000,
  };
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(overrides);
  });
  afterAll(async () => {
    await t.close();
  });

  const login = (http: TestAgent, email: string, password: string, from: string) =>
    http.post('/v1/auth/login').set('X-Forwarded-For', from).send({ email, password });

  it('reserves every attempt of a parallel burst before checking the password', async () => {
    const alice = await newTenant(t.http);
    const bob = await newTenant(t.http);
    const burst = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        login(
          t.http,
          alice.admin.email,
          i === 19 ? PASSWORD : `wrong-password-${i}`,
          '203.0.113.7',
        ),
      ),
    );
    const statuses = burst.map((r) => r.status);
    // At most the allowed number of passwords were checked; everything else was refused unchecked.
    expect(statuses.filter((s) => s === 401).length).toBe(3);
    expect(statuses.filter((s) => s === 429).length).toBe(37);
    // The right password inside the burst did not get in.
    expect(statuses[19]!).toBe(429);
    for (const res of burst.filter((r) => r.status === 429)) {
      expectProblem429(res);
      expect(res.body.code).toBe('too_many_login_attempts');
      // One burst costs the owner one short lock, not one per refused request.
      expect(Number(res.headers['retry-after']!)).toBeLessThanOrEqual(5);
    }

    // While locked, the right password is refused too...
    expectProblem429(await login(t.http, alice.admin.email, PASSWORD, '198.51.100.1'));
    // ...but other people are not locked out.
    expect((await login(t.http, bob.admin.email, PASSWORD, '198.51.100.9')).status).toBe(200);

    // After the backoff the right password works.
    await sleep(5200);
    expect((await login(t.http, alice.admin.email, PASSWORD, '203.0.113.7')).status).toBe(200);
  });

  it('doubles the lock when the failures go on after it', async () => {
    const carol = await newTenant(t.http);
    const wrong = () => login(t.http, carol.admin.email, 'not-the-password', '203.0.113.20');
    for (let i = 0; i < 3; i++) expect((await wrong()).status).toBe(401);
    const first = await wrong();
    expectProblem429(first);
    expect(Number(first.headers['retry-after']!)).toBeLessThanOrEqual(5);
    await sleep(5200);
    for (let i = 0; i < 3; i++) expect((await wrong()).status).toBe(401);
    const second = await wrong();
    expectProblem429(second);
    expect(Number(second.headers['retry-after']!)).toBeGreaterThan(5);
    expect(Number(second.headers['retry-after']!)).toBeLessThanOrEqual(10);
  });

  it('counts unknown emails like known ones', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++)
      statuses.push((await login(t.http, 'nobody@example.com', 'x', '203.0.113.30')).status);
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
  });

  it('shares the counts between instances and keeps them across a restart', async () => {
    const dave = await newTenant(t.http);
    const wrong = (http: TestAgent) =>
      login(http, dave.admin.email, 'not-the-password', '203.0.113.40');
    expect((await wrong(t.http)).status).toBe(401);
    const other = await sameDatabaseApp(t, overrides);
    try {
      expect((await wrong(other.http)).status).toBe(401);
    } finally {
      await other.app.close();
    }
    // A new instance started after that one stopped still sees both failures.
    const restarted = await sameDatabaseApp(t, overrides);
    try {
      expect((await wrong(restarted.http)).status).toBe(401);
      expectProblem429(await login(restarted.http, dave.admin.email, PASSWORD, '203.0.113.41'));
    } finally {
      await restarted.app.close();
    }
  });

  it('throttles a parallel burst of wrong currentPassword on PATCH /v1/me like logins', async () => {
    const erin = await newTenant(t.http);
    const burst = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        t.http
          .patch('/v1/me')
          .set(erin.admin.auth)
          .set('X-Forwarded-For', '203.0.113.50')
          .send({ password: 'a-brand-new-password', currentPassword: `wrong-${i}` }),
      ),
    );
    const statuses = burst.map((r) => r.status);
    expect(statuses.filter((s) => s === 401).length).toBe(3);
    expect(statuses.filter((s) => s === 429).length).toBe(17);
    for (const res of burst.filter((r) => r.status === 429)) expectProblem429(res);
    // Locked: even the right current password is refused, and nothing changed.
    const right = await t.http
      .patch('/v1/me')
      .set(erin.admin.auth)
      .set('X-Forwarded-For', '203.0.113.50')
      .send({ password: 'a-brand-new-password', currentPassword: PASSWORD });
    expectProblem429(right);
    // The same account's logins share the budget.
    expectProblem429(await login(t.http, erin.admin.email, PASSWORD, '198.51.100.77'));
    // Changes without a password are not throttled.
    const rename = await t.http.patch('/v1/me').set(erin.admin.auth).send({ name: 'Erin' });
    expect(rename.status).toBe(200);
  });

  it('limits password checks per client address across accounts', async () => {
    const local = await sameDatabaseApp(t, { ...overrides, loginMaxFailuresPerAddress: 4 });
    try {
      const tenants = await Promise.all([1, 2, 3].map(() => newTenant(local.http)));
      const from = '203.0.113.60';
      const statuses: number[] = [];
      for (const email of ['x1@example.com', 'x2@example.com', 'x3@example.com', 'x4@example.com'])
        statuses.push((await login(local.http, email, 'guess', from)).status);
      statuses.push((await login(local.http, tenants[0]!.admin.email, PASSWORD, from)).status);
      expect(statuses).toEqual([401, 401, 401, 401, 429]);
      // Another address is not affected.
      expect(
        (await login(local.http, tenants[1]!.admin.email, PASSWORD, '198.51.100.60')).status,
      ).toBe(200);
    } finally {
      await local.app.close();
    }
  });
});

describe('general rate limits', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      trustProxy: true,
      // A long window, so a test never straddles two windows.
      rateLimitWindowSeconds: 3600,
      rateLimitPerTenant: 10,
      rateLimitPerApiKey: 3,
      rateLimitPublicPerAddress: 5,
    });
  });
  afterAll(async () => {
    await t.close();
  });

  async function tenantFrom(from: string) {
    const id = Math.random().toString(36).slice(2, 10);
    const res = await t.http
      .post('/v1/auth/signup')
      .set('X-Forwarded-For', from)
      .send({
        tenantName: `Tenant ${id}`,
        email: `admin-${id}@example.com`,
        password: PASSWORD,
        name: `Admin ${id}`,
      });
    expect(res.status).toBe(201);
    return {
      id: res.body.tenant.id as string,
      auth: { Authorization: `Bearer ${res.body.accessToken as string}` },
    };
  }

  it('limits public routes per client address, with RateLimit headers', async () => {
    const from = '192.0.2.10';
    const seen: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await t.http
        .post('/v1/auth/refresh')
        .set('X-Forwarded-For', from)
        .send({ refreshToken: `ldr_nope_${i}` });
      expect(res.status).toBe(401);
      expect(res.headers['ratelimit-limit']!).toBe('5');
      expect(Number(res.headers['ratelimit-reset']!)).toBeGreaterThan(0);
      seen.push(Number(res.headers['ratelimit-remaining']!));
    }
    expect(seen).toEqual([4, 3, 2, 1, 0]);
    // Every public route shares the address's budget.
    const over = await t.http
      .post('/v1/auth/login')
      .set('X-Forwarded-For', from)
      .send({ email: 'someone@example.com', password: 'whatever' });
    expectProblem429(over);
    expect(over.body).toMatchObject({ status: 429, code: 'rate_limited' });
    expect(over.body.requestId).toBe(over.headers['x-request-id']!);
    expect(over.headers['ratelimit-remaining']!).toBe('0');
    // Another address is not affected.
    const other = await t.http
      .post('/v1/auth/refresh')
      .set('X-Forwarded-For', '192.0.2.11')
      .send({ refreshToken: 'ldr_nope' });
    expect(other.status).toBe(401);
    expect(other.headers['ratelimit-remaining']!).toBe('4');
    // Health probes are not limited.
    for (let i = 0; i < 7; i++)
      expect((await t.http.get('/health').set('X-Forwarded-For', from)).status).toBe(200);
  });

  it('limits each tenant on its own, with RateLimit headers', async () => {
    const a = await tenantFrom('192.0.2.20');
    const b = await tenantFrom('192.0.2.21');
    for (let i = 0; i < 10; i++) {
      const res = await t.http.get('/v1/me').set(a.auth);
      expect(res.status).toBe(200);
      expect(res.headers['ratelimit-limit']!).toBe('10');
      expect(res.headers['ratelimit-remaining']!).toBe(String(9 - i));
    }
    const over = await t.http.get('/v1/me').set(a.auth);
    expectProblem429(over);
    expect(over.body.code).toBe('rate_limited');
    // The other tenant is unaffected.
    const other = await t.http.get('/v1/me').set(b.auth);
    expect(other.status).toBe(200);
    expect(other.headers['ratelimit-remaining']!).toBe('9');
  });

  it('limits each API key on its own, within its tenant’s limit', async () => {
    const c = await tenantFrom('192.0.2.30');
    const tenant = { admin: { auth: c.auth } } as TestTenant;
    const k1 = await newApiKey(t.http, tenant, 'one');
    const k2 = await newApiKey(t.http, tenant, 'two');
    for (let i = 0; i < 3; i++) {
      const res = await t.http.get('/v1/me').set('X-Api-Key', k1.key);
      expect(res.status).toBe(200);
      expect(res.headers['ratelimit-limit']!).toBe('3');
    }
    const over = await t.http.get('/v1/me').set('X-Api-Key', k1.key);
    expectProblem429(over);
    expect(over.headers['ratelimit-limit']!).toBe('3');
    // The tenant has used 6 of its 10: the other key still works.
    expect((await t.http.get('/v1/me').set('X-Api-Key', k2.key)).status).toBe(200);
  });

  it('keeps only digests of its keys, and sweeps expired windows', async () => {
    const a = await tenantFrom('192.0.2.40');
    expect((await t.http.get('/v1/me').set(a.auth)).status).toBe(200);
    const rows = await t.dataSource.query<{ bucket: Buffer; expired: boolean }[]>(
      `SELECT bucket, expires_at < now() AS expired FROM rate_limit_counters
        UNION ALL SELECT bucket, expires_at < now() FROM auth_attempts`,
    );
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(row.bucket).toHaveLength(32);
      expect(row.bucket.toString('latin1')).not.toContain(a.id);
    }
    const expired = Buffer.alloc(32, 7);
    await t.dataSource.query(
      `INSERT INTO rate_limit_counters (bucket, window_start, hits, expires_at)
       VALUES ($1, 0, 1, now() - interval '1 minute')`,
      [expired],
    );
    await t.dataSource.query(
      `INSERT INTO auth_attempts (bucket, attempts, window_start, strikes, expires_at)
       VALUES ($1, 1, now() - interval '1 hour', 0, now() - interval '1 minute')`,
      [expired],
    );
    const swept = await t.app.get(LoginThrottle).sweep();
    expect(swept.rateLimitCounters).toBeGreaterThanOrEqual(1);
    expect(swept.authAttempts).toBeGreaterThanOrEqual(1);
    const left = await t.dataSource.query<{ n: number }[]>(
      `SELECT (SELECT count(*) FROM rate_limit_counters WHERE bucket = $1)
            + (SELECT count(*) FROM auth_attempts WHERE bucket = $1) AS n`,
      [expired],
    );
    expect(Number(left[0]!.n)).toBe(0);
    // Live windows stay.
    const live = await t.dataSource.query<{ n: string }[]>(
      `SELECT count(*) AS n FROM rate_limit_counters`,
    );
    expect(Number(live[0]!.n)).toBeGreaterThan(0);
  });
});
