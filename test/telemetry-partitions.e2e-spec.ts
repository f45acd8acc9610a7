/**
 * telemetry_events is partitioned by month of `at` (migrations/1764002500000-TelemetryPartitions):
 * everything that reads telemetry works across partition boundaries, inserts never fail (a
 * DEFAULT partition catches a month with no partition yet), the upkeep job creates the months
 * ahead, moves rows out of the DEFAULT partition, drops the months past the retention, and does
 * it once when two instances run it at the same time. The runtime role reaches the rows only
 * through the parent, under its row-level-security policy.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type pg from 'pg';
import { createApp } from '../src/app.factory.js';
import { createLogger } from '../src/common/logger.js';
import { TelemetryPartitionsJob } from '../src/devices/jobs/telemetry-partitions.job.js';
import { TicketJobsService } from '../src/tickets/ticket-jobs.service.js';
import { startTestApp, testConfig, type TestApp } from './support/app.js';
import { ownerClient } from './support/database.js';
import { newApiKey, newFleet, newTenant, type TestTenant } from './support/factories.js';

const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
const DAY = 24 * 60;

/** The name of the month partition for `sqlTime` (the owner's session is in UTC). */
async function monthPartition(owner: pg.Client, sqlTime: string): Promise<string> {
  const { rows } = await owner.query<{ name: string }>(
    `SELECT 'telemetry_events_p' || to_char(date_trunc('month', ${sqlTime}), 'YYYYMM') AS name`,
  );
  return rows[0]!.name;
}

/** Which partition holds each of a device's events, by event key. */
async function whereStored(
  owner: pg.Client,
  deviceId: string,
): Promise<Map<string, { partition: string; type: string }>> {
  const { rows } = await owner.query<{ key: string; partition: string; type: string }>(
    `SELECT event_key AS key, tableoid::regclass::text AS partition, type
       FROM telemetry_events WHERE device_id = $1`,
    [deviceId],
  );
  return new Map(rows.map((r) => [r.key, { partition: r.partition, type: r.type }]));
}

