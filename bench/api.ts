/**
 * API benchmark: the app against the database's own ceiling for the same work, in one run.
 *
 *   npm run bench:api                                   embedded PostgreSQL, one instance
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench:api
 *   npm run bench:api -- --instances 2 --duration 15 --warmup 3 --connections 20
 *   npm run bench:api -- --url http://a:3000,http://b:3000 [--database-url postgres://owner@host/db]
 *
 * 1. A fresh database (on DATABASE_URL's server, or an embedded PostgreSQL) and N app instances
 *    from dist/ (the first one preloads bench/statement-capture.ts).
 * 2. A customer tenant like a real desk: an admin and four agents (round-robin assignment on),
 *    two properties, 100 locks with telemetry (battery, heartbeats, some offline, a few jams) and
 *    60 tickets, so a list page has 50 items with their diagnoses.
 * 3. The statements of one request of each path are captured from the app's pg client as sent
 *    (text and parameters), and written out as a pgbench script: parameters inlined as literals,
 *    ids the request generated (UUIDv7 newer than the capture) replaced by a fresh time-ordered id
 *    per transaction, so the writes replay without key collisions.
 * 4. Each path is driven by autocannon at C connections (split over the instances), after a
 *    warm-up; each instance's RSS is sampled during the load.
 * 5. The ceiling: pgbench runs each path's script at the same C clients, as the runtime role
 *    (row-level security on), for the same time; if pgbench is missing, a raw `pg` loop does.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import pg from 'pg';
import { RUNTIME_ROLE } from '../src/database/roles.js';
import type { CaptureFile, CapturedStatement } from './statement-capture.js';
import {
  type AppInstance,
  call,
  expectStatus,
  log,
  progress,
  startAppInstance,
  startBenchDatabase,
  type BenchDatabase,
} from './support.js';

type PathName = 'create' | 'list';

/** The issue's targets (issue 12, section 3). */
const TARGETS_BY_PATH: Record<PathName, { ratio: number; p99Ms: number }> = {
  create: { ratio: 0.3, p99Ms: 50 },
  list: { ratio: 0.5, p99Ms: 50 },
};
const RSS_LIMIT_MB = 300;

const { values: flags } = parseArgs({
  options: {
    duration: { type: 'string', default: '15' },
    warmup: { type: 'string', default: '3' },
    connections: { type: 'string', default: '20' },
    instances: { type: 'string', default: '1' },
    url: { type: 'string' },
    'database-url': { type: 'string' },
    paths: { type: 'string', default: 'create,list' },
    'seed-tickets': { type: 'string', default: '60' },
    ceiling: { type: 'string', default: 'pgbench' },
    help: { type: 'boolean', default: false },
  },
});

if (flags.help) {
  log(`npm run bench:api -- [--duration s] [--warmup s] [--connections n] [--instances n]
    [--paths create,list] [--seed-tickets n] [--ceiling pgbench|pg]
    [--url http://a,http://b [--database-url postgres://owner@host/db]]`);
  process.exit(0);
}

function positive(name: string, raw: string | undefined, max: number): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > max) {
    process.stderr.write(`--${name} must be a whole number from 0 to ${max}, got ${raw}\n`);
    process.exit(2);
  }
  return n;
}

const DURATION = positive('duration', flags.duration, 3600) || 15;
const WARMUP = positive('warmup', flags.warmup, 600);
const CONNECTIONS = positive('connections', flags.connections, 1000) || 20;
const INSTANCES = positive('instances', flags.instances, 8) || 1;
const SEED_TICKETS = Math.max(50, positive('seed-tickets', flags['seed-tickets'], 100_000));
const PATHS = (flags.paths ?? '').split(',').filter((p): p is PathName => p in TARGETS_BY_PATH);
const EXTERNAL = flags.url
  ?.split(',')
  .map((u) => u.trim().replace(/\/+$/, ''))
  .filter(Boolean);

