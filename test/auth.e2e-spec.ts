import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHmac } from 'node:crypto';
import { startTestApp, TEST_JWT_SECRET, type TestApp } from './support/app.js';
import { newTenant, newUser, PASSWORD } from './support/factories.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

function jwt(header: object, payload: object, secret = TEST_JWT_SECRET): string {
  const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const body = `${enc(header)}.${enc(payload)}`;
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<
    string,
    unknown
  >;
}

describe('signup', () => {
  it('creates a tenant and its first admin and answers tokens', async () => {
    const res = await t.http.post('/v1/auth/signup').send({
      tenantName: 'Harbor Property Group',
      email: 'Ana@Harbor.example',
      password: PASSWORD,
      name: 'Ana',
    });
    expect(res.status).toBe(201);
    expect(res.body.tenant).toMatchObject({
      name: 'Harbor Property Group',
      kind: 'customer',
      handle: 'harbor-property-group',
    });
    expect(res.body.user).toMatchObject({
      email: 'ana@harbor.example',
      role: 'admin',
      tenantId: res.body.tenant.id,
    });
    expect(res.body.user.passwordHash).toBeUndefined();
    expect(JSON.stringify(res.body)).not.toContain('argon2');
    expect(res.body.accessToken).toEqual(expect.any(String));
    expect(res.body.refreshToken).toMatch(/^ldr_/);

    const me = await t.http.get('/v1/me').set('Authorization', `Bearer ${res.body.accessToken}`);
    expect(me.status).toBe(200);
    expect(me.body.user.email).toBe('ana@harbor.example');
    expect(me.body.tenant.id).toBe(res.body.tenant.id);
  });

  it('gives a second company with the same name another handle, and refuses a taken explicit handle', async () => {
    const a = await newTenant(t.http, { name: 'Same Name Ltd' });
    const b = await newTenant(t.http, { name: 'Same Name Ltd' });
    expect(a.handle).toBe('same-name-ltd');
    expect(b.handle).toMatch(/^same-name-ltd-[a-z0-9]+$/);
    const res = await t.http.post('/v1/auth/signup').send({
      tenantName: 'X',
      handle: 'same-name-ltd',
      email: 'other@example.com',
      password: PASSWORD,
      name: 'O',
    });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('handle_taken');
  });

  it('signs up partner tenants of each kind', async () => {
    for (const kind of ['locksmith', 'manufacturer'] as const) {
      const p = await newTenant(t.http, { kind });
      expect(p.kind).toBe(kind);
    }
  });

  it('refuses a taken email with 409 and writes nothing', async () => {
    const a = await newTenant(t.http);
    const res = await t.http.post('/v1/auth/signup').send({
      tenantName: 'Copycat',
      handle: 'copycat-co',
      email: a.admin.email,
      password: PASSWORD,
      name: 'C',
    });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('email_taken');
    // the tenant of the failed signup was not created: its handle is still free
    const again = await t.http.post('/v1/auth/signup').send({
      tenantName: 'Copycat',
      handle: 'copycat-co',
      email: 'fresh@example.com',
      password: PASSWORD,
      name: 'C',
    });
    expect(again.status).toBe(201);
  });

  it('answers 400 with every bad field, and refuses fields it does not know', async () => {
    const res = await t.http.post('/v1/auth/signup').send({
      tenantName: '',
      email: 'not-an-email',
      password: 'short',
      name: 'N',
      kind: 'bank',
      role: 'admin',
      tenantId: 'x',
    });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']!).toMatch(/^application\/problem\+json/);
    const fields = (res.body.errors as { field: string }[]).map((e) => e.field).sort();
    expect(fields).toEqual(['email', 'kind', 'password', 'role', 'tenantId', 'tenantName'].sort());
  });
});

