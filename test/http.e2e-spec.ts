import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PATH_METADATA, METHOD_METADATA } from '@nestjs/common/constants.js';
import { ModulesContainer } from '@nestjs/core';
import { PUBLIC_KEY, ROLES_KEY } from '../src/auth/decorators.js';
import { startTestApp, type TestApp } from './support/app.js';
import { newTenant, PASSWORD, type TestTenant } from './support/factories.js';

let t: TestApp;
let a: TestTenant;
let b: TestTenant;
beforeAll(async () => {
  t = await startTestApp();
  a = await newTenant(t.http);
  b = await newTenant(t.http);
});
afterAll(async () => {
  await t.close();
});

const unique = () => Math.random().toString(36).slice(2, 10);

describe('every route', () => {
  it('is either marked @Public() or declares who may call it', () => {
    const offenders: string[] = [];
    let routes = 0;
    for (const mod of t.app.get(ModulesContainer).values()) {
      for (const wrapper of mod.controllers.values()) {
        const cls = wrapper.metatype as (new (...args: never[]) => unknown) | null;
        if (!cls) continue;
        for (const name of Object.getOwnPropertyNames(cls.prototype)) {
          const handler = (cls.prototype as Record<string, unknown>)[name];
          if (name === 'constructor' || typeof handler !== 'function') continue;
          if (Reflect.getMetadata(METHOD_METADATA, handler) === undefined) continue;
          routes++;
          const declared = [PUBLIC_KEY, ROLES_KEY].some(
            (key) =>
              Reflect.getMetadata(key, handler) !== undefined ||
              Reflect.getMetadata(key, cls) !== undefined,
          );
          if (!declared)
            offenders.push(
              `${cls.name}.${name} (${String(Reflect.getMetadata(PATH_METADATA, handler))})`,
            );
        }
      }
    }
    expect(routes).toBeGreaterThan(10);
    expect(offenders).toEqual([]);
  });

  it('answers 401 problem+json without credentials unless public', async () => {
    const doc = (await t.http.get('/docs-json')).body as {
      paths: Record<string, Record<string, { security?: unknown[] }>>;
    };
    let checked = 0;
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const url = path.replace(/\{[^}]+\}/g, '01a20000-0000-7000-8000-000000000000');
        const res = await (
          t.http as unknown as Record<string, (u: string) => ReturnType<TestApp['http']['get']>>
        )[method]!(url).send({});
        const isPublic = path.startsWith('/health') || path.startsWith('/v1/auth/');
        if (isPublic) {
          expect(res.status).not.toBe(401);
        } else {
          expect({ method, path, status: res.status }).toEqual({ method, path, status: 401 });
          expect(res.headers['content-type']!).toMatch(/^application\/problem\+json/);
          expect(op.security).toBeDefined();
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(8);
  });
});

