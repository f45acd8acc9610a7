/**
 * Retention of the outbox and of webhook deliveries: the outbox purge deletes what is old and
 * finished, in batches, tenant by tenant, and nothing else.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { purgePublished } from '../src/common/outbox/outbox.repository.js';
import { TenantDb } from '../src/database/tenant-db.service.js';
import { OutboxPurgeJob, PURGE_BATCH } from '../src/escalation/jobs/outbox-purge.job.js';
import { startTestApp, type TestApp } from './support/app.js';
import { ownerClient } from './support/database.js';
import { newFleet, newTenant, type TestFleet, type TestTenant } from './support/factories.js';

let t: TestApp;
let owner: pg.Client;
let a: TestTenant;
let b: TestTenant;
let fleetA: TestFleet;

/** Inserts `n` outbox messages for `tenant`, created `createdDaysAgo` and published `publishedDaysAgo` (null: never). */
async function messages(
  tenant: TestTenant,
  n: number,
  createdDaysAgo: number,
  publishedDaysAgo: number | null,
  topic: string,
): Promise<void> {
  await owner.query(
    `INSERT INTO outbox (tenant_id, topic, aggregate_id, payload, created_at, published_at)
     SELECT $1, $2, gen_random_uuid(), '{}', now() - make_interval(days => $3),
            CASE WHEN $4::int IS NULL THEN NULL ELSE now() - make_interval(days => $4::int) END
       FROM generate_series(1, $5)`,
    [tenant.id, topic, createdDaysAgo, publishedDaysAgo, n],
  );
}

async function topics(tenant: TestTenant): Promise<Record<string, number>> {
  const { rows } = await owner.query<{ topic: string; n: number }>(
    `SELECT topic, count(*)::int AS n FROM outbox WHERE tenant_id = $1 AND topic LIKE 'test.%' GROUP BY topic`,
    [tenant.id],
  );
  return Object.fromEntries(rows.map((r) => [r.topic, r.n]));
}

beforeAll(async () => {
  t = await startTestApp({ webhooksAllowPrivate: true, outboxRetentionDays: 7 });
  owner = await ownerClient(t.databaseUrl);
  a = await newTenant(t.http);
  b = await newTenant(t.http);
  fleetA = await newFleet(t.http, a, 1);
});

afterAll(async () => {
  await owner?.end();
  await t?.close();
});

describe('outbox purge', () => {
  it('deletes published messages older than the retention, in batches, in every tenant; keeps the rest', async () => {
    // A real message from a ticket: unpublished, so it stays whatever its age.
    await t.http
      .post('/v1/tickets')
      .set(a.admin.auth)
      .send({ deviceId: fleetA.devices[0]!.id, description: 'Keypad dead' })
      .expect(201);
    await owner.query(
      `UPDATE outbox SET created_at = now() - interval '30 days' WHERE tenant_id = $1 AND topic = 'ticket.created'`,
      [a.id],
    );
    // More old published messages than one batch, in A; a few in B.
    await messages(a, PURGE_BATCH * 2 + 17, 20, 8, 'test.old');
    await messages(a, 5, 6, 6, 'test.recent');
    await messages(a, 4, 40, null, 'test.unpublished');
    await messages(b, 3, 9, 8, 'test.old');
    await messages(b, 2, 1, 1, 'test.recent');

    const report = await t.app.get(OutboxPurgeJob).purge();
    expect(report.outbox).toBe(PURGE_BATCH * 2 + 17 + 3);

    expect(await topics(a)).toEqual({ 'test.recent': 5, 'test.unpublished': 4 });
    expect(await topics(b)).toEqual({ 'test.recent': 2 });
    const { rows } = await owner.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM outbox WHERE tenant_id = $1 AND topic = 'ticket.created' AND published_at IS NULL`,
      [a.id],
    );
    expect(rows[0]!.n).toBe(1);

    // Nothing left to do: a second round deletes nothing, and no tenant is due.
    expect(await t.app.get(OutboxPurgeJob).purge()).toEqual({ outbox: 0, deliveries: 0 });
  });

  it('a tenant’s purge cannot reach another tenant’s messages (row-level security)', async () => {
    await messages(b, 6, 30, 30, 'test.other');
    const n = await t.app
      .get(TenantDb)
      .tenantTransaction(a.id, (tx) => purgePublished(tx, new Date(), 1000));
    expect(n).toBe(5); // A's own 'test.recent' (published 6 days ago, before now)
    expect(await topics(b)).toEqual({ 'test.recent': 2, 'test.other': 6 });
    await owner.query(`DELETE FROM outbox WHERE topic LIKE 'test.%'`);
  });

  it('deletes finished deliveries older than their retention, keeps pending and replayed ones', async () => {
    const hook = await t.http
      .post('/v1/webhooks')
      .set(a.admin.auth)
      .send({ url: 'http://127.0.0.1:9/hook', events: ['*'] })
      .expect(201);
    const webhookId = hook.body.id as string;
    const rows: [string, string, number, number][] = [
      // label, status, created days ago, next attempt days ago
      ['old-delivered', 'delivered', 40, 40],
      ['old-dead', 'dead', 31, 31],
      ['old-cancelled', 'cancelled', 35, 35],
      ['old-pending', 'pending', 45, 0],
      ['old-replayed', 'delivered', 45, 1],
      ['recent-delivered', 'delivered', 29, 29],
    ];
    const ids: Record<string, string> = {};
    for (const [i, [label, status, created, next]] of rows.entries()) {
      ids[label] = randomUUID();
      await owner.query(
        `INSERT INTO webhook_deliveries (tenant_id, id, webhook_id, outbox_id, event_type, body, status,
                                         created_at, next_attempt_at)
         VALUES ($1, $2, $3, $4, 'ticket.created', '{}', $5, now() - make_interval(days => $6),
                 now() - make_interval(days => $7))`,
        [a.id, ids[label], webhookId, 1_000_000 + i, status, created, next],
      );
    }
    const report = await t.app.get(OutboxPurgeJob).purge();
    expect(report.deliveries).toBe(3);
    const page = await t.http
      .get(`/v1/webhooks/${webhookId}/deliveries`)
      .set(a.admin.auth)
      .expect(200);
    const left = (page.body.data as { id: string }[]).map((d) => d.id).sort();
    expect(left).toEqual([ids['old-pending'], ids['old-replayed'], ids['recent-delivered']].sort());
  });
});
