import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createApp } from '../src/app.factory.js';
import { createLogger } from '../src/common/logger.js';
import { UnsafeRuntimeRoleError } from '../src/database/runtime-role.js';
import { MissingTenantError, TenantDb } from '../src/database/tenant-db.service.js';
import { WebhookDelivery } from '../src/escalation/webhook-delivery.js';
import { IncidentDetection } from '../src/incidents/index.js';
import { startTestApp, testConfig, type TestApp } from './support/app.js';
import { ownerClient } from './support/database.js';
import {
  newApiKey,
  newFleet,
  newTenant,
  newUser,
  PASSWORD,
  REFERENCE_MODEL_ID,
  type TestTenant,
} from './support/factories.js';

let t: TestApp;
let a: TestTenant;
let b: TestTenant;
let tenantTables: string[];
const DIRECTORIES = ['partner_profiles'];
/** The tenant column of each table: `id` for tenants. */
const tenantColumn = (table: string): string => (table === 'tenants' ? 'id' : 'tenant_id');

beforeAll(async () => {
  t = await startTestApp();
  a = await newTenant(t.http);
  b = await newTenant(t.http);
  // Give both tenants a row in every table.
  for (const tenant of [a, b]) {
    await newUser(t.http, tenant, 'agent');
    const key = await newApiKey(t.http, tenant);
    const fleet = await newFleet(t.http, tenant, 1);
    await t.http
      .patch(`/v1/device-models/${REFERENCE_MODEL_ID}`)
      .set(tenant.admin.auth)
      .send({ latestFirmware: '9.9.9' })
      .expect(200);
    await t.http
      .post('/v1/telemetry')
      .set('X-Api-Key', key.key)
      .send({
        events: [
          {
            serial: fleet.devices[0]!.serial,
            type: 'battery',
            batteryPercent: 50,
            at: new Date().toISOString(),
          },
        ],
      })
      .expect(200);
    await t.http
      .put('/v1/settings/desk')
      .set(tenant.admin.auth)
      .send({ reopenWindowDays: 3 })
      .expect(200);
    await t.http
      .put('/v1/settings/sla')
      .set(tenant.admin.auth)
      .send({ low: { firstResponseMinutes: 600, resolutionMinutes: 6000 } })
      .expect(200);
    const ticket = await t.http
      .post('/v1/tickets')
      .set(tenant.admin.auth)
      .send({ separate: true, deviceId: fleet.devices[0]!.id, description: 'Keypad dead' })
      .expect(201);
    const tid = ticket.body.id as string;
    // A second ticket on the same lock, related to the first (ticket_links).
    const second = await t.http
      .post('/v1/tickets')
      .set(tenant.admin.auth)
      .send({ separate: true, deviceId: fleet.devices[0]!.id, description: 'Handle loose' })
      .expect(201);
    await t.http
      .post(`/v1/tickets/${tid}/related`)
      .set(tenant.admin.auth)
      .send({ ticketId: second.body.id })
      .expect(200);
    await t.http
      .post(`/v1/tickets/${tid}/comments`)
      .set(tenant.admin.auth)
      .send({ body: 'On it' })
      .expect(201);
    await t.http
      .post(`/v1/tickets/${tid}/steps`)
      .set(tenant.admin.auth)
      .send({ step: 'replace_batteries', outcome: 'not_fixed' })
      .expect(200);
    await t.http
      .post(`/v1/tickets/${tid}/answers`)
      .set(tenant.admin.auth)
      .send({ answers: [{ symptom: 'low_battery_warning', present: false }] })
      .expect(200);
    const smith = await newTenant(t.http, { kind: 'locksmith' });
    // It covers the fleet's postal code, so the escalation below is routed and has a thread.
    await t.http
      .put('/v1/partner-profile')
      .set(smith.admin.auth)
      .send({ postalCodes: ['1100'] })
      .expect(200);
    await t.http
      .post('/v1/partners')
      .set(tenant.admin.auth)
      .send({ handle: smith.handle })
      .expect(201);
    await t.http
      .post('/v1/webhooks')
      .set(tenant.admin.auth)
      .send({ url: 'https://8.8.8.8/hook', events: ['*'] })
      .expect(201);
    const escalated = await t.http
      .post(`/v1/tickets/${tid}/escalate`)
      .set(tenant.admin.auth)
      .send({ target: 'locksmith' })
      .expect(200);
    await t.http
      .post(`/v1/escalations/${escalated.body.id}/messages`)
      .set(tenant.admin.auth)
      .send({ body: 'The concierge has a key' })
      .expect(201);
    await t.http
      .post(`/v1/tickets/${tid}/resolve`)
      .set(tenant.admin.auth)
      .send({ confirmedCause: 'electronic_failure', resolution: 'Replaced' })
      .expect(200);
    await t.http
      .post(`/v1/tickets/${tid}/rating`)
      .set(tenant.admin.auth)
      .send({ score: 4, comment: 'Quick fix' })
      .expect(201);
    await t.http
      .post('/v1/users')
      .set(tenant.admin.auth)
      .set('Idempotency-Key', `seed-${tenant.id}`)
      .send({
        email: `idem-${tenant.id.slice(-12)}@example.com`,
        name: 'I',
        role: 'manager',
        password: PASSWORD,
      })
      .expect(201);
    // A fleet incident (the same report from five more locks of the model), with its members.
    const five = await newFleet(t.http, tenant, 5);
    for (const d of five.devices) {
      await t.http
        .post('/v1/tickets')
        .set(tenant.admin.auth)
        .send({ deviceId: d.id, description: 'Keypad dead' })
        .expect(201);
    }
    expect(await t.app.get(IncidentDetection).detect(tenant.id, new Date(), 0)).toMatchObject({
      opened: 1,
    });
  }
  const rows = await t.dataSource.query<{ table_name: string }[]>(
    `SELECT c.table_name FROM information_schema.columns c
       JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
      WHERE c.table_schema = 'public' AND c.column_name = 'tenant_id' AND t.table_type = 'BASE TABLE'
        -- Partitions are reached through their parent, under its policies; the runtime role has
        -- no grant on them (test/telemetry-partitions.e2e-spec.ts).
        AND NOT (SELECT relispartition FROM pg_class
                  WHERE relname = c.table_name AND relnamespace = 'public'::regnamespace)
     UNION SELECT 'tenants' ORDER BY 1`,
  );
  tenantTables = rows.map((r) => r.table_name);
  // Outbox messages become webhook deliveries (the relay, without sending).
  for (const tenant of [a, b]) await t.app.get(WebhookDelivery).relay(tenant.id);
});
afterAll(async () => {
  await t.close();
});