describe('problem+json', () => {
  it('answers unknown routes, bad JSON, wrong media types and huge limits without leaking internals', async () => {
    const unknown = await t.http.get('/v1/nowhere');
    expect(unknown.status).toBe(404);
    expect(unknown.headers['content-type']!).toMatch(/^application\/problem\+json/);
    expect(unknown.body).toMatchObject({
      status: 404,
      code: 'not_found',
      type: expect.stringContaining('not-found'),
    });

    const badJson = await t.http
      .post('/v1/auth/login')
      .set('content-type', 'application/json')
      .send('{"email": "a@b.c", "password": ');
    expect(badJson.status).toBe(400);
    expect(badJson.body.code).toBe('bad_request');

    const text = await t.http
      .post('/v1/auth/login')
      .set('content-type', 'text/plain')
      .send('hello');
    expect(text.status).toBe(415);
    expect(text.headers['content-type']!).toMatch(/problem\+json/);

    const big = await t.http.get('/v1/users').query({ limit: 100000 }).set(a.admin.auth);
    expect(big.status).toBe(200);
    const zero = await t.http.get('/v1/users').query({ limit: 0 }).set(a.admin.auth);
    expect(zero.status).toBe(400);
    expect(zero.body.errors[0].field).toBe('limit');
    const cursor = await t.http
      .get('/v1/users')
      .query({ cursor: 'not-a-cursor' })
      .set(a.admin.auth);
    expect(cursor.status).toBe(400);
    expect(cursor.body.errors[0].field).toBe('cursor');

    for (const res of [unknown, badJson, text, zero, cursor]) {
      const body = JSON.stringify(res.body);
      expect(body).not.toMatch(/at .*\.(ts|js):\d+|SELECT|INSERT|node_modules/);
      expect(res.body.requestId).toEqual(res.headers['x-request-id']!);
    }
  });

  it('refuses a body over the limit with 413', async () => {
    const huge = 'x'.repeat(11 * 1024 * 1024);
    const res = await t.http
      .post('/v1/auth/login')
      .set('content-type', 'application/json')
      .send(`{"email":"${huge}"}`);
    expect(res.status).toBe(413);
    expect(res.body.code).toBe('payload_too_large');
  });

  it('echoes a sane X-Request-Id and replaces a hostile one', async () => {
    const mine = await t.http.get('/health').set('X-Request-Id', 'trace-123');
    expect(mine.headers['x-request-id']!).toBe('trace-123');
    const hostile = await t.http.get('/health').set('X-Request-Id', 'a b\tc'.repeat(50));
    expect(hostile.headers['x-request-id']!).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('health and docs', () => {
  it('serves liveness, readiness and the OpenAPI document', async () => {
    expect((await t.http.get('/health')).body).toEqual({ status: 'ok' });
    const ready = await t.http.get('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.info.database.status).toBe('up');
    const doc = await t.http.get('/docs-json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(['/v1/auth/signup', '/v1/users/{id}']),
    );
    expect(doc.body.components.schemas.ProblemDto).toBeDefined();
    expect((await t.http.get('/docs')).status).toBeLessThan(400);
  });
});

describe('Idempotency-Key', () => {
  const body = () => ({
    email: `idem-${unique()}@example.com`,
    name: 'Idem',
    role: 'agent',
    password: PASSWORD,
  });

  it('replays the first answer for the same key and body, with one effect', async () => {
    const key = `k-${unique()}`;
    const payload = body();
    const first = await t.http
      .post('/v1/users')
      .set(a.admin.auth)
      .set('Idempotency-Key', key)
      .send(payload);
    expect(first.status).toBe(201);
    const again = await t.http
      .post('/v1/users')
      .set(a.admin.auth)
      .set('Idempotency-Key', key)
      .send(payload);
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']!).toBe('true');
    expect(again.body).toEqual(first.body);
    const list = await t.http.get('/v1/users').query({ limit: 200 }).set(a.admin.auth);
    expect(
      (list.body.data as { email: string }[]).filter((u) => u.email === payload.email),
    ).toHaveLength(1);
  });

  it('answers 422 for the same key with another body, and does nothing', async () => {
    const key = `k-${unique()}`;
    await t.http
      .post('/v1/users')
      .set(a.admin.auth)
      .set('Idempotency-Key', key)
      .send(body())
      .expect(201);
    const other = body();
    const res = await t.http
      .post('/v1/users')
      .set(a.admin.auth)
      .set('Idempotency-Key', key)
      .send(other);
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('idempotency_key_reused');
    expect(
      (await t.http.post('/v1/auth/login').send({ email: other.email, password: PASSWORD })).status,
    ).toBe(401);
  });

  it('scopes keys per tenant', async () => {
    const key = `shared-${unique()}`;
    const ra = await t.http
      .post('/v1/users')
      .set(a.admin.auth)
      .set('Idempotency-Key', key)
      .send(body());
    const rb = await t.http
      .post('/v1/users')
      .set(b.admin.auth)
      .set('Idempotency-Key', key)
      .send(body());
    expect(ra.status).toBe(201);
    expect(rb.status).toBe(201);
    expect(rb.headers['idempotent-replayed']!).toBeUndefined();
    expect(rb.body.tenantId).toBe(b.id);
  });

  it('lets concurrent duplicates through exactly once: the others get 409 or the replay', async () => {
    const key = `race-${unique()}`;
    const payload = body();
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        t.http.post('/v1/users').set(a.admin.auth).set('Idempotency-Key', key).send(payload),
      ),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.every((s) => s === 201 || s === 409)).toBe(true);
    expect(
      results.filter((r) => r.status === 201 && !r.headers['idempotent-replayed']),
    ).toHaveLength(1);
    const ids = new Set(results.filter((r) => r.status === 201).map((r) => r.body.id as string));
    expect(ids.size).toBe(1);
  });

  it('frees the key when the request fails, so a corrected retry works', async () => {
    const key = `fail-${unique()}`;
    const bad = await t.http
      .post('/v1/users')
      .set(a.admin.auth)
      .set('Idempotency-Key', key)
      .send({ ...body(), role: 'pilot' });
    expect(bad.status).toBe(400);
    const taken = await t.http
      .post('/v1/users')
      .set(a.admin.auth)
      .set('Idempotency-Key', key)
      .send({ ...body(), email: a.admin.email });
    expect(taken.status).toBe(409);
    expect(taken.body.code).toBe('email_taken');
    const good = await t.http
      .post('/v1/users')
      .set(a.admin.auth)
      .set('Idempotency-Key', key)
      .send(body());
    expect(good.status).toBe(201);
  });

  it('refuses a malformed key', async () => {
    const res = await t.http
      .post('/v1/users')
      .set(a.admin.auth)
      .set('Idempotency-Key', 'x'.repeat(300))
      .send(body());
    expect(res.status).toBe(400);
  });

  it('stores the answer in the same transaction as the effect', async () => {
    const key = `tx-${unique()}`;
    const res = await t.http
      .post('/v1/users')
      .set(a.admin.auth)
      .set('Idempotency-Key', key)
      .send(body());
    const [row] = await t.dataSource.transaction(async (em) => {
      await em.query(`select set_config('app.tenant_id', $1, true)`, [a.id]);
      return em.query<{ state: string; body: { id: string }; expires: boolean }[]>(
        `SELECT state, response_body AS body, expires_at BETWEEN now() + interval '23 hours' AND now() + interval '25 hours' AS expires
           FROM idempotency_keys WHERE key = $1`,
        [key],
      );
    });
    expect(row).toEqual({
      state: 'completed',
      body: expect.objectContaining({ id: res.body.id }),
      expires: true,
    });
  });
});