async function partitions(owner: pg.Client): Promise<string[]> {
  const { rows } = await owner.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = 'telemetry_events'::regclass ORDER BY 1`,
  );
  return rows.map((r) => r.name);
}

describe('reads across partition boundaries', () => {
  let t: TestApp;
  let owner: pg.Client;
  let tenant: TestTenant;
  beforeAll(async () => {
    t = await startTestApp();
    owner = await ownerClient(t.databaseUrl);
    await owner.query(`SET TimeZone = 'UTC'`);
    // A boundary 30 minutes ago: this month's partition (still empty) is split in two there, so
    // the 1-hour and 24-hour windows read two partitions, and the 90 days of the forecast more.
    const month = await monthPartition(owner, `now() - interval '30 minutes'`);
    await owner.query(`DROP TABLE ${month}`);
    await owner.query(`
      DO $$
      DECLARE b timestamptz := now() - interval '30 minutes';
              m timestamptz := date_trunc('month', b, 'UTC');
      BEGIN
        EXECUTE format('CREATE TABLE telemetry_events_split PARTITION OF telemetry_events FOR VALUES FROM (%L) TO (%L)', m, b);
        EXECUTE format('CREATE TABLE ${month} PARTITION OF telemetry_events FOR VALUES FROM (%L) TO (%L)', b, m + interval '1 month');
      END $$`);
    tenant = await newTenant(t.http);
  });
  afterAll(async () => {
    await owner?.end();
    await t?.close();
  });

  it('health, the forecast, fleet health and proactive tickets count events on both sides', async () => {
    const key = await newApiKey(t.http, tenant);
    const fleet = await newFleet(t.http, tenant, 1);
    const lock = fleet.devices[0]!;
    const events = [
      {
        serial: lock.serial,
        type: 'battery',
        batteryPercent: 80,
        at: ago(40 * DAY),
        eventId: 'b40',
      },
      {
        serial: lock.serial,
        type: 'battery',
        batteryPercent: 60,
        at: ago(20 * DAY),
        eventId: 'b20',
      },
      { serial: lock.serial, type: 'battery', batteryPercent: 42, at: ago(DAY), eventId: 'b1' },
      { serial: lock.serial, type: 'battery', batteryPercent: 41, at: ago(12), eventId: 'b0' },
      { serial: lock.serial, type: 'jam', at: ago(10), eventId: 'j10' },
      { serial: lock.serial, type: 'jam', at: ago(40), eventId: 'j40' },
      { serial: lock.serial, type: 'jam', at: ago(50), eventId: 'j50' },
      { serial: lock.serial, type: 'code_failed', at: ago(5), eventId: 'c5' },
      { serial: lock.serial, type: 'code_failed', at: ago(120), eventId: 'c120' },
    ];
    const res = await t.http.post('/v1/telemetry').set('X-Api-Key', key.key).send({ events });
    expect(res.body).toMatchObject({ accepted: events.length, duplicates: 0, rejected: [] });

    const stored = await whereStored(owner, lock.id);
    const jamParts = new Set(['id:j10', 'id:j40', 'id:j50'].map((k) => stored.get(k)!.partition));
    const batteryParts = new Set(
      ['id:b40', 'id:b20', 'id:b1', 'id:b0'].map((k) => stored.get(k)!.partition),
    );
    expect(jamParts.size).toBe(2);
    expect(batteryParts.size).toBeGreaterThanOrEqual(2);
    expect([...stored.values()].map((s) => s.partition)).not.toContain('telemetry_events_default');

    const health = await t.http.get(`/v1/devices/${lock.id}/health`).set(tenant.admin.auth);
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({
      batteryPercent: 41,
      jamEvents24h: 3,
      failedCodeAttempts24h: 2,
    });
    expect(health.body.batteryForecast.readings).toBe(4);
    expect(health.body.batteryForecast.daysUntil10Percent).toBeGreaterThan(0);

    const fleetHealth = await t.http.get('/v1/fleet/health').set(tenant.admin.auth);
    const attention = (
      fleetHealth.body.attention as { deviceId: string; reasons: string[] }[]
    ).find((x) => x.deviceId === lock.id);
    expect(attention?.reasons).toContain('3 jam event(s) in 24 h');

    // Three jams within the hour, on both sides of the boundary: a jam-burst maintenance ticket.
    await t.app.get(TicketJobsService).runOnce();
    const { rows } = await owner.query<{ reason: string }>(
      `SELECT reason FROM tickets WHERE tenant_id = $1 AND device_id = $2 AND source = 'proactive'`,
      [tenant.id, lock.id],
    );
    expect(rows.map((r) => r.reason)).toEqual(['jam_burst']);
  });

  it('redelivery is still one event, whichever partition it lands in', async () => {
    const key = await newApiKey(t.http, tenant, 'again');
    const fleet = await newFleet(t.http, tenant, 1);
    const serial = fleet.devices[0]!.serial;
    const batch = [
      { serial, type: 'jam', at: ago(45), eventId: 'old-side' },
      { serial, type: 'jam', at: ago(15), eventId: 'new-side' },
      { serial, type: 'heartbeat', at: ago(45) },
      { serial, type: 'heartbeat', at: ago(15) },
    ];
    const post = () =>
      t.http.post('/v1/telemetry').set('X-Api-Key', key.key).send({ events: batch });
    expect((await post()).body).toMatchObject({ accepted: 4, duplicates: 0 });
    expect((await post()).body).toMatchObject({ accepted: 0, duplicates: 4 });
  });
});

describe('partition upkeep, retention and isolation', () => {
  let t: TestApp;
  let owner: pg.Client;
  beforeAll(async () => {
    t = await startTestApp({ telemetryRetentionDays: 90 });
    owner = await ownerClient(t.databaseUrl);
    await owner.query(`SET TimeZone = 'UTC'`);
  });
  afterAll(async () => {
    await owner?.end();
    await t?.close();
  });

  it('inserts land in the DEFAULT partition when a month has none; two instances then create it once, move the rows and drop expired months', async () => {
    const current = await monthPartition(owner, 'now()');
    const next = await monthPartition(owner, `now() + interval '1 month'`);
    const old = await monthPartition(owner, `now() - interval '200 days'`);
    const before = await partitions(owner);
    expect(before).toEqual(
      expect.arrayContaining([current, next, old, 'telemetry_events_default']),
    );
    // The months that ended more than 90 days ago: the retention drops every one of them.
    const { rows: expired } = await owner.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'telemetry_events'::regclass AND c.relname ~ '^telemetry_events_p[0-9]{6}$'
          AND to_timestamp(substr(c.relname, 19), 'YYYYMM') + interval '1 month'
              <= now() - interval '90 days'`,
    );
    expect(expired.map((r) => r.name)).toContain(old);

    // As if the job had not run for a while: no partition for this month or the next.
    await owner.query(`DROP TABLE ${current}`);
    await owner.query(`DROP TABLE ${next}`);

    const tenant = await newTenant(t.http);
    const key = await newApiKey(t.http, tenant);
    const fleet = await newFleet(t.http, tenant, 1);
    const lock = fleet.devices[0]!;
    const post = (events: object[]) =>
      t.http.post('/v1/telemetry').set('X-Api-Key', key.key).send({ events });
    const first = await post([
      {
        serial: lock.serial,
        type: 'battery',
        batteryPercent: 70,
        at: ago(200 * DAY),
        eventId: 'old',
      },
      { serial: lock.serial, type: 'jam', at: ago(10), eventId: 'jam' },
      { serial: lock.serial, type: 'heartbeat', at: ago(5), eventId: 'hb' },
    ]);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ accepted: 3, rejected: [] });
    let stored = await whereStored(owner, lock.id);
    expect(stored.get('id:old')!.partition).toBe(old);
    expect(stored.get('id:jam')!.partition).toBe('telemetry_events_default');
    expect(stored.get('id:hb')!.partition).toBe('telemetry_events_default');
    // Reads through the parent see the DEFAULT partition's rows too.
    const health = await t.http.get(`/v1/devices/${lock.id}/health`).set(tenant.admin.auth);
    expect(health.body.jamEvents24h).toBe(1);

    // A second instance on the same database; both run the upkeep at once.
    const second = await createApp(
      testConfig(t.databaseUrl, { telemetryRetentionDays: 90 }),
      createLogger('silent'),
    );
    try {
      const results = await Promise.all([
        t.app.get(TelemetryPartitionsJob).runOnce(),
        second.get(TelemetryPartitionsJob).runOnce(),
      ]);
      const sum = (k: 'created' | 'dropped' | 'moved') => results.reduce((n, r) => n + r[k], 0);
      expect({ created: sum('created'), dropped: sum('dropped'), moved: sum('moved') }).toEqual({
        created: 2,
        dropped: expired.length,
        moved: 2,
      });
      // One of them did the work; the other skipped (lock held) or found nothing left to do.
      expect(results.filter((r) => r.created + r.dropped + r.moved > 0)).toHaveLength(1);
    } finally {
      await second.close();
    }

    const after = await partitions(owner);
    expect(after).toEqual(expect.arrayContaining([current, next, 'telemetry_events_default']));
    for (const e of expired) expect(after).not.toContain(e.name);
    stored = await whereStored(owner, lock.id);
    expect(stored.has('id:old')).toBe(false);
    expect(stored.get('id:jam')!.partition).toBe(current);
    expect(stored.get('id:hb')!.partition).toBe(current);
    const { rows: left } = await owner.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM telemetry_events_default`,
    );
    expect(left[0]!.n).toBe(0);

    // The freshly created partition takes new events.
    expect(
      (await post([{ serial: lock.serial, type: 'jam', at: ago(1), eventId: 'fresh' }])).body,
    ).toMatchObject({ accepted: 1 });
    stored = await whereStored(owner, lock.id);
    expect(stored.get('id:fresh')!.partition).toBe(current);
    const again = await t.http.get(`/v1/devices/${lock.id}/health`).set(tenant.admin.auth);
    expect(again.body.jamEvents24h).toBe(2);

    // Nothing left to do: the next round changes nothing.
    expect(await t.app.get(TelemetryPartitionsJob).runOnce()).toEqual({
      created: 0,
      dropped: 0,
      moved: 0,
      skipped: false,
    });
  });

  it('never drops younger than 90 days, whatever retention the runtime role asks for', async () => {
    const current = await monthPartition(owner, 'now()');
    const recent = await monthPartition(owner, `now() - interval '80 days'`);
    const [r] = await t.dataSource.query<{ dropped: number }[]>(
      `SELECT dropped FROM telemetry_partitions_maintain(0, 0)`,
    );
    expect(r!.dropped).toBe(0);
    expect(await partitions(owner)).toEqual(expect.arrayContaining([current, recent]));
  });

  it('gives the runtime role no access to any partition: only the parent, under its policy', async () => {
    const parts = await partitions(owner);
    expect(parts.length).toBeGreaterThan(3);
    const { rows } = await owner.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'telemetry_events'::regclass
          AND (has_table_privilege('lockdesk_app', c.oid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE')
               OR pg_has_role('lockdesk_app', c.relowner, 'USAGE') OR NOT c.relrowsecurity)`,
    );
    expect(rows).toEqual([]);
    for (const p of [parts[0]!, 'telemetry_events_default']) {
      await expect(t.dataSource.query(`SELECT count(*) FROM ${p}`)).rejects.toThrow(
        /permission denied/,
      );
    }

    // Through the parent, another tenant's events stay invisible in every partition.
    const a = await newTenant(t.http);
    const b = await newTenant(t.http);
    const keyB = await newApiKey(t.http, b);
    const fleetB = await newFleet(t.http, b, 1);
    await t.http
      .post('/v1/telemetry')
      .set('X-Api-Key', keyB.key)
      .send({
        events: [
          { serial: fleetB.devices[0]!.serial, type: 'jam', at: ago(60 * DAY) },
          { serial: fleetB.devices[0]!.serial, type: 'jam', at: ago(1) },
        ],
      })
      .expect(200);
    const count = (tenantId: string) =>
      t.dataSource.transaction(async (em) => {
        await em.query(`select set_config('app.tenant_id', $1, true)`, [tenantId]);
        const [row] = await em.query<{ n: number }[]>(
          `SELECT count(*)::int AS n FROM telemetry_events WHERE device_id = $1`,
          [fleetB.devices[0]!.id],
        );
        return row!.n;
      });
    expect(await count(b.id)).toBe(2);
    expect(await count(a.id)).toBe(0);
  });
});
