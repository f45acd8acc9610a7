import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestApp, type TestApp } from './support/app.js';
import {
  newApiKey,
  newTenant,
  newUser,
  PASSWORD,
  type Session,
  type TestTenant,
} from './support/factories.js';

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

describe('users (admin)', () => {
  it('creates, lists with pagination, reads, updates and removes people', async () => {
    const tenant = await newTenant(t.http);
    const created: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await t.http
        .post('/v1/users')
        .set(tenant.admin.auth)
        .send({
          email: `p${i}-${tenant.id.slice(-12)}@example.com`,
          name: `P ${i}`,
          role: i % 2 ? 'agent' : 'manager',
          password: PASSWORD,
        });
      expect(res.status).toBe(201);
      expect(res.body.passwordHash).toBeUndefined();
      created.push(res.body.id as string);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await t.http
        .get('/v1/users')
        .query({ limit: 2, ...(cursor ? { cursor } : {}) })
        .set(tenant.admin.auth);
      expect(page.status).toBe(200);
      expect(page.body.data.length).toBeLessThanOrEqual(2);
      seen.push(...(page.body.data as { id: string }[]).map((u) => u.id));
      cursor = page.body.nextCursor as string | null;
    } while (cursor);
    expect(seen).toEqual([tenant.admin.userId, ...created]);

    const agents = await t.http.get('/v1/users').query({ role: 'agent' }).set(tenant.admin.auth);
    expect((agents.body.data as { role: string }[]).every((u) => u.role === 'agent')).toBe(true);
    expect(agents.body.data).toHaveLength(2);

    const one = await t.http.get(`/v1/users/${created[0]!}`).set(tenant.admin.auth);
    expect(one.status).toBe(200);
    const patched = await t.http
      .patch(`/v1/users/${created[0]!}`)
      .set(tenant.admin.auth)
      .send({ name: 'Renamed', away: true });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ name: 'Renamed', away: true, role: 'manager' });

    await t.http.delete(`/v1/users/${created[0]!}`).set(tenant.admin.auth).expect(204);
    expect((await t.http.get(`/v1/users/${created[0]!}`).set(tenant.admin.auth)).status).toBe(404);
    expect((await t.http.delete(`/v1/users/${created[0]!}`).set(tenant.admin.auth)).status).toBe(
      404,
    );
  });

  it('refuses roles that do not exist in the tenant’s kind', async () => {
    const res = await t.http
      .post('/v1/users')
      .set(a.admin.auth)
      .send({ email: 'lock@example.com', name: 'L', role: 'locksmith', password: PASSWORD });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('role_not_allowed');
    const partner = await newTenant(t.http, { kind: 'locksmith' });
    const ok = await t.http
      .post('/v1/users')
      .set(partner.admin.auth)
      .send({
        email: `smith-${partner.id.slice(-12)}@example.com`,
        name: 'L',
        role: 'locksmith',
        password: PASSWORD,
      });
    expect(ok.status).toBe(201);
    const agent = await t.http
      .post('/v1/users')
      .set(partner.admin.auth)
      .send({
        email: `agent-${partner.id.slice(-12)}@example.com`,
        name: 'A',
        role: 'agent',
        password: PASSWORD,
      });
    expect(agent.status).toBe(400);
  });

  it('keeps at least one admin', async () => {
    const tenant = await newTenant(t.http);
    const demote = await t.http
      .patch(`/v1/users/${tenant.admin.userId}`)
      .set(tenant.admin.auth)
      .send({ role: 'agent' });
    expect(demote.status).toBe(409);
    expect(demote.body.code).toBe('last_admin');
    const remove = await t.http.delete(`/v1/users/${tenant.admin.userId}`).set(tenant.admin.auth);
    expect(remove.status).toBe(409);
    const second = await newUser(t.http, tenant, 'admin');
    expect(
      (
        await t.http
          .patch(`/v1/users/${tenant.admin.userId}`)
          .set(second.auth)
          .send({ role: 'agent' })
      ).status,
    ).toBe(200);
  });

  it('refuses a taken email and forbidden fields with nothing written', async () => {
    const taken = await t.http
      .post('/v1/users')
      .set(a.admin.auth)
      .send({ email: b.admin.email, name: 'X', role: 'agent', password: PASSWORD });
    expect(taken.status).toBe(409);
    const forbidden = await t.http.post('/v1/users').set(a.admin.auth).send({
      email: 'sneaky@example.com',
      name: 'X',
      role: 'agent',
      password: PASSWORD,
      tenantId: b.id,
      createdBy: 'x',
    });
    expect(forbidden.status).toBe(400);
    expect((forbidden.body.errors as { field: string }[]).map((e) => e.field).sort()).toEqual([
      'createdBy',
      'tenantId',
    ]);
    expect(
      (
        await t.http
          .post('/v1/auth/login')
          .send({ email: 'sneaky@example.com', password: PASSWORD })
      ).status,
    ).toBe(401);
  });

  it('a person cannot change their own role through /me', async () => {
    const agent = await newUser(t.http, a, 'agent');
    const res = await t.http.patch('/v1/me').set(agent.auth).send({ role: 'admin' });
    expect(res.status).toBe(400);
    expect((await t.http.get('/v1/me').set(agent.auth)).body.user.role).toBe('agent');
  });
});

