import pg from 'pg';
import { cleanupEmbedded } from './global-setup.mjs';

/** Drops this run's databases (on a shared server) and stops the embedded one. */
export default async function globalTeardown() {
  const runId = process.env.LOCKDESK_TEST_RUN;
  const url = process.env.LOCKDESK_TEST_ADMIN_URL;
  if (globalThis.__LOCKDESK_PG__) {
    await cleanupEmbedded();
    return;
  }
  if (!url || !runId) return;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [
      `ld\\_%\\_${runId}%`,
    ]);
    for (const { datname } of rows) {
      await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    }
  } finally {
    await client.end();
  }
}