describe('login and refresh', () => {
  it('logs in, refreshes with rotation, and revokes the family when an old token is reused', async () => {
    const tenant = await newTenant(t.http);
    const login = await t.http
      .post('/v1/auth/login')
      .send({ email: tenant.admin.email, password: PASSWORD });
    expect(login.status).toBe(200);
    const first = login.body.refreshToken as string;

    const r1 = await t.http.post('/v1/auth/refresh').send({ refreshToken: first });
    expect(r1.status).toBe(200);
    expect(r1.body.refreshToken).not.toBe(first);
    const second = r1.body.refreshToken as string;

    const reuse = await t.http.post('/v1/auth/refresh').send({ refreshToken: first });
    expect(reuse.status).toBe(401);
    expect(reuse.body.code).toBe('refresh_token_reused');

    // The whole family is revoked: the newer token no longer works either.
    const r2 = await t.http.post('/v1/auth/refresh').send({ refreshToken: second });
    expect(r2.status).toBe(401);

    // Another session (from signup) is a different family and still works.
    const other = await t.http
      .post('/v1/auth/refresh')
      .send({ refreshToken: tenant.admin.refreshToken });
    expect(other.status).toBe(200);
  });

  it('refuses a wrong password and an unknown email alike', async () => {
    const tenant = await newTenant(t.http);
    const wrong = await t.http
      .post('/v1/auth/login')
      .send({ email: tenant.admin.email, password: 'wrong-password!' });
    const unknown = await t.http
      .post('/v1/auth/login')
      .send({ email: 'nobody@example.com', password: 'wrong-password!' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body.title).toBe(unknown.body.title);
  });

  it('throttles repeated failed logins for an account with 429 and Retry-After', async () => {
    const tenant = await newTenant(t.http);
    for (let i = 0; i < 5; i++) {
      await t.http
        .post('/v1/auth/login')
        .send({ email: tenant.admin.email, password: 'wrong-password!' })
        .expect(401);
    }
    const blocked = await t.http
      .post('/v1/auth/login')
      .send({ email: tenant.admin.email, password: PASSWORD });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers['retry-after']!)).toBeGreaterThan(0);
  });

  it('refuses a garbage refresh token', async () => {
    const res = await t.http.post('/v1/auth/refresh').send({ refreshToken: 'ldr_nope' });
    expect(res.status).toBe(401);
  });

  it('ends every session when the password changes', async () => {
    const tenant = await newTenant(t.http);
    const agent = await newUser(t.http, tenant, 'agent');
    const changed = await t.http
      .patch('/v1/me')
      .set(agent.auth)
      .send({ password: 'a-brand-new-password', currentPassword: PASSWORD });
    expect(changed.status).toBe(200);
    expect(changed.body.tokens.accessToken).toEqual(expect.any(String));
    expect(
      (await t.http.post('/v1/auth/refresh').send({ refreshToken: agent.refreshToken })).status,
    ).toBe(401);
    // the new tokens work; the old password does not
    expect(
      (await t.http.get('/v1/me').set('Authorization', `Bearer ${changed.body.tokens.accessToken}`))
        .status,
    ).toBe(200);
    expect(
      (await t.http.post('/v1/auth/login').send({ email: agent.email, password: PASSWORD })).status,
    ).toBe(401);
    expect(
      (
        await t.http
          .post('/v1/auth/login')
          .send({ email: agent.email, password: 'a-brand-new-password' })
      ).status,
    ).toBe(200);
  });

  it('needs the current password to set a new one', async () => {
    const tenant = await newTenant(t.http);
    const res = await t.http
      .patch('/v1/me')
      .set(tenant.admin.auth)
      .send({ password: 'a-brand-new-password' });
    expect(res.status).toBe(400);
    const wrong = await t.http
      .patch('/v1/me')
      .set(tenant.admin.auth)
      .send({ password: 'a-brand-new-password', currentPassword: 'not-it-at-all' });
    expect(wrong.status).toBe(401);
  });
});