describe('role matrix', () => {
  let people: Record<'admin' | 'manager' | 'agent', Session>;
  let partnerStaff: Session;
  beforeAll(async () => {
    people = {
      admin: a.admin,
      manager: await newUser(t.http, a, 'manager'),
      agent: await newUser(t.http, a, 'agent'),
    };
    const partner = await newTenant(t.http, { kind: 'locksmith' });
    partnerStaff = await newUser(t.http, partner, 'locksmith');
  });

  const adminOnly: [string, string][] = [
    ['post', '/v1/users'],
    ['get', '/v1/users'],
    ['get', '/v1/users/00000000-0000-7000-8000-000000000000'],
    ['patch', '/v1/users/00000000-0000-7000-8000-000000000000'],
    ['delete', '/v1/users/00000000-0000-7000-8000-000000000000'],
    ['post', '/v1/api-keys'],
    ['get', '/v1/api-keys'],
    ['delete', '/v1/api-keys/00000000-0000-7000-8000-000000000000'],
  ];

  it.each(adminOnly)(
    '%s %s is 403 for managers, agents and partner staff',
    async (method, path) => {
      for (const who of [people.manager, people.agent, partnerStaff]) {
        const res = await (
          t.http as unknown as Record<string, (p: string) => ReturnType<TestApp['http']['get']>>
        )[method]!(path)
          .set(who.auth)
          .send({});
        expect(res.status).toBe(403);
        expect(res.body.code).toBe('forbidden');
      }
    },
  );

  it('everyone signed in may read and edit /me', async () => {
    for (const who of [...Object.values(people), partnerStaff]) {
      expect((await t.http.get('/v1/me').set(who.auth)).status).toBe(200);
      expect((await t.http.patch('/v1/me').set(who.auth).send({ name: 'New Name' })).status).toBe(
        200,
      );
    }
  });
});

describe('API keys', () => {
  it('shows the key once, stores only a hash, authenticates X-Api-Key and revokes at once', async () => {
    const created = await t.http
      .post('/v1/api-keys')
      .set(a.admin.auth)
      .send({ name: 'Yale bridge' });
    expect(created.status).toBe(201);
    const key = created.body.key as string;
    expect(key).toMatch(/^ldk_/);

    const list = await t.http.get('/v1/api-keys').set(a.admin.auth);
    expect(list.status).toBe(200);
    expect(JSON.stringify(list.body)).not.toContain(key);
    expect(list.body.data).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: created.body.id, name: 'Yale bridge' }),
      ]),
    );

    const stored = await t.dataSource.transaction(async (em) => {
      await em.query(`select set_config('app.tenant_id', $1, true)`, [a.id]);
      return em.query<{ key_hash: string }[]>(`SELECT key_hash FROM api_keys WHERE id = $1`, [
        created.body.id,
      ]);
    });
    expect(stored).toHaveLength(1);
    expect(stored[0]!.key_hash).not.toContain(key.slice(4));

    const me = await t.http.get('/v1/me').set('X-Api-Key', key);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ tenant: { id: a.id }, apiKey: { id: created.body.id } });

    // A machine key does not open people's routes.
    expect((await t.http.get('/v1/users').set('X-Api-Key', key)).status).toBe(403);

    await t.http.delete(`/v1/api-keys/${created.body.id}`).set(a.admin.auth).expect(204);
    expect((await t.http.get('/v1/me').set('X-Api-Key', key)).status).toBe(401);
    expect((await t.http.get('/v1/me').set('X-Api-Key', 'ldk_made-up')).status).toBe(401);
  });
});

describe('another tenant', () => {
  it('gets 404 on every user and API key of the first, and changes nothing', async () => {
    const victim = await newUser(t.http, a, 'agent');
    const key = await newApiKey(t.http, a);
    const missing = '00000000-0000-7000-8000-000000000000';

    for (const [method, path, body] of [
      ['get', `/v1/users/${victim.userId}`, undefined],
      ['patch', `/v1/users/${victim.userId}`, { name: 'hijacked' }],
      ['delete', `/v1/users/${victim.userId}`, undefined],
      ['delete', `/v1/api-keys/${key.id}`, undefined],
    ] as const) {
      const foreign = await t.http[method](path)
        .set(b.admin.auth)
        .send(body ?? {});
      const absent = await t.http[method](path.replace(/[0-9a-f-]{36}$/, missing))
        .set(b.admin.auth)
        .send(body ?? {});
      expect(foreign.status).toBe(404);
      expect({ ...foreign.body, requestId: undefined }).toEqual({
        ...absent.body,
        requestId: undefined,
      });
    }
    const stillThere = await t.http.get(`/v1/users/${victim.userId}`).set(a.admin.auth);
    expect(stillThere.body.name).toBe('A agent');
    expect((await t.http.get('/v1/me').set('X-Api-Key', key.key)).status).toBe(200);
  });

  it('lists only its own people, even when asked for another tenant', async () => {
    const res = await t.http.get('/v1/users').query({ tenantId: a.id }).set(b.admin.auth);
    expect(res.status).toBe(400);
    const own = await t.http.get('/v1/users').query({ limit: 200 }).set(b.admin.auth);
    expect((own.body.data as { tenantId: string }[]).every((u) => u.tenantId === b.id)).toBe(true);
    const keys = await t.http.get('/v1/api-keys').set(b.admin.auth);
    expect(keys.body.data).toEqual([]);
  });
});
