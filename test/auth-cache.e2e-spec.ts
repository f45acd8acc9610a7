import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import pg from 'pg';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { AuthCache } from '../src/auth/auth-cache.js';
import { ApiKeyUsage } from '../src/auth/api-key-usage.js';
import { createApp } from '../src/app.factory.js';
import { createLogger } from '../src/common/logger.js';
import { NotifyListener } from '../src/database/notify-listener.js';
import { startTestApp, testConfig, type TestApp } from './support/app.js';
import { newApiKey, newTenant, newUser, type TestTenant } from './support/factories.js';

/**
 * Authentication answered from memory (AuthCache) stays exactly as strict as the database:
 * a revoked key or a removed person is refused on this instance's very next request, on another
 * instance as soon as the NOTIFY arrives, and never from a cache whose LISTEN feed was lost.
 */
let t: TestApp;
let b: NestFastifyApplication;
let httpB: TestAgent;
let owner: pg.Client;
let a: TestTenant;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls until `ok` (a notification arrives asynchronously). Gives up after 5 s, well inside the
 * cache's 15 s TTL: what this waits for must come from the notification, not from expiry.
 */
async function eventually(what: string, ok: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + Math.min(5_000, AuthCache.TTL_MS / 3);
  while (Date.now() < deadline) {
    if (await ok()) return;
    await sleep(20);
  }
  throw new Error(`not within 5 s: ${what}`);
}

async function live(app: NestFastifyApplication): Promise<void> {
  await eventually('the LISTEN connection is up', () => app.get(NotifyListener).live);
}

const me = (http: TestAgent, key: string) => http.get('/v1/me').set('X-Api-Key', key);

beforeAll(async () => {
  t = await startTestApp();
  b = await createApp(testConfig(t.databaseUrl), createLogger('silent'));
  httpB = request(b.getHttpServer());
  owner = new pg.Client({ connectionString: t.databaseUrl });
  await owner.connect();
  a = await newTenant(t.http);
  await live(t.app);
  await live(b);
});

afterAll(async () => {
  await owner?.end();
  await b?.close();
  await t?.close();
});

describe('API keys from memory', () => {
  it('answers a key seen before without the database, and refuses it on the next request after its revocation here', async () => {
    const cache = t.app.get(AuthCache);
    const key = await newApiKey(t.http, a);
    expect((await me(t.http, key.key)).status).toBe(200);
    const before = { ...cache.stats };
    for (let i = 0; i < 3; i++) expect((await me(t.http, key.key)).status).toBe(200);
    expect(cache.stats.hits - before.hits).toBe(3);
    expect(cache.stats.misses).toBe(before.misses);

    await t.http.delete(`/v1/api-keys/${key.id}`).set(a.admin.auth).expect(204);
    expect((await me(t.http, key.key)).status).toBe(401);
  });

  it('a key revoked through instance A is refused by instance B, which had it cached', async () => {
    const cacheB = b.get(AuthCache);
    const key = await newApiKey(t.http, a);
    expect((await me(httpB, key.key)).status).toBe(200);
    const hits = cacheB.stats.hits;
    expect((await me(httpB, key.key)).status).toBe(200);
    expect(cacheB.stats.hits).toBe(hits + 1); // B answers it from memory

    await t.http.delete(`/v1/api-keys/${key.id}`).set(a.admin.auth).expect(204);
    await eventually(
      'B refuses the revoked key',
      async () => (await me(httpB, key.key)).status === 401,
    );
    // And it stays refused (nothing put the key back).
    expect((await me(httpB, key.key)).status).toBe(401);
  });

  it('records a key’s last use off the request path, at most once a minute', async () => {
    const key = await newApiKey(t.http, a);
    for (let i = 0; i < 3; i++) expect((await me(t.http, key.key)).status).toBe(200);
    await t.app.get(ApiKeyUsage).flush();
    const list = await t.http.get('/v1/api-keys').set(a.admin.auth).expect(200);
    const shown = (list.body.data as { id: string; lastUsedAt: string | null }[]).find(
      (k) => k.id === key.id,
    );
    expect(shown?.lastUsedAt).toEqual(expect.any(String));
    expect(Date.now() - Date.parse(shown!.lastUsedAt!)).toBeLessThan(60_000);
  });
});