const DESCRIPTIONS = [
  'The keypad is dead, no lights at all since this morning',
  'App says the lock is offline since we changed the router last week',
  'Bolt is stiff and jams halfway, guest had to push the door hard',
  'Code rejected for the cleaner, it worked yesterday',
  'Motor runs but the bolt does not move',
  'Low battery warning keeps flashing even after new batteries',
  'Guest locked out at 11pm, keypad beeps three times and nothing happens',
  'Auto-lock stopped working after the firmware update',
];

interface Session {
  token: string;
  email: string;
  password: string;
  tenantId: string;
  deviceIds: string[];
}

/** progress() once per new value (autocannon and pgbench may report the last second twice). */
function stepper(label: string, total: number): (done: number) => void {
  let last = -1;
  return (done) => {
    const d = Math.min(done, total);
    if (d <= last) return;
    last = d;
    progress(label, d, total);
  };
}

// ---------------------------------------------------------------- setup

async function setUpDesk(base: string): Promise<Session> {
  const tag = randomBytes(4).toString('hex');
  const email = `bench-admin-${tag}@example.com`;
  const password = 'bench-password-123';
  const signup = await call<{ accessToken: string; tenant: { id: string } }>(
    base,
    'POST',
    '/v1/auth/signup',
    { body: { tenantName: `Bench Rentals ${tag}`, email, password, name: 'Bench Admin' } },
  );
  expectStatus(signup, 201, 'signup');
  const token = signup.body.accessToken;
  for (let i = 0; i < 4; i++) {
    const res = await call(base, 'POST', '/v1/users', {
      token,
      body: {
        email: `agent-${i}-${tag}@example.com`,
        name: `Agent ${i}`,
        role: 'agent',
        password: 'agent-password-123',
      },
    });
    expectStatus(res, 201, 'agent');
  }
  expectStatus(
    await call(base, 'PUT', '/v1/settings/desk', { token, body: { autoAssign: true } }),
    200,
    'desk settings',
  );
  const properties: string[] = [];
  for (const [name, city] of [
    ['Harbour Lofts', 'Porto'],
    ['Old Town Suites', 'Lisbon'],
  ] as const) {
    const prop = await call<{ id: string }>(base, 'POST', '/v1/properties', {
      token,
      body: {
        name,
        address: { line1: '1 Main St', city, postalCode: '4000-001', country: 'PT' },
        timeZone: 'Europe/Lisbon',
      },
    });
    expectStatus(prop, 201, 'property');
    properties.push(prop.body.id);
  }
  // Reference catalog models: Bluetooth-only and Wi-Fi, with and without a key cylinder.
  const models = ['Assure Lock 2 Keypad', 'Assure Lock 2 Touch Wi-Fi', 'Assure Lock SL Z-Wave'];
  const devices = Array.from({ length: 100 }, (_, i) => ({
    serial: `BA-${tag}-${String(i).padStart(3, '0')}`,
    manufacturer: 'Yale',
    model: models[i % models.length],
    propertyId: properties[i % properties.length],
    unit: `${1 + (i % 20)}${'ABCDE'[i % 5]}`,
  }));
  const imported = await call<{ ids: string[] }>(base, 'POST', '/v1/devices/import', {
    token,
    body: { devices },
  });
  expectStatus(imported, 201, 'device import');
  const deviceIds = imported.body.ids;

  // A day of telemetry per lock: heartbeats, battery, some offline, a few jams and failed codes.
  const now = Date.now();
  const events: Record<string, unknown>[] = [];
  deviceIds.forEach((deviceId, i) => {
    const offline = i % 10 === 0;
    for (let h = 24; h >= (offline ? 6 : 0); h -= 2) {
      events.push({ deviceId, type: 'heartbeat', at: new Date(now - h * 3_600_000).toISOString() });
    }
    events.push({
      deviceId,
      type: 'battery',
      at: new Date(now - 3_600_000).toISOString(),
      batteryPercent: i % 7 === 0 ? 8 + (i % 10) : 35 + ((i * 13) % 60),
    });
    if (i % 9 === 0)
      events.push({ deviceId, type: 'jam', at: new Date(now - 1_800_000).toISOString() });
    if (i % 11 === 0)
      events.push({ deviceId, type: 'code_failed', at: new Date(now - 900_000).toISOString() });
  });
  const telemetry = await call<{ accepted: number }>(base, 'POST', '/v1/telemetry', {
    token,
    body: { events },
  });
  expectStatus(telemetry, 200, 'telemetry');

  let done = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let i = next++; i < SEED_TICKETS; i = next++) {
        const res = await call(base, 'POST', '/v1/tickets', {
          token,
          body: ticketBody(deviceIds, i),
        });
        expectStatus(res, 201, 'seed ticket');
        progress('seed tickets', ++done, SEED_TICKETS);
      }
    }),
  );
  log(
    `  tenant with 5 users (auto-assign on), 2 properties, ${deviceIds.length} locks, ` +
      `${telemetry.body.accepted} telemetry events, ${SEED_TICKETS} tickets`,
  );
  return { token, email, password, tenantId: signup.body.tenant.id, deviceIds };
}

