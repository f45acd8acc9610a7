import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { asTenant, TenantDb, type TenantTx } from '../src/database/tenant-db.service.js';
import { startTestApp, type TestApp } from './support/app.js';
import { newTenant, type TestTenant } from './support/factories.js';

/*
 * Issue 11: the tenant of a transaction never changes implicitly. Crossing to another tenant is
 * only `asTenant`, which scopes the same transaction back to the caller's tenant afterwards,
 * whether the work succeeded or threw.
 */

let t: TestApp;
let db: TenantDb;
let a: TestTenant;
let b: TestTenant;

beforeAll(async () => {
  t = await startTestApp();
  db = t.app.get(TenantDb);
  a = await newTenant(t.http);
  b = await newTenant(t.http, { kind: 'locksmith' });
});
afterAll(async () => {
  await t.close();
});

/** The tenant row-level security scopes the transaction to, and the users it can see. */
async function scope(tx: TenantTx): Promise<{ setting: string; userIds: string[] }> {
  const [row] = await tx.em.query<{ setting: string }[]>(
    `SELECT current_setting('app.tenant_id', true) AS setting`,
  );
  const users = await tx.em.query<{ id: string }[]>(`SELECT id FROM users ORDER BY id`);
  return { setting: row!.setting, userIds: users.map((u) => u.id) };
}

describe('asTenant', () => {
  it('runs the work as the other tenant, then restores the caller’s tenant', async () => {
    const seen = await db.tenantTransaction(a.id, async (tx) => {
      const inside = await asTenant(tx, b.id, async (other) => {
        expect(other.tenantId).toBe(b.id);
        expect(other.em).toBe(tx.em);
        return scope(other);
      });
      return { inside, after: await scope(tx) };
    });
    expect(seen.inside).toEqual({ setting: b.id, userIds: [b.admin.userId] });
    expect(seen.after).toEqual({ setting: a.id, userIds: [a.admin.userId] });
  });

  it('restores the caller’s tenant when the work throws, and passes the error on', async () => {
    const boom = new Error('boom');
    const seen = await db.tenantTransaction(a.id, async (tx) => {
      let inside: Awaited<ReturnType<typeof scope>> | undefined;
      const err = await asTenant(tx, b.id, async (other) => {
        inside = await scope(other);
        throw boom;
      }).catch((e: unknown) => e);
      return { err, inside, after: await scope(tx) };
    });
    expect(seen.err).toBe(boom);
    expect(seen.inside).toEqual({ setting: b.id, userIds: [b.admin.userId] });
    expect(seen.after).toEqual({ setting: a.id, userIds: [a.admin.userId] });
  });

  it('nests: each level restores its own caller', async () => {
    const c = await newTenant(t.http, { kind: 'manufacturer' });
    const settings = await db.tenantTransaction(a.id, async (tx) => {
      const s: string[] = [];
      await asTenant(tx, b.id, async (bTx) => {
        await asTenant(bTx, c.id, async (cTx) => {
          s.push((await scope(cTx)).setting);
        });
        s.push((await scope(bTx)).setting);
      });
      s.push((await scope(tx)).setting);
      return s;
    });
    expect(settings).toEqual([c.id, b.id, a.id]);
  });
});