describe('access tokens', () => {
  it('refuses alg none, a wrong signature, an expired token and an edited claim', async () => {
    const tenant = await newTenant(t.http);
    const claims = claimsOf(tenant.admin.accessToken);
    const now = Math.floor(Date.now() / 1000);
    const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');

    const none = `${enc({ alg: 'none', typ: 'JWT' })}.${enc(claims)}.`;
    const wrongKey = jwt(
      { alg: 'HS256', typ: 'JWT' },
      claims,
      'another-secret-another-secret-another',
    );
    const expired = jwt(
      { alg: 'HS256', typ: 'JWT' },
      { ...claims, iat: now - 7200, exp: now - 3600 },
    );
    const [h, , s] = tenant.admin.accessToken.split('.');
    const edited = `${h}.${enc({ ...claims, role: 'admin', tid: '00000000-0000-7000-8000-000000000000' })}.${s}`;

    for (const token of [none, wrongKey, expired, edited, 'garbage']) {
      const res = await t.http.get('/v1/me').set('Authorization', `Bearer ${token}`);
      expect(res.status).toBe(401);
      expect(res.headers['content-type']!).toMatch(/problem\+json/);
    }
    // a correctly signed token still works (the test is not vacuous)
    const fresh = jwt({ alg: 'HS256', typ: 'JWT' }, { ...claims, iat: now, exp: now + 60 });
    expect((await t.http.get('/v1/me').set('Authorization', `Bearer ${fresh}`)).status).toBe(200);
  });

  it('refuses tokens without exp or iat, and with a sub or tid that is not a UUID', async () => {
    const tenant = await newTenant(t.http);
    const claims = claimsOf(tenant.admin.accessToken);
    const now = Math.floor(Date.now() / 1000);
    const header = { alg: 'HS256', typ: 'JWT' };
    const valid: Record<string, unknown> = { ...claims, iat: now, exp: now + 60 };
    const noExp = { ...valid };
    delete noExp.exp;
    const noIat = { ...valid };
    delete noIat.iat;
    for (const payload of [
      noExp,
      noIat,
      { ...valid, sub: 'abc' },
      { ...valid, tid: 'x' },
      { ...valid, iat: 'yesterday' },
    ]) {
      const res = await t.http.get('/v1/me').set('Authorization', `Bearer ${jwt(header, payload)}`);
      expect(res.status).toBe(401);
      expect(res.headers['content-type']!).toMatch(/^application\/problem\+json/);
      expect(res.body.code).toBe('invalid_token');
    }
    // The same token with every claim right is accepted (the cases above are not vacuous).
    expect(
      (await t.http.get('/v1/me').set('Authorization', `Bearer ${jwt(header, valid)}`)).status,
    ).toBe(200);
  });

  it('refuses a token issued before a password change, even in the same second', async () => {
    const tenant = await newTenant(t.http);
    const agent = await newUser(t.http, tenant, 'agent');
    const changed = await t.http
      .patch('/v1/me')
      .set(agent.auth)
      .send({ password: 'a-brand-new-password', currentPassword: PASSWORD });
    expect(changed.status).toBe(200);
    expect((await t.http.get('/v1/me').set(agent.auth)).status).toBe(401);
    // The old token's claims, stamped with the second of the change itself:
    // a seconds-precision comparison would let it through.
    const now = Math.floor(Date.now() / 1000);
    const sameSecond = jwt(
      { alg: 'HS256', typ: 'JWT' },
      { ...claimsOf(agent.accessToken), iat: now, exp: now + 60 },
    );
    const res = await t.http.get('/v1/me').set('Authorization', `Bearer ${sameSecond}`);
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('invalid_token');
    // The tokens answered by the change work.
    const fresh = await t.http
      .get('/v1/me')
      .set('Authorization', `Bearer ${changed.body.tokens.accessToken as string}`);
    expect(fresh.status).toBe(200);
  });

  it('stops working at once when the user is removed', async () => {
    const tenant = await newTenant(t.http);
    const agent = await newUser(t.http, tenant, 'agent');
    expect((await t.http.get('/v1/me').set(agent.auth)).status).toBe(200);
    await t.http.delete(`/v1/users/${agent.userId}`).set(tenant.admin.auth).expect(204);
    expect((await t.http.get('/v1/me').set(agent.auth)).status).toBe(401);
    expect(
      (await t.http.post('/v1/auth/login').send({ email: agent.email, password: PASSWORD })).status,
    ).toBe(401);
  });

  it('hashes passwords with argon2id, m >= 19 MiB, t = 2, p = 1', async () => {
    const tenant = await newTenant(t.http);
    const rows = await t.dataSource.query<{ password_hash: string }[]>(
      `SELECT password_hash FROM users WHERE id = $1`,
      [tenant.admin.userId],
    );
    // The runtime role sees nothing without a tenant: the row is invisible here.
    expect(rows).toHaveLength(0);
    const hash = await t.dataSource.transaction(async (em) => {
      await em.query(`select set_config('app.tenant_id', $1, true)`, [tenant.id]);
      const r = await em.query<{ password_hash: string }[]>(
        `SELECT password_hash FROM users WHERE id = $1`,
        [tenant.admin.userId],
      );
      return r[0]!.password_hash;
    });
    expect(hash.startsWith('$argon2id$v=19$')).toBe(true);
    const params = Object.fromEntries(
      hash
        .split('$')[3]!
        .split(',')
        .map((kv) => kv.split('=') as [string, string]),
    );
    expect(Number(params.m)).toBeGreaterThanOrEqual(19_456);
    expect(Number(params.t)).toBe(2);
    expect(Number(params.p)).toBe(1);
  });
});