/** A new ticket each time (`separate`: a lock's open ticket would otherwise take the report). */
function ticketBody(
  deviceIds: string[],
  i: number,
): { deviceId: string; description: string; separate: true } {
  return {
    deviceId: deviceIds[(i * 7) % deviceIds.length]!,
    description: DESCRIPTIONS[i % DESCRIPTIONS.length]!,
    separate: true,
  };
}

async function login(base: string, s: Session): Promise<string> {
  const res = await call<{ accessToken: string }>(base, 'POST', '/v1/auth/login', {
    body: { email: s.email, password: s.password },
  });
  expectStatus(res, 200, 'login');
  return res.body.accessToken;
}

// ---------------------------------------------------------------- capture

interface PathRequest {
  method: 'GET' | 'POST';
  path: string;
  /** A body per request (autocannon calls it for every request). */
  body?: (i: number) => unknown;
}

function requestOf(name: PathName, s: Session): PathRequest {
  return name === 'create'
    ? { method: 'POST', path: '/v1/tickets', body: (i) => ticketBody(s.deviceIds, i) }
    : { method: 'GET', path: '/v1/tickets?limit=50' };
}

async function readCapture(file: string, state: 'on' | 'off'): Promise<CaptureFile> {
  for (let i = 0; i < 200; i++) {
    try {
      const c = JSON.parse(readFileSync(file, 'utf8')) as CaptureFile;
      if (c.state === state) return c;
    } catch {
      // not written yet
    }
    await sleep(25);
  }
  throw new Error(`the capturing instance did not switch capture ${state}`);
}

/** The statements one request sends, from the instance that preloads statement-capture. */
async function capture(
  app: AppInstance,
  file: string,
  req: PathRequest,
  token: string,
): Promise<CaptureFile> {
  writeFileSync(file, '');
  process.kill(app.pid, 'SIGUSR2');
  await readCapture(file, 'on');
  const res = await call(app.base, req.method, req.path, {
    token,
    ...(req.body ? { body: req.body(1_000_003) } : {}),
  });
  if (res.status >= 300) throw new Error(`capture request answered ${res.status}`);
  writeFileSync(file, '');
  process.kill(app.pid, 'SIGUSR2');
  return readCapture(file, 'off');
}

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The pgbench script of a captured request: parameters inlined as literals (pgbench's simple
 * protocol; the app uses the extended one, unnamed statements, so each statement is parsed and
 * planned per execution in both). A UUIDv7 minted during the request becomes a new id per
 * transaction (time from now(), random tail), the same in every statement that names it.
 */
