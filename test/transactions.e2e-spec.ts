import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AppError } from '../src/common/errors.js';
import { renderProblem } from '../src/common/problem.js';
import { TenantDb, TRANSACTION_ATTEMPTS } from '../src/database/tenant-db.service.js';
import { startTestApp, type TestApp } from './support/app.js';
import { newTenant, newUser, type TestTenant } from './support/factories.js';

/*
 * RELIABILITY 42: deadlocks and serialization failures are retried inside
 * the transaction helper and never surface as a 500.
 */

let t: TestApp;
let db: TenantDb;
let a: TestTenant;

beforeAll(async () => {
  t = await startTestApp();
  db = t.app.get(TenantDb);
  a = await newTenant(t.http);
});
afterAll(async () => {
  await t.close();
});

function barrier(parties: number): () => Promise<void> {
  let waiting = 0;
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return () => {
    if (++waiting === parties) open();
    return opened;
  };
}

describe('the transaction helper', () => {
  it('retries the victim of a real deadlock, so both transactions complete', async () => {
    const second = await newUser(t.http, a, 'agent');
    const rows = [a.admin.userId, second.userId];
    const bothLockedOne = barrier(2);
    let attempts = 0;
    const lockInOrder = (first: string, then: string) =>
      db.tenantTransaction(a.id, async ({ em }) => {
        attempts++;
        const firstTry = attempts <= 2;
        await em.query(`SELECT 1 FROM users WHERE id = $1 FOR UPDATE`, [first]);
        // Only the first round waits for the other: that is what makes the deadlock certain.
        if (firstTry) await bothLockedOne();
        await em.query(`SELECT 1 FROM users WHERE id = $1 FOR UPDATE`, [then]);
        return first;
      });
    const results = await Promise.allSettled([
      lockInOrder(rows[0]!, rows[1]!),
      lockInOrder(rows[1]!, rows[0]!),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
    // Two first tries, one of them aborted by PostgreSQL's deadlock detector and run again.
    expect(attempts).toBe(3);
  });

  it(`gives up after ${TRANSACTION_ATTEMPTS} serialization failures with a 503 and Retry-After`, async () => {
    let attempts = 0;
    const err = await db
      .tenantTransaction(a.id, async ({ em }) => {
        attempts++;
        await em.query(
          `DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = 'serialization_failure'; END $$`,
        );
      })
      .catch((e: unknown) => e);
    expect(attempts).toBe(TRANSACTION_ATTEMPTS);
    expect(err).toBeInstanceOf(AppError);
    const problem = renderProblem(err);
    expect(problem.status).toBe(503);
    expect(problem.headers['retry-after']!).toMatch(/^\d+$/);
    expect(problem.internal).toBe(false);
  });

  it('does not retry other errors', async () => {
    let attempts = 0;
    await expect(
      db.tenantTransaction(a.id, async ({ em }) => {
        attempts++;
        await em.query(
          `DO $$ BEGIN RAISE EXCEPTION 'dup' USING ERRCODE = 'unique_violation'; END $$`,
        );
      }),
    ).rejects.toThrow();
    expect(attempts).toBe(1);
  });
});

describe('two admins demoting each other at once', () => {
  it('never answer 5xx: one wins, the other is refused, one admin is left', async () => {
    for (let round = 0; round < 3; round++) {
      const tenant = await newTenant(t.http);
      const other = await newUser(t.http, tenant, 'admin');
      const answers = await Promise.all([
        t.http.patch(`/v1/users/${other.userId}`).set(tenant.admin.auth).send({ role: 'agent' }),
        t.http.patch(`/v1/users/${tenant.admin.userId}`).set(other.auth).send({ role: 'agent' }),
      ]);
      const statuses = answers.map((r) => r.status);
      expect(statuses.filter((s) => s === 200)).toHaveLength(1);
      // The loser is refused: the last admin stays (409), or it is no admin any more (403).
      const loser = answers.find((r) => r.status !== 200)!;
      expect([409, 403]).toContain(loser.status);
      expect(loser.headers['content-type']!).toMatch(/problem\+json/);
      const admins = await t.http
        .get('/v1/users')
        .query({ role: 'admin' })
        .set(answers[0].status === 200 ? tenant.admin.auth : other.auth);
      expect(admins.body.data).toHaveLength(1);
    }
  });
});