describe('people from memory', () => {
  it('a person removed or demoted through A loses access on B, which had them cached', async () => {
    const agent = await newUser(t.http, a, 'agent');
    const manager = await newUser(t.http, a, 'admin');
    for (const s of [agent, manager]) {
      expect((await httpB.get('/v1/me').set(s.auth)).status).toBe(200);
      expect((await httpB.get('/v1/me').set(s.auth)).status).toBe(200);
    }
    // An admin may list users; an agent may not.
    expect((await httpB.get('/v1/users').set(manager.auth)).status).toBe(200);

    await t.http.delete(`/v1/users/${agent.userId}`).set(a.admin.auth).expect(204);
    await t.http
      .patch(`/v1/users/${manager.userId}`)
      .set(a.admin.auth)
      .send({ role: 'agent' })
      .expect(200);
    // On A at once,
    expect((await t.http.get('/v1/me').set(agent.auth)).status).toBe(401);
    expect((await t.http.get('/v1/users').set(manager.auth)).status).toBe(403);
    // on B as soon as the notifications arrive.
    await eventually(
      'B refuses the removed person',
      async () => (await httpB.get('/v1/me').set(agent.auth)).status === 401,
    );
    await eventually(
      'B sees the new role',
      async () => (await httpB.get('/v1/users').set(manager.auth)).status === 403,
    );
  });

  it('a change of name does not flush the cache (only what authentication reads notifies)', async () => {
    const cacheB = b.get(AuthCache);
    const agent = await newUser(t.http, a, 'agent');
    expect((await httpB.get('/v1/me').set(agent.auth)).status).toBe(200);
    await t.http
      .patch(`/v1/users/${agent.userId}`)
      .set(a.admin.auth)
      .send({ name: 'Renamed' })
      .expect(200);
    // A role change after the rename: once B has heard of it, it has heard of the rename too.
    const other = await newUser(t.http, a, 'admin');
    expect((await httpB.get('/v1/me').set(other.auth)).status).toBe(200);
    await t.http
      .patch(`/v1/users/${other.userId}`)
      .set(a.admin.auth)
      .send({ role: 'agent' })
      .expect(200);
    await eventually(
      'B sees the role change',
      async () => (await httpB.get('/v1/users').set(other.auth)).status === 403,
    );
    const hits = cacheB.stats.hits;
    expect((await httpB.get('/v1/me').set(agent.auth)).status).toBe(200);
    expect(cacheB.stats.hits).toBe(hits + 1);
  });
});

describe('a lost LISTEN connection', () => {
  it('empties the cache: a change whose notification was missed is not served from memory', async () => {
    const listener = t.app.get(NotifyListener);
    const cache = t.app.get(AuthCache);
    const key = await newApiKey(t.http, a);
    expect((await me(t.http, key.key)).status).toBe(200);
    const hits = cache.stats.hits;
    expect((await me(t.http, key.key)).status).toBe(200);
    expect(cache.stats.hits).toBe(hits + 1);

    // A notification that never arrives: triggers off for this one change.
    await owner.query('BEGIN');
    await owner.query(`SET LOCAL session_replication_role = replica`);
    await owner.query(`UPDATE api_keys SET revoked_at = now() WHERE id = $1`, [key.id]);
    await owner.query('COMMIT');
    // Still cached, still (wrongly) accepted: this is what the TTL alone would allow.
    expect((await me(t.http, key.key)).status).toBe(200);

    // The feed breaks (every instance's LISTEN connection on this database) and comes back.
    const connections = listener.connections;
    await owner.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = 'lockdesk-listener'`,
    );
    await eventually('A listens again', () => listener.connections > connections);
    expect((await me(t.http, key.key)).status).toBe(401);
    await live(b);
  });

  it('while the feed is down, every request asks the database and nothing is cached', async () => {
    const cacheB = b.get(AuthCache);
    const key = await newApiKey(t.http, a);
    expect((await me(httpB, key.key)).status).toBe(200);
    await b.get(NotifyListener).onApplicationShutdown(); // B stops listening for good
    expect(b.get(NotifyListener).live).toBe(false);
    const before = { ...cacheB.stats };
    for (let i = 0; i < 3; i++) expect((await me(httpB, key.key)).status).toBe(200);
    expect(cacheB.stats.hits).toBe(before.hits);
    expect(cacheB.stats.misses - before.misses).toBe(3);
    expect(cacheB.size).toBe(0);

    // A revocation B cannot hear of counts on B's next request.
    await owner.query('BEGIN');
    await owner.query(`SET LOCAL session_replication_role = replica`);
    await owner.query(`UPDATE api_keys SET revoked_at = now() WHERE id = $1`, [key.id]);
    await owner.query('COMMIT');
    expect((await me(httpB, key.key)).status).toBe(401);
  });
});