function pgbenchScript(c: CaptureFile): { script: string; fresh: number } {
  const freshIds = new Map<string, string>();
  const literal = (v: string | null): string => {
    if (v === null) return 'NULL';
    if (UUID_V7.test(v) && parseInt(v.replace(/-/g, '').slice(0, 12), 16) >= c.startedAt - 5) {
      let name = freshIds.get(v);
      if (!name) freshIds.set(v, (name = `ld_id${freshIds.size + 1}`));
      return (
        `(lpad(to_hex((extract(epoch FROM now()) * 1000)::bigint), 12, '0') || '7' ||` +
        ` substr(md5(:${name}::text || ':' || :client_id::text), 1, 19))::uuid`
      );
    }
    return `'${v.replace(/'/g, "''")}'`;
  };
  const body = c.statements.map((s) => {
    const sql = s.text.replace(/\$(\d+)/g, (_m, n: string) =>
      literal(s.values[Number(n) - 1] ?? null),
    );
    return `${sql.trim().replace(/;\s*$/, '')};`;
  });
  const sets = [...freshIds.values()].map((n) => `\\set ${n} random(1, 9223372036854775806)`);
  return { script: [...sets, ...body].join('\n') + '\n', fresh: freshIds.size };
}

function summarize(s: CapturedStatement): string {
  const oneLine = s.text.replace(/\s+/g, ' ').trim();
  return oneLine.length > 110 ? `${oneLine.slice(0, 107)}...` : oneLine;
}

// ---------------------------------------------------------------- load

interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  /** Peak RSS per instance during the run, MB (empty for instances the bench did not start). */
  rssMb: number[];
}

function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

async function drive(
  label: string,
  bases: string[],
  req: PathRequest,
  token: string,
  seconds: number,
  pids: number[],
): Promise<LoadResult> {
  const peak = pids.map(() => 0);
  const sampler = setInterval(() => {
    pids.forEach((pid, i) => (peak[i] = Math.max(peak[i]!, rssMb(pid))));
  }, 250);
  let counter = 0;
  let elapsed = 0;
  const step = stepper(label, seconds);
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        // Several URLs: autocannon spreads the connections over them (its types say one string).
        url: bases.map((b) => b + req.path) as unknown as string,
        connections: CONNECTIONS,
        duration: seconds,
        method: req.method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(req.body ? { 'content-type': 'application/json' } : {}),
        },
        ...(req.body
          ? {
              requests: [
                {
                  method: req.method,
                  setupRequest: (r: autocannon.Request) => ({
                    ...r,
                    body: JSON.stringify(req.body!(counter++)),
                  }),
                },
              ],
            }
          : {}),
      },
      (err, res) =>
        err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(res),
    );
    instance.on('tick', () => step(++elapsed));
  });
  clearInterval(sampler);
  step(seconds);
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    rssMb: peak,
  };
}

// ---------------------------------------------------------------- ceiling

interface Ceiling {
  tps: number;
  tool: string;
  failed: number;
  note?: string;
}

function hasPgbench(): boolean {
  return spawnSync('pgbench', ['--version'], { stdio: 'ignore' }).status === 0;
}

function pgEnv(url: string): NodeJS.ProcessEnv {
  const u = new URL(url);
  return {
    ...process.env,
    PGHOST: u.hostname,
    PGPORT: u.port || '5432',
    PGUSER: decodeURIComponent(u.username),
    PGPASSWORD: decodeURIComponent(u.password),
    PGDATABASE: u.pathname.slice(1),
    // As the app's connections start: the restricted role, so row-level security applies.
    PGOPTIONS: `-c role=${RUNTIME_ROLE}`,
  };
}

function runPgbench(
  label: string,
  url: string,
  scriptFile: string,
  args: string[],
  seconds: number,
): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      'pgbench',
      ['-n', '-M', 'simple', '-c', String(CONNECTIONS), '-j', '2', '-f', scriptFile, ...args],
      { env: pgEnv(url), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    const step = stepper(label, seconds);
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString();
      for (const m of d.toString().matchAll(/^progress: ([\d.]+) s/gm)) {
        if (seconds > 0) step(Math.round(Number(m[1])));
      }
    });
    child.on('close', (code) => {
      if (seconds > 0) step(seconds);
      resolve({ code: code ?? 1, out });
    });
  });
}