function asTenant<T>(tenantId: string, sql: string): Promise<T[]> {
  return t.dataSource.transaction(async (em) => {
    await em.query(`select set_config('app.tenant_id', $1, true)`, [tenantId]);
    return em.query<T[]>(sql);
  });
}

describe('the runtime role', () => {
  it('is lockdesk_app: not superuser, no BYPASSRLS, owns no table', async () => {
    const [facts] = await t.dataSource.query<
      { user: string; superuser: boolean; bypass: boolean; owned: number }[]
    >(`SELECT current_user AS user, r.rolsuper AS superuser, r.rolbypassrls AS bypass,
        (SELECT count(*)::int FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace
          AND pg_has_role(current_user, c.relowner, 'USAGE')) AS owned
       FROM pg_roles r WHERE r.rolname = current_user`);
    expect(facts).toEqual({ user: 'lockdesk_app', superuser: false, bypass: false, owned: 0 });
  });

  it('cannot change the schema', async () => {
    await expect(t.dataSource.query('CREATE TABLE sneaky (id int)')).rejects.toThrow(
      /permission denied/,
    );
    await expect(
      t.dataSource.query('ALTER TABLE users DISABLE ROW LEVEL SECURITY'),
    ).rejects.toThrow(/must be owner/);
  });

  it('makes the app refuse to start when it could bypass row-level security', async () => {
    // A superuser as the runtime login: the exact thing the check exists for.
    const config = testConfig(t.databaseUrl, { databaseAppUrl: t.databaseUrl });
    await expect(createApp(config, createLogger('silent'))).rejects.toThrow(UnsafeRuntimeRoleError);
    await expect(createApp(config, createLogger('silent'))).rejects.toThrow(/is a superuser/);
  });
});

