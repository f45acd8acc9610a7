import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { runMigrations } from '../../src/database/migrator.js';

function adminUrl(): string {
  const url = process.env.LOCKDESK_TEST_ADMIN_URL;
  if (!url) throw new Error('LOCKDESK_TEST_ADMIN_URL is unset: run the tests through `npm test`');
  return url;
}

export function urlFor(database: string): string {
  const u = new URL(adminUrl());
  u.pathname = `/${database}`;
  return u.toString();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function withAdmin<T>(work: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * A fresh database for one test file: a clone of a template migrated once per
 * run (the first file to get here migrates it, under an advisory lock).
 */
export async function createTestDatabase(): Promise<{
  url: string;
  name: string;
  drop(): Promise<void>;
}> {
  const runId = process.env.LOCKDESK_TEST_RUN ?? 'adhoc';
  const template = `ld_tpl_${runId}`;
  const name = `ld_t_${runId}_${randomBytes(4).toString('hex')}`;
  await withAdmin(async (admin) => {
    await admin.query('SELECT pg_advisory_lock(hashtext($1))', [template]);
    try {
      const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [
        template,
      ]);
      if (!rowCount) {
        await admin.query(`CREATE DATABASE "${template}"`);
        await runMigrations(urlFor(template), () => undefined);
      }
    } finally {
      await admin.query('SELECT pg_advisory_unlock(hashtext($1))', [template]);
    }
    // The migrator's backends may take a moment to leave the template.
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
        break;
      } catch (err) {
        if (attempt >= 50 || !/being accessed by other users/.test(String(err))) throw err;
        await sleep(100);
      }
    }
  });
  return {
    url: urlFor(name),
    name,
    drop: () =>
      withAdmin((admin) =>
        admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).then(() => undefined),
      ),
  };
}

/** A direct connection as the database owner/superuser, for assertions about the schema itself. */
export async function ownerClient(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return client;
}