async function pgbenchCeiling(
  label: string,
  url: string,
  scriptFile: string,
  warmup: number,
): Promise<Ceiling> {
  // One transaction first: a script that cannot replay fails here, with pgbench's message.
  const check = await runPgbench(label, url, scriptFile, ['-c', '1', '-t', '1'], 0);
  if (check.code !== 0) {
    return { tps: 0, tool: 'pgbench', failed: 1, note: `script failed: ${lastLines(check.out)}` };
  }
  if (warmup > 0)
    await runPgbench(
      `${label} warm-up`,
      url,
      scriptFile,
      ['-T', String(warmup), '-P', '1'],
      warmup,
    );
  const run = await runPgbench(
    label,
    url,
    scriptFile,
    ['-T', String(DURATION), '-P', '1'],
    DURATION,
  );
  const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(run.out);
  const failed = /number of failed transactions: (\d+)/.exec(run.out);
  return {
    tps: tps ? Number(tps[1]) : 0,
    tool: 'pgbench',
    failed: failed ? Number(failed[1]) : run.code === 0 ? 0 : 1,
    ...(run.code !== 0 ? { note: lastLines(run.out) } : {}),
  };
}

function lastLines(out: string): string {
  return out.trim().split('\n').slice(-3).join(' | ');
}

/** Without pgbench: the same statements in a raw pg loop, one client per connection. */
async function pgLoopCeiling(label: string, url: string, c: CaptureFile): Promise<Ceiling> {
  const clients = await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      const client = new pg.Client({ connectionString: url, options: `-c role=${RUNTIME_ROLE}` });
      await client.connect();
      return client;
    }),
  );
  const fresh = (v: string | null): string | null =>
    v !== null &&
    UUID_V7.test(v) &&
    parseInt(v.replace(/-/g, '').slice(0, 12), 16) >= c.startedAt - 5
      ? v
      : null;
  let count = 0;
  let failed = 0;
  const run = async (seconds: number, counted: boolean) => {
    const end = performance.now() + seconds * 1000;
    await Promise.all(
      clients.map(async (client) => {
        while (performance.now() < end) {
          const ids = new Map<string, string>();
          const mint = (v: string) => {
            let id = ids.get(v);
            if (!id) {
              const hex =
                Date.now().toString(16).padStart(12, '0') +
                '7' +
                randomBytes(10).toString('hex').slice(0, 19);
              id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
              ids.set(v, id);
            }
            return id;
          };
          try {
            for (const s of c.statements) {
              await client.query(
                s.text,
                s.values.map((v) => (fresh(v) ? mint(v!) : v)),
              );
            }
            if (counted) count++;
          } catch {
            await client.query('ROLLBACK').catch(() => undefined);
            if (counted) failed++;
          }
        }
      }),
    );
  };
  if (WARMUP > 0) await run(WARMUP, false);
  log(`  ${label}: pg loop for ${DURATION} s`);
  await run(DURATION, true);
  await Promise.all(clients.map((cl) => cl.end()));
  return { tps: count / DURATION, tool: `pg loop (${CONNECTIONS} clients)`, failed };
}

// ---------------------------------------------------------------- main

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', {
    maximumFractionDigits: digits,
    minimumFractionDigits: digits,
  });
}

