import { ownerDataSource } from './data-source.js';

/** Held while migrating so that several app instances starting at once migrate once. */
const MIGRATION_LOCK = "hashtext('lockdesk.migrations')";

/** Runs pending migrations as the owner, under an advisory lock, saying what it applies. */
export async function runMigrations(url: string, log: (msg: string) => void): Promise<string[]> {
  const ds = ownerDataSource(url);
  await ds.initialize();
  const lock = ds.createQueryRunner();
  try {
    await lock.connect();
    await lock.query(`SELECT pg_advisory_lock(${MIGRATION_LOCK})`);
    try {
      const pending = await pendingMigrations(url, ds);
      if (pending.length === 0) {
        log('Database schema is up to date');
        return [];
      }
      log(`Applying ${pending.length} migration(s): ${pending.join(', ')}`);
      const applied = await ds.runMigrations({ transaction: 'each' });
      applied.forEach((m, i) => log(`  [${i + 1}/${applied.length}] applied ${m.name}`));
      return applied.map((m) => m.name);
    } finally {
      await lock.query(`SELECT pg_advisory_unlock(${MIGRATION_LOCK})`);
    }
  } finally {
    await lock.release();
    await ds.destroy();
  }
}

async function pendingMigrations(
  _url: string,
  ds: ReturnType<typeof ownerDataSource>,
): Promise<string[]> {
  const all = ds.migrations.map((m) => m.name ?? m.constructor.name);
  const exists = await ds.query<{ ok: boolean }[]>(
    `SELECT to_regclass('typeorm_migrations') IS NOT NULL AS ok`,
  );
  if (!exists[0]?.ok) return all;
  const done = await ds.query<{ name: string }[]>(`SELECT name FROM typeorm_migrations`);
  const doneNames = new Set(done.map((r) => r.name));
  return all.filter((n) => !doneNames.has(n));
}

export async function revertLastMigration(url: string, log: (msg: string) => void): Promise<void> {
  const ds = ownerDataSource(url);
  await ds.initialize();
  try {
    await ds.undoLastMigration({ transaction: 'each' });
    log('Reverted the last migration');
  } finally {
    await ds.destroy();
  }
}

export async function listPendingMigrations(url: string): Promise<string[]> {
  const ds = ownerDataSource(url);
  await ds.initialize();
  try {
    return await pendingMigrations(url, ds);
  } finally {
    await ds.destroy();
  }
}
