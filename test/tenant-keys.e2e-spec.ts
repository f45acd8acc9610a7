/**
 * The path to Citus stays open: every tenant table can be distributed by tenant_id. Read from the
 * migrated schema's catalog:
 *
 * - every table is classified: a tenant table (it has tenant_id), a reference table (replicated
 *   to every node in Citus, listed below by name), or local bookkeeping that holds no tenant data;
 * - a tenant table's primary key starts with tenant_id;
 * - a foreign key from a tenant table to another tenant table leads with tenant_id on both sides
 *   (composite: (tenant_id, x) REFERENCES t (tenant_id, id)), so both rows live on one shard;
 *   a tenant table may also reference a reference table;
 * - every unique index of a tenant table includes tenant_id (Citus can only enforce uniqueness
 *   within a shard), except the ones named below with the reason.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type pg from 'pg';
import { createTestDatabase, ownerClient } from './support/database.js';

/** Replicated to every node in Citus; tenant tables may reference them on any column. */
const REFERENCE_TABLES = new Map([
  ['reference_device_models', 'the shared lock-model catalog, written only by migrations'],
  [
    'tenants',
    'the tenant directory: small, referenced by every tenant table by tenant_id and across ' +
      'tenants by partner_tenant_id (escalations, partner links)',
  ],
]);

/** No tenant data: stays a local (coordinator) table. */
const LOCAL_TABLES = new Map([
  ['auth_attempts', 'login throttle buckets (digests, no tenant id)'],
  ['rate_limit_counters', 'rate-limit windows (digests, no tenant id)'],
  ['typeorm_migrations', "the migrator's bookkeeping"],
]);

/** Unique indexes of tenant tables without tenant_id, each with the reason it must stay global. */
const GLOBAL_UNIQUE = new Map([
  [
    'users_email_key',
    'people log in with an email alone, so an active email is unique across tenants; on Citus it ' +
      'moves to a login directory (email -> tenant) distributed by email',
  ],
]);

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let owner: pg.Client;
let tenantTables: Set<string>;

beforeAll(async () => {
  db = await createTestDatabase();
  owner = await ownerClient(db.url);
  const { rows } = await owner.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c
      WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition
        AND EXISTS (SELECT 1 FROM pg_attribute a
                     WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)`,
  );
  tenantTables = new Set(rows.map((r) => r.name));
});

afterAll(async () => {
  await owner?.end();
  await db?.drop();
});

describe('every tenant table is keyed by tenant_id first (the path to Citus)', () => {
  it('classifies every table: tenant, reference or local', async () => {
    const { rows } = await owner.query<{ name: string }>(
      `SELECT relname AS name FROM pg_class
        WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p') AND NOT relispartition
        ORDER BY 1`,
    );
    expect(tenantTables.size).toBeGreaterThan(20);
    const unclassified = rows
      .map((r) => r.name)
      .filter((n) => !tenantTables.has(n) && !REFERENCE_TABLES.has(n) && !LOCAL_TABLES.has(n));
    expect(unclassified).toEqual([]);
    for (const name of [...REFERENCE_TABLES.keys(), ...LOCAL_TABLES.keys()]) {
      expect({ name, listed: rows.some((r) => r.name === name) }).toEqual({ name, listed: true });
      expect({ name, hasTenantId: tenantTables.has(name) }).toEqual({ name, hasTenantId: false });
    }
  });

  it('has a primary key whose first column is tenant_id on every tenant table', async () => {
    const { rows } = await owner.query<{ table: string; first: string | null }>(
      `SELECT c.relname AS table,
              (SELECT a.attname FROM pg_constraint k JOIN pg_attribute a
                   ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1]
                WHERE k.conrelid = c.oid AND k.contype = 'p') AS first
         FROM pg_class c WHERE c.relname = ANY($1) AND c.relnamespace = 'public'::regnamespace
        ORDER BY 1`,
      [[...tenantTables]],
    );
    expect(rows).toHaveLength(tenantTables.size);
    expect(rows.filter((r) => r.first !== 'tenant_id')).toEqual([]);
  });

  it('leads every foreign key between tenant tables with tenant_id on both sides', async () => {
    const { rows } = await owner.query<{
      name: string;
      from: string;
      to: string;
      fromFirst: string;
      toFirst: string;
    }>(
      `SELECT k.conname AS name, c.relname AS from, r.relname AS to,
              fa.attname AS "fromFirst", ra.attname AS "toFirst"
         FROM pg_constraint k
         JOIN pg_class c ON c.oid = k.conrelid
         JOIN pg_class r ON r.oid = k.confrelid
         JOIN pg_attribute fa ON fa.attrelid = k.conrelid AND fa.attnum = k.conkey[1]
         JOIN pg_attribute ra ON ra.attrelid = k.confrelid AND ra.attnum = k.confkey[1]
        WHERE k.contype = 'f' AND c.relnamespace = 'public'::regnamespace
          AND NOT c.relispartition AND k.conparentid = 0
        ORDER BY 1`,
    );
    const fromTenant = rows.filter((r) => tenantTables.has(r.from));
    expect(fromTenant.length).toBeGreaterThan(20);
    const broken = fromTenant.filter((r) =>
      tenantTables.has(r.to)
        ? r.fromFirst !== 'tenant_id' || r.toFirst !== 'tenant_id'
        : !REFERENCE_TABLES.has(r.to),
    );
    expect(broken).toEqual([]);
    // Between tenant tables they are composite: never tenant_id alone.
    const composite = await owner.query<{ name: string; n: number }>(
      `SELECT k.conname AS name, cardinality(k.conkey) AS n FROM pg_constraint k
         JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class r ON r.oid = k.confrelid
        WHERE k.contype = 'f' AND c.relname = ANY($1) AND r.relname = ANY($1)`,
      [[...tenantTables]],
    );
    expect(composite.rows.length).toBeGreaterThan(15);
    expect(composite.rows.filter((r) => r.n < 2)).toEqual([]);
  });

  it('includes tenant_id in every unique index of a tenant table (named exceptions aside)', async () => {
    const { rows } = await owner.query<{ index: string; table: string; definition: string }>(
      `SELECT i.relname AS index, c.relname AS table, pg_get_indexdef(x.indexrelid) AS definition
         FROM pg_index x
         JOIN pg_class c ON c.oid = x.indrelid
         JOIN pg_class i ON i.oid = x.indexrelid
        WHERE x.indisunique AND c.relname = ANY($1) AND c.relnamespace = 'public'::regnamespace
          AND NOT EXISTS (SELECT 1 FROM unnest(x.indkey) AS k(attnum)
                            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
                           WHERE a.attname = 'tenant_id')
        ORDER BY 1`,
      [[...tenantTables]],
    );
    expect(rows.filter((r) => !GLOBAL_UNIQUE.has(r.index))).toEqual([]);
    // An exception that no longer exists is dropped from the list.
    expect([...GLOBAL_UNIQUE.keys()].filter((n) => !rows.some((r) => r.index === n))).toEqual([]);
  });
});
