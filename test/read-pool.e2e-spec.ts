/**
 * DATABASE_READ_URL: list and report reads (tickets and devices lists, fleet and device health)
 * go to a second pool, under the same row-level security as the main one; everything else stays
 * on the primary.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import pg from 'pg';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { DataSource } from 'typeorm';
import { createApp } from '../src/app.factory.js';
import { createLogger } from '../src/common/logger.js';
import type { ResolvedConfig } from '../src/config/config.provider.js';
import { runtimeRoleFacts } from '../src/database/runtime-role.js';
import { READ_DATA_SOURCE, TenantDb } from '../src/database/tenant-db.service.js';
import { testConfig } from './support/app.js';
import { createTestDatabase, urlFor } from './support/database.js';
import { newFleet, newTenant, type TestFleet, type TestTenant } from './support/factories.js';

type Db = Awaited<ReturnType<typeof createTestDatabase>>;

async function start(
  url: string,
  overrides: Partial<ResolvedConfig> = {},
): Promise<{ app: NestFastifyApplication; http: TestAgent }> {
  const app = await createApp(
    testConfig(url, overrides),
    createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'),
  );
  return { app, http: request(app.getHttpServer()) };
}

async function ticket(http: TestAgent, tenant: TestTenant, deviceId: string): Promise<string> {
  const res = await http
    .post('/v1/tickets')
    .set(tenant.admin.auth)
    .send({ deviceId, description: 'Keypad dead, no lights', separate: true })
    .expect(201);
  return res.body.id as string;
}

describe('DATABASE_READ_URL naming the same database', () => {
  let db: Db;
  let app: NestFastifyApplication;
  let http: TestAgent;
  let a: TestTenant;
  let b: TestTenant;
  let fleet: TestFleet;

  beforeAll(async () => {
    db = await createTestDatabase();
    ({ app, http } = await start(db.url, { databaseReadUrl: db.url }));
    a = await newTenant(http);
    b = await newTenant(http);
    fleet = await newFleet(http, a, 2);
    for (const d of fleet.devices) await ticket(http, a, d.id);
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('is a second pool, as the restricted runtime role, read-only', async () => {
    const read = app.get<DataSource>(READ_DATA_SOURCE);
    expect(read).not.toBe(app.get(DataSource));
    expect(await runtimeRoleFacts(read)).toMatchObject({
      role: 'lockdesk_app',
      superuser: false,
      bypassrls: false,
      ownedTables: 0,
    });
    await expect(
      app
        .get(TenantDb)
        .tenantRead(a.id, (tx) => tx.em.query(`UPDATE tickets SET priority = 'low'`)),
    ).rejects.toThrow(/read-only transaction/);
  });

  it('serves the lists and reports, each tenant seeing only its own rows', async () => {
    const tickets = await http.get('/v1/tickets').set(a.admin.auth).expect(200);
    expect(tickets.body.data).toHaveLength(2);
    expect((await http.get('/v1/tickets').set(b.admin.auth).expect(200)).body.data).toEqual([]);

    const devices = await http.get('/v1/devices').set(a.admin.auth).expect(200);
    expect((devices.body.data as { id: string }[]).map((d) => d.id).sort()).toEqual(
      fleet.devices.map((d) => d.id).sort(),
    );
    expect((await http.get('/v1/devices').set(b.admin.auth).expect(200)).body.data).toEqual([]);

    const fleetA = await http.get('/v1/fleet/health').set(a.admin.auth).expect(200);
    expect(fleetA.body.totals.devices).toBe(2);
    const fleetB = await http.get('/v1/fleet/health').set(b.admin.auth).expect(200);
    expect(fleetB.body.totals.devices).toBe(0);

    const id = fleet.devices[0]!.id;
    await http.get(`/v1/devices/${id}/health`).set(a.admin.auth).expect(200);
    await http.get(`/v1/devices/${id}/health`).set(b.admin.auth).expect(404);
  });
});

describe('DATABASE_READ_URL naming a lagging copy (a replica behind the primary)', () => {
  let primary: Db;
  let replica: string;
  let app: NestFastifyApplication | undefined;
  let http: TestAgent;
  let a: TestTenant;
  let fleet: TestFleet;
  let admin: pg.Client;

  beforeAll(async () => {
    primary = await createTestDatabase();
    // The state the replica will hold: a tenant with two locks and two tickets.
    const first = await start(primary.url);
    a = await newTenant(first.http);
    fleet = await newFleet(first.http, a, 2);
    for (const d of fleet.devices) await ticket(first.http, a, d.id);
    await first.app.close();

    admin = new pg.Client({ connectionString: process.env.LOCKDESK_TEST_ADMIN_URL });
    await admin.connect();
    replica = `${primary.name}_replica`;
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query(`CREATE DATABASE "${replica}" TEMPLATE "${primary.name}"`);
        break;
      } catch (err) {
        if (attempt >= 50 || !/being accessed by other users/.test(String(err))) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    ({ app, http } = await start(primary.url, { databaseReadUrl: urlFor(replica) }));
  });
  afterAll(async () => {
    await app?.close();
    await admin?.query(`DROP DATABASE IF EXISTS "${replica}" WITH (FORCE)`);
    await admin?.end();
    await primary?.drop();
  });

  it('answers lists and reports from the replica, and everything else from the primary', async () => {
    // Written to the primary, not (yet) on the replica.
    const fresh = await ticket(http, a, fleet.devices[0]!.id);
    await http
      .post('/v1/devices')
      .set(a.admin.auth)
      .send({
        serial: 'SN-ONLY-ON-PRIMARY',
        modelId: fleet.model.id,
        propertyId: fleet.property.id,
      })
      .expect(201);

    const list = await http.get('/v1/tickets').set(a.admin.auth).expect(200);
    expect(list.body.data).toHaveLength(2);
    expect((list.body.data as { id: string }[]).map((t) => t.id)).not.toContain(fresh);
    await http.get(`/v1/tickets/${fresh}`).set(a.admin.auth).expect(200);

    const devices = await http.get('/v1/devices').set(a.admin.auth).expect(200);
    expect(devices.body.data).toHaveLength(2);
    const fleetHealth = await http.get('/v1/fleet/health').set(a.admin.auth).expect(200);
    expect(fleetHealth.body.totals.devices).toBe(2);
  });

  it('is not ready while the replica cannot be reached', async () => {
    const ready = await http.get('/health/ready').expect(200);
    expect(ready.body.info).toEqual(
      expect.objectContaining({
        database: expect.objectContaining({ status: 'up' }),
        readDatabase: expect.objectContaining({ status: 'up' }),
      }),
    );
    await admin.query(`ALTER DATABASE "${replica}" WITH ALLOW_CONNECTIONS false`);
    await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`, [
      replica,
    ]);
    try {
      const down = await http.get('/health/ready');
      expect(down.status).toBe(503);
      expect(JSON.stringify(down.body)).toContain('readDatabase');
    } finally {
      await admin.query(`ALTER DATABASE "${replica}" WITH ALLOW_CONNECTIONS true`);
    }
    await http.get('/health/ready').expect(200);
  });
});