async function main(): Promise<void> {
  if (PATHS.length === 0) throw new Error('--paths: name create and/or list');
  const started: AppInstance[] = [];
  let db: BenchDatabase | undefined;
  let captureApp: AppInstance | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'lockdesk-bench-api-'));
  const captureFile = join(dir, 'capture.json');
  const jwtSecret = randomBytes(32).toString('hex');
  const appEnv = {
    JWT_SECRET: jwtSecret,
    ACCESS_TOKEN_TTL_SECONDS: '86400',
    // The per-tenant limit stays on (its counting is part of every request) but is never reached.
    RATE_LIMIT_PER_TENANT: '10000000',
    // No job rounds: the capture must hold only the request's statements.
    JOBS_INTERVAL_SECONDS: '0',
    IDEMPOTENCY_PURGE_INTERVAL_SECONDS: '0',
  };
  try {
    let bases: string[];
    let ownerUrl: string | undefined;
    let postgres = 'an external PostgreSQL';
    if (EXTERNAL) {
      bases = EXTERNAL;
      ownerUrl = flags['database-url'];
      log(`LockDesk API benchmark against ${bases.join(', ')}, node ${process.version}`);
    } else {
      db = await startBenchDatabase();
      ownerUrl = db.url;
      postgres = db.postgres;
      log(
        `LockDesk API benchmark on ${postgres}, node ${process.version}, ${INSTANCES} instance(s)`,
      );
      for (let i = 0; i < INSTANCES; i++) {
        const preload = i === 0 ? ['--import', './dist/bench/statement-capture.js'] : [];
        started.push(
          await startAppInstance(
            db.url,
            { ...appEnv, ...(i === 0 ? { LOCKDESK_CAPTURE_FILE: captureFile } : {}) },
            preload,
          ),
        );
      }
      captureApp = started[0];
      bases = started.map((a) => a.base);
    }
    const pool = process.env.DATABASE_POOL_SIZE ?? '10 (default)';
    log(
      `  ${CONNECTIONS} connections, ${WARMUP} s warm-up + ${DURATION} s per path, ` +
        `app pool ${pool} per instance, machine: ${(await import('node:os')).cpus().length} cores`,
    );

    log('\nSetting up the desk');
    const session = await setUpDesk(bases[0]!);

    // The statements of each path, from an instance that records them.
    const scripts = new Map<PathName, { file: string; capture: CaptureFile }>();
    if (!captureApp && ownerUrl) {
      log('\nStarting a capturing instance on --database-url (the targets are not ours to wrap)');
      captureApp = await startAppInstance(
        ownerUrl,
        { ...appEnv, MIGRATIONS_RUN: 'false', LOCKDESK_CAPTURE_FILE: captureFile },
        ['--import', './dist/bench/statement-capture.js'],
      );
    }
    if (captureApp) {
      const token = await login(captureApp.base, session);
      // Warm the capturing instance's pool and caches first.
      for (const name of PATHS) {
        const req = requestOf(name, session);
        await call(captureApp.base, req.method, req.path, {
          token,
          ...(req.body ? { body: req.body(999_999) } : {}),
        });
      }
      log("\nStatements per request (captured from the app's pg client)");
      for (const name of PATHS) {
        const c = await capture(captureApp, captureFile, requestOf(name, session), token);
        const { script, fresh } = pgbenchScript(c);
        const file = join(dir, `${name}.sql`);
        writeFileSync(file, script);
        scripts.set(name, { file, capture: c });
        log(
          `  ${name}: ${c.statements.length} statements (${fresh} fresh id(s) per transaction), ${file}`,
        );
        for (const s of c.statements) log(`    ${summarize(s)}`);
      }
      if (!started.includes(captureApp)) await captureApp.stop();
    } else {
      log('\nNo --database-url: the ceiling (pgbench) is skipped for external targets');
    }

    const listPage = await call<{ data: unknown[] }>(bases[0]!, 'GET', '/v1/tickets?limit=50', {
      token: await login(bases[0]!, session),
    });
    const pageBytes = Buffer.byteLength(JSON.stringify(listPage.body));
    log(`\nA list page: ${listPage.body.data.length} tickets, ${fmt(pageBytes / 1024, 1)} KB`);

    const results = new Map<PathName, LoadResult>();
    for (const name of PATHS) {
      const req = requestOf(name, session);
      const token = await login(bases[0]!, session);
      const label = `${req.method} ${req.path}`;
      log(`\n${label}`);
      if (WARMUP > 0) await drive('warm-up', bases, req, token, WARMUP, []);
      results.set(
        name,
        await drive(
          'measure',
          bases,
          req,
          token,
          DURATION,
          started.map((a) => a.pid),
        ),
      );
    }

    const ceilings = new Map<PathName, Ceiling>();
    if (ownerUrl && scripts.size > 0) {
      // pgbench when the machine has it (--ceiling pg: the raw pg loop even then).
      const pgbench = flags.ceiling !== 'pg' && hasPgbench();
      log(
        `\nThe database alone, same statements, ${CONNECTIONS} clients (${pgbench ? 'pgbench' : flags.ceiling === 'pg' ? 'pg loop, --ceiling pg' : 'pg loop: no pgbench here'})`,
      );
      for (const name of PATHS) {
        const s = scripts.get(name);
        if (!s) continue;
        ceilings.set(
          name,
          pgbench
            ? await pgbenchCeiling(name, ownerUrl, s.file, WARMUP)
            : await pgLoopCeiling(name, ownerUrl, s.capture),
        );
      }
    }

    // ------------------------------------------------------------ report
    log(
      `\nResults (${postgres}; ${bases.length} instance(s); ${CONNECTIONS} connections; ${DURATION} s each)`,
    );
    log(
      '| path | req/s | p50 ms | p99 ms | errors | non-2xx | ceiling tps | ratio | target | peak RSS MB |',
    );
    log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    const verdicts: string[] = [];
    for (const name of PATHS) {
      const r = results.get(name)!;
      const c = ceilings.get(name);
      const t = TARGETS_BY_PATH[name];
      const ratio = c && c.tps > 0 ? r.rps / c.tps : undefined;
      const req = requestOf(name, session);
      log(
        `| \`${req.method} ${req.path}\` | ${fmt(r.rps)} | ${fmt(r.p50, 1)} | ${fmt(r.p99, 1)} | ` +
          `${r.errors + r.timeouts} | ${r.non2xx} | ${c ? fmt(c.tps) : 'n/a'} | ` +
          `${ratio === undefined ? 'n/a' : `${fmt(ratio * 100)}%`} | >= ${t.ratio * 100}%, p99 <= ${t.p99Ms} ms | ` +
          `${r.rssMb.length ? r.rssMb.map((m) => fmt(m)).join(' / ') : 'n/a'} |`,
      );
      const miss: string[] = [];
      if (ratio === undefined) miss.push('ratio not measured');
      else if (ratio < t.ratio) miss.push(`ratio ${fmt(ratio * 100)}% < ${t.ratio * 100}%`);
      if (r.p99 > t.p99Ms) miss.push(`p99 ${fmt(r.p99, 1)} ms > ${t.p99Ms} ms`);
      if (r.errors + r.timeouts + r.non2xx > 0)
        miss.push(`${r.errors + r.timeouts} errors, ${r.non2xx} non-2xx`);
      const over = r.rssMb.filter((m) => m >= RSS_LIMIT_MB);
      if (over.length)
        miss.push(`RSS ${over.map((m) => fmt(m)).join('/')} MB >= ${RSS_LIMIT_MB} MB`);
      if (c?.failed)
        miss.push(
          `ceiling run had ${c.failed} failed transaction(s)${c.note ? `: ${c.note}` : ''}`,
        );
      verdicts.push(`  ${name}: ${miss.length ? `MISSED (${miss.join('; ')})` : 'met'}`);
    }
    log(
      `\nTargets: creation >= 30% of its ceiling, list >= 50%, p99 <= 50 ms, zero errors, ` +
        `one instance's RSS < ${RSS_LIMIT_MB} MB`,
    );
    for (const v of verdicts) log(v);
    log(
      "\nThe app, the database and both load tools share this machine's cores: compare ratios taken in one run.",
    );
  } finally {
    for (const a of started) await a.stop().catch(() => undefined);
    if (captureApp && !started.includes(captureApp)) await captureApp.stop().catch(() => undefined);
    await db?.drop().catch(() => undefined);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(
    `bench:api failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
