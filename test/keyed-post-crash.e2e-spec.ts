import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type pg from 'pg';
import request from 'supertest';
import { TEST_JWT_SECRET } from './support/app.js';
import { createTestDatabase, ownerClient } from './support/database.js';
import { newFleet, newTenant, type TestTenant } from './support/factories.js';
import { freePort } from './support/net.js';

/**
 * Check 25: kill -9 the app while keyed POST /v1/tickets are running, start it
 * again on the same database, retry every request with its key and body:
 * each answers 201 (fresh, or the replay of the answer that committed before
 * the crash), and each request made exactly one ticket and one
 * ticket.created outbox message.
 *
 * The app runs as a real process: `node dist/src/main.js`, built once in
 * beforeAll (`npm run build`, about 10 s), because only a separate process
 * can be SIGKILLed without taking the test with it. Jest's in-process
 * TypeScript loader cannot run main.ts in a child, and `npm test` does not
 * build dist/, so this file builds it itself.
 *
 * To make "mid-way" certain rather than a matter of timing, the owner
 * connection holds the tenant's ticket counter row while the second batch is
 * sent: those requests have claimed their keys and sit inside their
 * transaction, waiting on the lock, when the app is killed.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const POOL_SIZE = 10;
/** Requests that must be inside their transaction, waiting, when the app is killed. */
const MIN_WAITING = 4;
const COMPLETED_BEFORE_CRASH = 6;
const N = 20;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface AppProcess {
  base: string;
  child: ChildProcess;
  output: () => string;
}