describe('row-level security', () => {
  it('covers the tables we expect', () => {
    expect(tenantTables).toEqual(
      expect.arrayContaining([
        'api_keys',
        'idempotency_keys',
        'refresh_tokens',
        'tenants',
        'users',
        'properties',
        'device_models',
        'model_firmware_overrides',
        'devices',
        'device_health',
        'telemetry_events',
        'learned_causes',
        'desk_settings',
        'sla_policies',
        'ticket_counters',
        'tickets',
        'ticket_comments',
        'ticket_steps',
        'ticket_answers',
        'ticket_diagnoses',
        'ticket_sla_pauses',
        'ticket_events',
        'ticket_ratings',
        'outbox',
        'partner_profiles',
        'partner_links',
        'escalations',
        'escalation_messages',
        'webhooks',
        'webhook_deliveries',
      ]),
    );
  });

  it('is enabled and forced on every table with tenant_id, with a policy', async () => {
    const owner = await ownerClient(t.databaseUrl);
    try {
      const { rows } = await owner.query<{
        relname: string;
        enabled: boolean;
        forced: boolean;
        policies: number;
      }>(
        `SELECT c.relname, c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced,
                (SELECT count(*)::int FROM pg_policy p WHERE p.polrelid = c.oid) AS policies
           FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relname = ANY($1)`,
        [tenantTables],
      );
      expect(rows).toHaveLength(tenantTables.length);
      for (const r of rows)
        expect(r).toEqual({
          relname: r.relname,
          enabled: true,
          forced: true,
          policies: expect.any(Number),
        });
      expect(rows.every((r) => r.policies >= 1)).toBe(true);
    } finally {
      await owner.end();
    }
  });

  it('inside a transaction set to tenant A, a raw select of every tenant table shows no row of B', async () => {
    // Partner profiles are a directory readable by all; every other table is isolated.
    for (const table of tenantTables.filter((x) => !DIRECTORIES.includes(x))) {
      const col = tenantColumn(table);
      const rows = await asTenant<{ tid: string }>(
        a.id,
        `SELECT ${col}::text AS tid FROM ${table}`,
      );
      expect(rows.length).toBeGreaterThan(0);
      if (table === 'tenants') {
        // Its own row, and the partners it linked (see 'the tenant directory is gone').
        expect(rows.map((r) => r.tid)).toContain(a.id);
        expect(rows.map((r) => r.tid)).not.toContain(b.id);
      } else {
        expect(rows.every((r) => r.tid === a.id)).toBe(true);
      }
    }
  });

  it('with no tenant set, every tenant table shows no row at all', async () => {
    for (const table of tenantTables.filter((x) => !DIRECTORIES.includes(x))) {
      const [{ n }] = await t.dataSource.query<[{ n: number }]>(
        `SELECT count(*)::int AS n FROM ${table}`,
      );
      expect({ table, n }).toEqual({ table, n: 0 });
    }
    // ... even though the owner sees rows of both tenants (the test is not vacuous).
    const owner = await ownerClient(t.databaseUrl);
    try {
      const { rows } = await owner.query<{ n: number }>(
        `SELECT count(DISTINCT tenant_id)::int AS n FROM users`,
      );
      expect(rows[0]!.n).toBeGreaterThanOrEqual(2);
    } finally {
      await owner.end();
    }
  });

  it('lets the catalog view show the reference models and only the caller’s own models', async () => {
    const rows = await asTenant<{ tenant_id: string | null; source: string }>(
      a.id,
      `SELECT tenant_id::text, source FROM catalog_models`,
    );
    expect(rows.filter((r) => r.source === 'reference').length).toBeGreaterThanOrEqual(20);
    expect(rows.filter((r) => r.source === 'tenant').every((r) => r.tenant_id === a.id)).toBe(true);
    expect(rows.some((r) => r.source === 'tenant')).toBe(true);
  });

  it('keeps the ticket timeline append-only for the runtime role', async () => {
    await expect(asTenant(a.id, `UPDATE ticket_events SET type = 'forged'`)).rejects.toThrow(
      /permission denied/,
    );
    await expect(asTenant(a.id, `DELETE FROM ticket_events`)).rejects.toThrow(/permission denied/);
    await expect(asTenant(a.id, `UPDATE outbox SET payload = '{}'`)).rejects.toThrow(
      /permission denied/,
    );
  });

  it('shows no other tenant’s row (no directory) and lets nobody write another tenant’s', async () => {
    expect(
      await t.dataSource.query(`SELECT id FROM tenants WHERE id = ANY($1)`, [[a.id, b.id]]),
    ).toEqual([]);
    const seen = await asTenant<{ id: string }>(
      a.id,
      `SELECT id FROM tenants WHERE id IN ('${a.id}', '${b.id}')`,
    );
    expect(seen).toEqual([{ id: a.id }]);
    const updated = await asTenant(a.id, `UPDATE tenants SET name = 'pwned' WHERE id = '${b.id}'`);
    expect(updated).toEqual([[], 0]);
    await expect(asTenant(a.id, `DELETE FROM tenants`)).rejects.toThrow(/permission denied/);
  });

  it('keeps telemetry append-only for the runtime role', async () => {
    await expect(asTenant(a.id, `UPDATE telemetry_events SET battery_percent = 1`)).rejects.toThrow(
      /permission denied/,
    );
    await expect(asTenant(a.id, `DELETE FROM telemetry_events`)).rejects.toThrow(
      /permission denied/,
    );
    await expect(
      asTenant(
        a.id,
        `INSERT INTO reference_device_models (id, manufacturer, model, protocols, power_source, warranty_months, has_key_cylinder, has_keypad, has_backup_power) VALUES (gen_random_uuid(), 'x', 'y', '{wifi}', 'battery', 1, true, true, true)`,
      ),
    ).rejects.toThrow(/permission denied/);
  });

  it('refuses to write a row for another tenant (WITH CHECK)', async () => {
    await expect(
      t.dataSource.transaction(async (em) => {
        await em.query(`select set_config('app.tenant_id', $1, true)`, [a.id]);
        await em.query(
          `INSERT INTO api_keys (tenant_id, id, name, key_prefix, key_hash, created_by)
           VALUES ($1, gen_random_uuid(), 'x', 'x', md5(random()::text), $2)`,
          [b.id, b.admin.userId],
        );
      }),
    ).rejects.toThrow(/row-level security/);
  });

  it('makes a row of A pointing at a parent of B fail on the composite key', async () => {
    await expect(
      t.dataSource.transaction(async (em) => {
        await em.query(`select set_config('app.tenant_id', $1, true)`, [a.id]);
        await em.query(
          `INSERT INTO api_keys (tenant_id, id, name, key_prefix, key_hash, created_by)
           VALUES ($1, gen_random_uuid(), 'x', 'x', md5(random()::text), $2)`,
          [a.id, b.admin.userId],
        );
      }),
    ).rejects.toThrow(/foreign key/);
  });

  it('fails loudly when tenant work has no tenant', () => {
    const db = t.app.get(TenantDb);
    expect(() => db.tenantTransaction('', () => Promise.resolve(1))).toThrow(MissingTenantError);
    expect(() =>
      db.tenantTransaction(undefined as unknown as string, () => Promise.resolve(1)),
    ).toThrow(MissingTenantError);
  });
});

