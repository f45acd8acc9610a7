import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type pg from 'pg';
import { IDEMPOTENCY_LOCK_SQL } from '../src/common/idempotency/idempotency.service.js';
import { IdempotencyPurgeJob } from '../src/common/idempotency/jobs/idempotency-purge.job.js';
import { startTestApp, type TestApp } from './support/app.js';
import { ownerClient } from './support/database.js';
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
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const userBody = () => ({
  email: `crash-${unique()}@example.com`,
  name: 'Crash',
  role: 'agent',
  password: PASSWORD,
});

async function usersWithEmail(owner: pg.Client, email: string): Promise<number> {
  const { rows } = await owner.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM users WHERE email = $1',
    [email],
  );
  return rows[0]!.n;
}

/** The backend of an app connection that waits on a lock (the in-flight request), once it does. */
async function waitingAppBackend(owner: pg.Client): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const { rows } = await owner.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = 'lockdesk'
          AND wait_event_type = 'Lock'`,
    );
    if (rows[0]) return rows[0].pid;
    await sleep(50);
  }
  throw new Error('the request never reached its blocked statement');
}

describe('Idempotency-Key after a crash', () => {
  it('is free again as soon as the connection holding the claim is gone', async () => {
    const key = `held-${unique()}`;
    const payload = userBody();
    // A claim held the way a request holds it: the key's lock, in an open tenant transaction.
    const holder = await ownerClient(t.databaseUrl);
    const owner = await ownerClient(t.databaseUrl);
    try {
      await holder.query('BEGIN');
      await holder.query('SET LOCAL ROLE lockdesk_app');
      await holder.query(`select set_config('app.tenant_id', $1, true)`, [a.id]);
      const held = await holder.query<{ locked: boolean }>(
        `SELECT ${IDEMPOTENCY_LOCK_SQL} AS locked`,
        [a.id, key],
      );
      expect(held.rows[0]!.locked).toBe(true);
      const holderPid = (await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid'))
        .rows[0]!.pid;
      holder.on('error', () => undefined); // it is about to be killed

      const busy = await t.http
        .post('/v1/users')
        .set(a.admin.auth)
        .set('Idempotency-Key', key)
        .send(payload);
      expect(busy.status).toBe(409);
      expect(busy.body.code).toBe('idempotency_in_progress');
      expect(busy.headers['retry-after']!).toBe('1');
      expect(await usersWithEmail(owner, payload.email)).toBe(0);

      // The process holding it dies: PostgreSQL sees its connection go.
      await owner.query('SELECT pg_terminate_backend($1)', [holderPid]);
      const started = Date.now();
      const post = () =>
        t.http.post('/v1/users').set(a.admin.auth).set('Idempotency-Key', key).send(payload);
      // pg_terminate_backend only signals: the backend exits (and drops its locks) a moment later.
      let retry = await post();
      while (retry.status === 409 && Date.now() - started < 2000) {
        await sleep(50);
        retry = await post();
      }
      expect(retry.status).toBe(201);
      expect(Date.now() - started).toBeLessThan(2000);
      expect(await usersWithEmail(owner, payload.email)).toBe(1);
    } finally {
      await holder.end().catch(() => undefined);
      await owner.end();
    }
  });

  it('answers a live duplicate 409, and a retry succeeds once the first attempt is killed', async () => {
    const key = `inflight-${unique()}`;
    const payload = userBody();
    const owner = await ownerClient(t.databaseUrl);
    const blocker = await ownerClient(t.databaseUrl);
    try {
      // Hold the first attempt inside its effect transaction, after it took the key.
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE');
      const first = t.http
        .post('/v1/users')
        .set(a.admin.auth)
        .set('Idempotency-Key', key)
        .send(payload)
        .then((r) => r);
      const pid = await waitingAppBackend(owner);

      const duplicate = await t.http
        .post('/v1/users')
        .set(a.admin.auth)
        .set('Idempotency-Key', key)
        .send(payload);
      expect(duplicate.status).toBe(409);
      expect(duplicate.body.code).toBe('idempotency_in_progress');

      // Its connection dies mid-request (as with kill -9 of the app, seen from PostgreSQL).
      await owner.query('SELECT pg_terminate_backend($1)', [pid]);
      expect((await first).status).toBe(503);
      await blocker.query('ROLLBACK');

      const started = Date.now();
      const retry = await t.http
        .post('/v1/users')
        .set(a.admin.auth)
        .set('Idempotency-Key', key)
        .send(payload);
      expect(retry.status).toBe(201);
      expect(retry.headers['idempotent-replayed']!).toBeUndefined();
      expect(Date.now() - started).toBeLessThan(2000);
      expect(await usersWithEmail(owner, payload.email)).toBe(1);

      const replay = await t.http
        .post('/v1/users')
        .set(a.admin.auth)
        .set('Idempotency-Key', key)
        .send(payload);
      expect(replay.status).toBe(201);
      expect(replay.headers['idempotent-replayed']!).toBe('true');
      expect(replay.body).toEqual(retry.body);
    } finally {
      await blocker.query('ROLLBACK').catch(() => undefined);
      await blocker.end();
      await owner.end();
    }
  });

  it('keeps no row for an attempt that did not complete', async () => {
    const key = `none-${unique()}`;
    const res = await t.http
      .post('/v1/users')
      .set(a.admin.auth)
      .set('Idempotency-Key', key)
      .send({ ...userBody(), email: a.admin.email });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('email_taken');
    const owner = await ownerClient(t.databaseUrl);
    try {
      const { rowCount } = await owner.query('SELECT 1 FROM idempotency_keys WHERE key = $1', [
        key,
      ]);
      expect(rowCount).toBe(0);
    } finally {
      await owner.end();
    }
  });
});

describe('expired Idempotency-Keys', () => {
  it('are purged for every tenant by the periodic job, fresh ones kept', async () => {
    const owner = await ownerClient(t.databaseUrl);
    try {
      const keys = { oldA: `old-${unique()}`, oldB: `old-${unique()}`, fresh: `fresh-${unique()}` };
      for (const [tenant, key, age] of [
        [a.id, keys.oldA, '-1 hour'],
        [b.id, keys.oldB, '-1 minute'],
        [a.id, keys.fresh, '+1 hour'],
      ]) {
        await owner.query(
          `INSERT INTO idempotency_keys (tenant_id, key, request_hash, method, path, state, response_status, response_body, expires_at)
           VALUES ($1, $2, 'h', 'POST', '/v1/users', 'completed', 201, '{}', now() + $3::interval)`,
          [tenant, key, age],
        );
      }
      const purged = await t.app.get(IdempotencyPurgeJob).purgeExpired();
      expect(purged).toBeGreaterThanOrEqual(2);
      const { rows } = await owner.query<{ key: string }>(
        'SELECT key FROM idempotency_keys WHERE key = ANY($1::text[])',
        [Object.values(keys)],
      );
      expect(rows.map((r) => r.key)).toEqual([keys.fresh]);
    } finally {
      await owner.end();
    }
  });

  it('no longer replay: the key can be used again', async () => {
    const key = `expired-${unique()}`;
    const payload = userBody();
    const first = await t.http
      .post('/v1/users')
      .set(a.admin.auth)
      .set('Idempotency-Key', key)
      .send(payload);
    expect(first.status).toBe(201);
    const owner = await ownerClient(t.databaseUrl);
    try {
      await owner.query(
        `UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = $1`,
        [key],
      );
    } finally {
      await owner.end();
    }
    const other = userBody();
    const again = await t.http
      .post('/v1/users')
      .set(a.admin.auth)
      .set('Idempotency-Key', key)
      .send(other);
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']!).toBeUndefined();
    expect(again.body.email).toBe(other.email);
  });
});