/** `node dist/src/main.js` on `databaseUrl`, once it answers /health/ready. */
async function startApp(databaseUrl: string): Promise<AppProcess> {
  const port = await freePort();
  // No NODE_OPTIONS: Jest's --experimental-vm-modules is not for the app.
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NODE_OPTIONS;
  const child = spawn(process.execPath, ['dist/src/main.js'], {
    cwd: ROOT,
    env: {
      ...env,
      NODE_ENV: 'test',
      DATABASE_URL: databaseUrl,
      DATABASE_POOL_SIZE: String(POOL_SIZE),
      // Longer than the test holds the counter row: the waiting requests must not time out first.
      STATEMENT_TIMEOUT_MS: '600000',
      JWT_SECRET: TEST_JWT_SECRET,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'error',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${base}/health/ready`)).ok) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || i > 300) {
      child.kill('SIGKILL');
      throw new Error(`the app did not start: ${output}`);
    }
    await sleep(100);
  }
  return { base, child, output: () => output };
}

function killHard(p: AppProcess): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    p.child.once('exit', () => resolve());
    p.child.kill('SIGKILL');
  });
}

/** The connection died without an answer (an Error from fetch; from another realm under Jest, hence no instanceof). */
const NO_ANSWER = 'no answer';

interface Answer {
  status: number;
  replayed: boolean;
  body: { id?: string; number?: string; description?: string };
}

async function keyedPost(base: string, token: string, key: string, body: object): Promise<Answer> {
  const res = await fetch(`${base}/v1/tickets`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      'idempotency-key': key,
    },
    body: JSON.stringify(body),
  });
  return {
    status: res.status,
    replayed: res.headers.get('idempotent-replayed') === 'true',
    body: (await res.json()) as Answer['body'],
  };
}

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let owner: pg.Client;
const apps: AppProcess[] = [];

beforeAll(async () => {
  await promisify(execFile)('npm', ['run', 'build'], { cwd: ROOT, timeout: 180_000 });
  db = await createTestDatabase();
  owner = await ownerClient(db.url);
}, 240_000);
afterAll(async () => {
  for (const p of apps) await killHard(p);
  await owner?.end();
  await db?.drop();
});

/** Backends of the app (not this test's owner connection) on the test database. */
async function appBackends(where = 'true'): Promise<number> {
  const { rows } = await owner.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid()
        AND application_name LIKE 'lockdesk%' AND ${where}`,
  );
  return rows[0]!.n;
}

async function until(what: string, ok: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (await ok()) return;
    await sleep(50);
  }
  throw new Error(`timed out waiting until ${what}`);
}

describe('kill -9 during keyed POSTs (check 25)', () => {
  it('retried with the same keys and bodies after a restart: one ticket and one outbox message each', async () => {
    const first = await startApp(db.url);
    apps.push(first);
    const tenant: TestTenant = await newTenant(request(first.base));
    const fleet = await newFleet(request(first.base), tenant, 1);
    const token = tenant.admin.accessToken;
    const run = randomBytes(4).toString('hex');
    const calls = Array.from({ length: N }, (_, i) => ({
      key: `crash-${run}-${i}`,
      body: {
        deviceId: fleet.devices[0]!.id,
        description: `Crash test ticket ${run} #${i}`,
        separate: true,
      },
    }));

    // 1. Some requests complete before the crash.
    const before = await Promise.all(
      calls
        .slice(0, COMPLETED_BEFORE_CRASH)
        .map((c) => keyedPost(first.base, token, c.key, c.body)),
    );
    expect(before.map((a) => a.status)).toEqual(Array(COMPLETED_BEFORE_CRASH).fill(201));

    // 2. The rest are in flight: several inside their ticket transaction (key
    // claimed, waiting on the counter row), the others queued in the app.
    await owner.query('BEGIN');
    await owner.query('SELECT 1 FROM ticket_counters WHERE tenant_id = $1 FOR UPDATE', [tenant.id]);
    const inFlight = calls
      .slice(COMPLETED_BEFORE_CRASH)
      .map((c) => keyedPost(first.base, token, c.key, c.body).catch(() => NO_ANSWER));
    await until(
      `${MIN_WAITING} requests wait on the counter row`,
      async () => (await appBackends(`wait_event_type = 'Lock'`)) >= MIN_WAITING,
    );

    // 3. kill -9.
    await killHard(first);
    const lost = await Promise.all(inFlight);
    // Those waiting on the row never got an answer; requests queued for a pooled
    // connection may have got an error answer (pool timeout) before the kill. None succeeded.
    const answered = lost.filter((r): r is Answer => r !== NO_ANSWER);
    expect(answered.filter((a) => a.status < 300)).toEqual([]);
    expect(lost.length - answered.length).toBeGreaterThanOrEqual(MIN_WAITING);
    await owner.query('ROLLBACK');
    // PostgreSQL rolls the dead process's transactions back as it notices its connections gone.
    await until('the killed app has no backend left', async () => (await appBackends()) === 0);
    const { rows: afterCrash } = await owner.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM tickets WHERE tenant_id = $1',
      [tenant.id],
    );
    expect(afterCrash[0]!.n).toBe(COMPLETED_BEFORE_CRASH);

    // 4. A new process on the same database; every request retried as it was.
    const second = await startApp(db.url);
    apps.push(second);
    const retried = await Promise.all(
      calls.map((c) => keyedPost(second.base, token, c.key, c.body)),
    );
    expect(retried.map((a) => a.status)).toEqual(Array(N).fill(201));
    // The ones answered before the crash are replays of that answer.
    retried.slice(0, COMPLETED_BEFORE_CRASH).forEach((a, i) => {
      expect(a.replayed).toBe(true);
      expect(a.body).toEqual(before[i]!.body);
    });
    expect(retried.slice(COMPLETED_BEFORE_CRASH).every((a) => !a.replayed)).toBe(true);
    retried.forEach((a, i) => expect(a.body.description).toBe(calls[i]!.body.description));

    // And once more: every one is now a replay, nothing new is written.
    const again = await Promise.all(calls.map((c) => keyedPost(second.base, token, c.key, c.body)));
    again.forEach((a, i) => {
      expect(a).toMatchObject({ status: 201, replayed: true });
      expect(a.body.id).toBe(retried[i]!.body.id);
    });

    // 5. Exactly N tickets, one per request, each with exactly one ticket.created message.
    const { rows: tickets } = await owner.query<{ id: string; description: string }>(
      'SELECT id, description FROM tickets WHERE tenant_id = $1 ORDER BY number',
      [tenant.id],
    );
    expect(tickets).toHaveLength(N);
    expect(new Set(tickets.map((tk) => tk.description))).toEqual(
      new Set(calls.map((c) => c.body.description)),
    );
    expect(new Set(tickets.map((tk) => tk.id))).toEqual(new Set(retried.map((a) => a.body.id)));
    const { rows: outbox } = await owner.query<{ aggregate_id: string; n: number }>(
      `SELECT aggregate_id, count(*)::int AS n FROM outbox
        WHERE tenant_id = $1 AND topic = 'ticket.created' GROUP BY aggregate_id`,
      [tenant.id],
    );
    expect(outbox).toHaveLength(N);
    expect(outbox.every((o) => o.n === 1)).toBe(true);
    expect(new Set(outbox.map((o) => o.aggregate_id))).toEqual(new Set(tickets.map((tk) => tk.id)));
    const { rows: keys } = await owner.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM idempotency_keys
        WHERE tenant_id = $1 AND key LIKE $2 AND state = 'completed'`,
      [tenant.id, `crash-${run}-%`],
    );
    expect(keys[0]!.n).toBe(N);

    await killHard(second);
  });
});