describe('the tenant directory is gone', () => {
  const DUE_WORK = [
    "due_sla_breach_tenants(now() + interval '1000 days')",
    'due_proactive_tenants(20)',
    'due_queued_escalation_tenants()',
    'due_stale_escalation_tenants(0, 0)',
    'due_webhook_tenants()',
    'due_idempotency_purge_tenants()',
    "due_outbox_purge_tenants(now() + interval '1000 days', now() + interval '1000 days')",
    'due_incident_tenants(0)',
  ];

  it('lets tenant A read its own tenants row but not B’s; linked tenants read each other’s name', async () => {
    const names = (tenantId: string, ids: string[]) =>
      asTenant<{ id: string; name: string }>(
        tenantId,
        `SELECT id, name FROM tenants WHERE id IN (${ids.map((x) => `'${x}'`).join(', ')}) ORDER BY id`,
      );
    expect(await names(a.id, [a.id, b.id])).toEqual([{ id: a.id, name: expect.any(String) }]);
    expect(await names(b.id, [a.id])).toEqual([]);

    const customer = await newTenant(t.http, { name: 'Linked Customer' });
    const smith = await newTenant(t.http, { kind: 'locksmith', name: 'Linked Smith' });
    expect(await names(customer.id, [smith.id])).toEqual([]);
    await t.http
      .post('/v1/partners')
      .set(customer.admin.auth)
      .send({ handle: smith.handle })
      .expect(201);
    // The customer's partner list shows the partner's name; each side reads the other's row.
    const list = await t.http.get('/v1/partners').set(customer.admin.auth).expect(200);
    expect(list.body.data).toMatchObject([{ tenantId: smith.id, name: 'Linked Smith' }]);
    expect(await names(customer.id, [smith.id])).toEqual([{ id: smith.id, name: 'Linked Smith' }]);
    expect(await names(smith.id, [customer.id])).toEqual([
      { id: customer.id, name: 'Linked Customer' },
    ]);
    // Nobody else does, and unlinking ends it.
    expect(await names(a.id, [customer.id, smith.id])).toEqual([]);
    await t.http.delete(`/v1/partners/${smith.id}`).set(customer.admin.auth).expect(204);
    expect(await names(customer.id, [smith.id])).toEqual([]);
    expect(await names(smith.id, [customer.id])).toEqual([]);
  });

  it('finds a partner by handle through a function that answers id, kind and name only', async () => {
    const smith = await newTenant(t.http, { kind: 'locksmith', name: 'Handle Smith' });
    const found = await asTenant<Record<string, unknown>>(
      a.id,
      `SELECT * FROM partner_by_handle('${smith.handle}')`,
    );
    expect(found).toEqual([{ id: smith.id, kind: 'locksmith', name: 'Handle Smith' }]);
    // A customer is no partner.
    expect(await asTenant(a.id, `SELECT * FROM partner_by_handle('${b.handle}')`)).toEqual([]);
  });

  it('gives the jobs only the tenants with due work, through functions only the runtime role runs', async () => {
    const owner = await ownerClient(t.databaseUrl);
    try {
      const { rows } = await owner.query<{
        name: string;
        definer: boolean;
        config: string[];
        app: boolean;
        public: boolean;
      }>(
        `SELECT p.proname AS name, p.prosecdef AS definer, p.proconfig AS config,
                has_function_privilege('lockdesk_app', p.oid, 'EXECUTE') AS app,
                EXISTS (SELECT 1 FROM aclexplode(p.proacl) x WHERE x.grantee = 0) AS public
           FROM pg_proc p
          WHERE p.pronamespace = 'public'::regnamespace
            AND (p.proname LIKE 'due\\_%' OR p.proname = 'partner_by_handle')
          ORDER BY 1`,
      );
      expect(rows.map((r) => r.name)).toEqual([
        'due_idempotency_purge_tenants',
        'due_incident_tenants',
        'due_outbox_purge_tenants',
        'due_proactive_tenants',
        'due_queued_escalation_tenants',
        'due_sla_breach_tenants',
        'due_stale_escalation_tenants',
        'due_webhook_tenants',
        'partner_by_handle',
      ]);
      for (const r of rows)
        expect(r).toEqual({
          name: r.name,
          definer: true,
          config: ['search_path=public, pg_temp'],
          app: true,
          public: false,
        });

      // A tenant with nothing to do is in no job's list.
      const idle = await newTenant(t.http);
      for (const f of DUE_WORK) {
        const ids = (await t.dataSource.query<{ id: string }[]>(`SELECT id FROM ${f} AS id`)).map(
          (r) => r.id,
        );
        expect({ f, idle: ids.includes(idle.id) }).toEqual({ f, idle: false });
      }
      // An expired idempotency key puts its tenant, and only it, on the purge's list.
      await owner.query(
        `INSERT INTO idempotency_keys (tenant_id, key, request_hash, method, path, state, response_status, response_body, expires_at)
         VALUES ($1, 'expired-directory', 'h', 'POST', '/v1/users', 'completed', 201, '{}', now() - interval '1 minute')`,
        [idle.id],
      );
      const purge = await t.dataSource.query<{ id: string }[]>(
        `SELECT id FROM due_idempotency_purge_tenants() AS id`,
      );
      expect(purge.map((r) => r.id)).toContain(idle.id);
      expect(purge.map((r) => r.id)).not.toContain(b.id);
    } finally {
      await owner.end();
    }
  });
});

