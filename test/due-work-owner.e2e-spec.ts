import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { runMigrations } from '../src/database/migrator.js';
import { urlFor } from './support/database.js';

/**
 * The due-work functions are SECURITY DEFINER, owned by whoever migrated. With a superuser that
 * is moot (it bypasses row-level security); here the schema belongs to an ordinary role, whose
 * own tables FORCE row-level security against it too, so the functions see rows only through
 * the owner's read policies (owner_due_work).
 */
const suffix = randomBytes(4).toString('hex');
const ROLE = `ld_owner_${suffix}`;
const DATABASE = `ld_owner_db_${suffix}`;

async function admin<T>(work: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: process.env.LOCKDESK_TEST_ADMIN_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

function ownerUrl(): string {
  const u = new URL(urlFor(DATABASE));
  u.username = ROLE;
  u.password = 'owner-password';
  return u.toString();
}

let owner: pg.Client;

beforeAll(async () => {
  await admin(async (c) => {
    await c.query(
      `CREATE ROLE ${ROLE} LOGIN PASSWORD 'owner-password' NOSUPERUSER NOBYPASSRLS NOCREATEROLE`,
    );
    await c.query(`CREATE DATABASE ${DATABASE} OWNER ${ROLE}`);
  });
  await runMigrations(ownerUrl(), () => undefined);
  // Without CREATEROLE the first migration could not make the owner a member of the runtime
  // role (it says so); an operator grants it, as here.
  await admin((c) => c.query(`GRANT lockdesk_app TO ${ROLE}`));
  owner = new pg.Client({ connectionString: ownerUrl() });
  await owner.connect();
}, 120_000);

afterAll(async () => {
  await owner?.end();
  await admin(async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
    await c.query(`DROP ROLE IF EXISTS ${ROLE}`);
  });
});

/** Runs `sql` as the runtime role with no tenant set, as a job asking for its tenants does. */
async function asRuntime<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []) {
  await owner.query('BEGIN');
  try {
    await owner.query('SET LOCAL ROLE lockdesk_app');
    return (await owner.query<T>(sql, params)).rows;
  } finally {
    await owner.query('ROLLBACK');
  }
}

describe('the due-work functions under a non-superuser owner', () => {
  it('see the rows of every tenant, while the runtime role itself sees none', async () => {
    const { superuser } = (
      await owner.query<{ superuser: boolean }>(
        `SELECT rolsuper AS superuser FROM pg_roles WHERE rolname = current_user`,
      )
    ).rows[0]!;
    expect(superuser).toBe(false);

    const tenants = [randomUUID(), randomUUID()];
    for (const [i, id] of tenants.entries()) {
      await owner.query('BEGIN');
      await owner.query(`SELECT set_config('app.tenant_id', $1, true)`, [id]);
      await owner.query(`INSERT INTO tenants (id, name, kind, handle) VALUES ($1, $2, $3, $4)`, [
        id,
        `Owner test ${i}`,
        i === 0 ? 'customer' : 'locksmith',
        `owner-test-${suffix}-${i}`,
      ]);
      if (i === 0)
        await owner.query(
          `INSERT INTO idempotency_keys (tenant_id, key, request_hash, method, path, state, response_status, response_body, expires_at)
           VALUES ($1, 'expired', 'h', 'POST', '/v1/users', 'completed', 201, '{}', now() - interval '1 minute')`,
          [id],
        );
      await owner.query('COMMIT');
    }

    expect(await asRuntime(`SELECT tenant_id FROM idempotency_keys`)).toEqual([]);
    expect(await asRuntime(`SELECT id FROM tenants`)).toEqual([]);
    expect(await asRuntime(`SELECT id FROM due_idempotency_purge_tenants() AS id`)).toEqual([
      { id: tenants[0]! },
    ]);
    expect(
      await asRuntime(`SELECT * FROM partner_by_handle($1)`, [`owner-test-${suffix}-1`]),
    ).toEqual([{ id: tenants[1]!, kind: 'locksmith', name: 'Owner test 1' }]);

    // The owner's read policy is what lets them see: without it, nothing.
    await owner.query(`DROP POLICY owner_due_work ON idempotency_keys`);
    expect(await asRuntime(`SELECT id FROM due_idempotency_purge_tenants() AS id`)).toEqual([]);
  });
});