describe('with a pool of one connection', () => {
  it('leaks no tenant setting from one request to the next', async () => {
    const small = await createApp(
      testConfig(t.databaseUrl, { databasePoolSize: 1 }),
      createLogger('silent'),
    );
    try {
      const { default: request } = await import('supertest');
      const http = request(small.getHttpServer());
      expect((await http.get('/v1/me').set(a.admin.auth)).status).toBe(200);
      // B's request fails inside its transaction (unique violation), which rolls back.
      const failing = await http
        .post('/v1/users')
        .set(b.admin.auth)
        .send({ email: a.admin.email, name: 'dup', role: 'agent', password: PASSWORD });
      expect(failing.status).toBe(409);
      const { DataSource } = await import('typeorm');
      const ds = small.get(DataSource);
      const [setting] = await ds.query<{ tid: string | null }[]>(
        `SELECT current_setting('app.tenant_id', true) AS tid`,
      );
      expect(setting!.tid ?? '').toBe('');
      for (const table of tenantTables.filter((x) => !DIRECTORIES.includes(x))) {
        const [{ n }] = await ds.query<[{ n: number }]>(`SELECT count(*)::int AS n FROM ${table}`);
        expect({ table, n }).toEqual({ table, n: 0 });
      }
    } finally {
      await small.close();
    }
  });
});
