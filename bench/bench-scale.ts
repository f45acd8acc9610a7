/**
 * npm run bench:scale   (after npm run seed:scale; same DATABASE_URL, or the embedded server)
 *
 * The read and ingestion paths on the scale data set, as the app runs them: the restricted
 * runtime role (the app's own pool options: `-c role=lockdesk_app`, row-level security on),
 * each call one `TenantDb.tenantTransaction` (set_config of the tenant first) around the
 * repositories' and services' own code, not copies of their SQL:
 *
 *   ticket list, first page and a deep cursor page, largest tenant   target p95 <= 20 ms
 *   full-text search, largest tenant                                  target p95 <= 50 ms
 *   fleet health, the 10,000-lock tenant                              target p95 <= 100 ms
 *   device health                                                     target p95 <= 10 ms
 *   desk reports and scorecards, largest tenant, 30 and 365 days      target p95 <= 200 ms
 *   telemetry ingestion, 10M events present                           target >= 20,000 events/s
 *   fleet-incident detection, largest tenant / every tenant (a round)  target <= 1 s per round
 *
 * Each query's EXPLAIN (ANALYZE, BUFFERS), taken as the runtime role in the same kind of
 * transaction, goes to bench/results/scale-explain.txt.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { DataSource } from 'typeorm';
import type { UserActor } from '../src/auth/index.js';
import { websearchText } from '../src/common/search.js';
import { loadConfig } from '../src/config/config.js';
import { runtimeDataSourceOptions } from '../src/database/data-source.js';
import { TenantDb, type TenantTx } from '../src/database/tenant-db.service.js';
import type { DevicesService } from '../src/devices/devices.service.js';
import { FleetService } from '../src/devices/fleet.service.js';
import { readDeviceHealth } from '../src/devices/health.js';
import { ingestTelemetry, type TelemetryInsert } from '../src/devices/telemetry.repository.js';
import { IncidentDetection } from '../src/incidents/incident-detection.service.js';
import { dueIncidentTenants } from '../src/incidents/incidents.repository.js';
import { listTickets, type TicketFilter } from '../src/tickets/tickets.repository.js';
import { SystemClock } from '../src/common/clock.js';
import { type ReportName, ReportsService } from '../src/reports/reports.service.js';
import { ScorecardsService } from '../src/reports/scorecards.service.js';
import {
  formatTicketBytes,
  openScaleServer,
  readMarker,
  ticketBytes,
  withClient,
} from './scale-db.js';
import { log, median, percentile } from './support.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 200);
const INGEST_EVENTS = Number(process.env.BENCH_INGEST_EVENTS ?? 200_000);
const INGEST_BATCH = 1_000;
const INGEST_CONCURRENCY = 4;
const EXPLAIN_FILE = 'bench/results/scale-explain.txt';

const SEARCHES = ['battery', 'keypad code rejected', 'router offline', '"door latch"', 'LD-4321'];

/** A ticket list filter with nothing set (the list endpoint's defaults). */
function filter(f: Partial<TicketFilter>): TicketFilter {
  return {
    before: null,
    status: null,
    priority: null,
    assigneeId: null,
    deviceId: null,
    propertyId: null,
    slaBreached: null,
    createdFrom: null,
    createdTo: null,
    text: null,
    number: null,
    limit: 51, // a page of 50: the service asks for one more to know whether a next page exists
    ...f,
  };
}

/** What the service turns `?q=` into (TicketsService.list). */
function searchFilter(q: string): TicketFilter {
  const n = /^\s*(?:LD-)?(\d{1,9})\s*$/i.exec(q);
  return filter({ text: websearchText(q), number: n ? Number(n[1]) : null });
}

/**
 * `tx` whose queries are EXPLAINed (ANALYZE, BUFFERS) first, in the same transaction, as the same
 * role and tenant, with the same parameters; the plans are appended to `out`.
 */
function explaining(tx: TenantTx, out: string[]): TenantTx {
  const em = new Proxy(tx.em, {
    get(target, prop, receiver) {
      if (prop !== 'query') return Reflect.get(target, prop, receiver) as unknown;
      return async (sql: string, params?: unknown[]) => {
        const plan = await target.query<{ 'QUERY PLAN': string }[]>(
          `EXPLAIN (ANALYZE, BUFFERS) ${sql}`,
          params,
        );
        out.push(
          `-- SQL\n${sql.replace(/^\n+/, '').trimEnd()}\n-- parameters: ${JSON.stringify(params ?? []).slice(0, 600)}\n-- plan\n${plan.map((r) => r['QUERY PLAN']).join('\n')}\n`,
        );
        return target.query<unknown>(sql, params);
      };
    },
  });
  return { em, tenantId: tx.tenantId };
}

class Rollback extends Error {}

interface Timing {
  name: string;
  target: string;
  p50: number;
  p95: number;
  p99: number;
  ok: boolean;
}

async function main(): Promise<void> {
  const server = await openScaleServer();
  const explains: string[] = [];
  const timings: Timing[] = [];
  let ds: DataSource | undefined;
  try {
    const marker = await readMarker(server);
    if (!marker) throw new Error('The scale data set is missing: run npm run seed:scale first.');
    const facts = await withClient(server.url, async (c) => {
      const tenant = await c.query<{ tenant_id: string; n: number }>(
        `SELECT tenant_id, last_number AS n FROM ticket_counters ORDER BY last_number DESC LIMIT 1`,
      );
      const fleet = await c.query<{ tenant_id: string; n: string }>(
        `SELECT tenant_id, count(*) AS n FROM devices GROUP BY tenant_id ORDER BY count(*) DESC LIMIT 1`,
      );
      const largest = tenant.rows[0]!;
      const deep = await c.query<{ id: string }>(
        `SELECT id FROM tickets WHERE tenant_id = $1 ORDER BY id DESC OFFSET $2 LIMIT 1`,
        [largest.tenant_id, Math.floor(largest.n * 0.9)],
      );
      const devices = await c.query<{ id: string }>(
        `SELECT id FROM devices WHERE tenant_id = $1 AND status = 'active' ORDER BY md5(id::text) LIMIT 500`,
        [largest.tenant_id],
      );
      const ingest = await c.query<{ tenant_id: string; ids: string[] }>(
        `SELECT tenant_id, array_agg(id) AS ids FROM devices
          WHERE status = 'active' AND tenant_id IN (SELECT tenant_id FROM ticket_counters ORDER BY last_number DESC LIMIT 20)
          GROUP BY tenant_id`,
      );
      const version = await c.query<{ v: string }>(`SELECT current_setting('server_version') AS v`);
      return {
        tenantId: largest.tenant_id,
        tickets: largest.n,
        fleetTenantId: fleet.rows[0]!.tenant_id,
        locks: Number(fleet.rows[0]!.n),
        deepId: deep.rows[0]!.id,
        deviceIds: devices.rows.map((r) => r.id),
        ingest: ingest.rows,
        version: version.rows[0]!.v,
        bytes: await ticketBytes(c),
      };
    });

    const config = loadConfig();
    ds = new DataSource(
      runtimeDataSourceOptions({
        databaseUrl: server.url,
        poolSize: INGEST_CONCURRENCY + 1,
        statementTimeoutMs: 60_000,
      }),
    );
    await ds.initialize();
    const db = new TenantDb(ds, ds);
    const settings = {
      offlineAfterMinutes: config.deviceOfflineAfterMinutes,
      lowBatteryPercent: config.lowBatteryPercent,
    };
    const actor = (tenantId: string) => ({ type: 'user', tenantId }) as UserActor;

    const [who] = await db.tenantTransaction(facts.tenantId, (tx) =>
      tx.em.query<{ role: string; superuser: boolean; bypassrls: boolean; rls: string }[]>(
        `SELECT current_user AS role, r.rolsuper AS superuser, r.rolbypassrls AS bypassrls,
                current_setting('row_security') AS rls
           FROM pg_roles r WHERE r.rolname = current_user`,
      ),
    );
    const header =
      `LockDesk scale benchmark: EXPLAIN (ANALYZE, BUFFERS) of each query as the app runs it\n` +
      `PostgreSQL ${facts.version}; data set seeded ${marker.seededAt} (${marker.tenants} tenants, ` +
      `${marker.tickets.toLocaleString('en')} tickets, ${marker.locks.toLocaleString('en')} locks, ` +
      `${marker.telemetry.toLocaleString('en')} telemetry events)\n` +
      `Role: ${who!.role} (superuser ${who!.superuser}, bypassrls ${who!.bypassrls}, row_security ${who!.rls}); ` +
      `app.tenant_id set with set_config(..., true) in each transaction (TenantDb.tenantTransaction).\n` +
      `Largest tenant ${facts.tenantId}: ${facts.tickets.toLocaleString('en')} tickets, ${facts.locks.toLocaleString('en')} locks.\n`;
    log(header);
    log(formatTicketBytes(facts.bytes));

    /** A TenantDb whose transactions EXPLAIN each statement first (into `out`). */
    class ExplainingDb extends TenantDb {
      constructor(private readonly out: string[]) {
        super(ds!, ds!);
      }
      override tenantTransaction<T>(
        tenantId: string,
        work: (tx: TenantTx) => Promise<T>,
      ): Promise<T> {
        return super.tenantTransaction(tenantId, (tx) => work(explaining(tx, this.out)));
      }
    }

    /** Times `run` (one transaction, through `db`) `runs` times after a warm-up, and EXPLAINs it once. */
    const measure = async (
      name: string,
      target: { p95: number },
      run: (db: TenantDb, i: number) => Promise<unknown>,
      runs = RUNS,
    ) => {
      const out: string[] = [];
      await run(new ExplainingDb(out), 0);
      explains.push(`==== ${name}\n\n${out.join('\n')}`);
      for (let i = 0; i < Math.min(5, runs); i++) await run(db, i);
      const ms: number[] = [];
      for (let i = 0; i < runs; i++) {
        const t0 = performance.now();
        await run(db, i);
        ms.push(performance.now() - t0);
      }
      const t: Timing = {
        name,
        target: `p95 <= ${target.p95} ms`,
        p50: median(ms),
        p95: percentile(ms, 95),
        p99: percentile(ms, 99),
        ok: percentile(ms, 95) <= target.p95,
      };
      timings.push(t);
      log(
        `  ${name}: p50 ${t.p50.toFixed(1)} ms, p95 ${t.p95.toFixed(1)} ms, p99 ${t.p99.toFixed(1)} ms (${runs} runs; target ${t.target}${t.ok ? '' : ', MISSED'})`,
      );
    };
    const largest = facts.tenantId;

    log('\nReads (each one transaction as the runtime role)');
    await measure('ticket list, first page of 50', { p95: 20 }, (db) =>
      db.tenantTransaction(largest, (tx) => listTickets(tx, filter({}))),
    );
    await measure(
      `ticket list, deep cursor page of 50 (after ${Math.floor(facts.tickets * 0.9).toLocaleString('en')} tickets)`,
      { p95: 20 },
      (db) =>
        db.tenantTransaction(largest, (tx) => listTickets(tx, filter({ before: facts.deepId }))),
    );
    await measure('ticket list, status=open, first page', { p95: 20 }, (db) =>
      db.tenantTransaction(largest, (tx) => listTickets(tx, filter({ status: 'open' }))),
    );
    for (const q of SEARCHES) {
      await measure(`search q=${q}`, { p95: 50 }, (db) =>
        db.tenantTransaction(largest, (tx) => listTickets(tx, searchFilter(q))),
      );
    }
    // The fleet service's own code (one scan, then counting in the process) without Nest's
    // container: it reads only the health settings from the devices service.
    const devices = { healthSettings: settings } as unknown as DevicesService;
    await measure(
      `fleet health (${facts.locks.toLocaleString('en')} locks)`,
      { p95: 100 },
      (db) => new FleetService(db, devices).health(actor(facts.fleetTenantId)),
      Math.min(RUNS, 50),
    );
    await measure('device health (snapshot + battery history)', { p95: 10 }, (db, i) =>
      db.tenantTransaction(largest, (tx) =>
        readDeviceHealth(tx, facts.deviceIds[i % facts.deviceIds.length]!, settings),
      ),
    );

    // Desk reports of the largest tenant (the service's own code: window, SQL, shaping), over the
    // last 30 days (the default) and over the whole year of tickets; the scorecards of a customer.
    const reportRuns = Math.min(RUNS, 30);
    const desk = { ...actor(largest), tenantKind: 'customer' } as UserActor;
    const reports: [ReportName, string][] = [
      ['tickets', 'cause'],
      ['tickets', 'model'],
      ['tickets', 'firmware'],
      ['tickets', 'property'],
      ['sla', 'priority'],
      ['outcomes', 'cause'],
      ['repeat-failures', 'lock'],
      ['mtbf', 'model'],
    ];
    for (const days of [30, 365]) {
      const from = new Date(Date.now() - days * 86_400_000).toISOString();
      for (const [name, groupBy] of reports) {
        await measure(
          `report ${name} groupBy=${groupBy}, last ${days} days`,
          { p95: 200 },
          (db) =>
            new ReportsService(db, new SystemClock()).report(desk, name, {
              from,
              groupBy: groupBy as never,
            }),
          reportRuns,
        );
      }
    }
    await measure(
      'partner scorecards of the largest tenant',
      { p95: 200 },
      (db) => new ScorecardsService(db, new SystemClock()).list(desk, {}),
      reportRuns,
    );

    // Fleet-incident detection as the job runs it (IncidentDetection.detect: claim, the one
    // set-based candidates statement, the tests, upserts, linking), rolled back so the data set
    // stays as seeded.
    class RollbackDb extends TenantDb {
      constructor(private readonly inner: TenantDb) {
        super(ds!, ds!);
      }
      override async tenantTransaction<T>(
        tenantId: string,
        work: (tx: TenantTx) => Promise<T>,
      ): Promise<T> {
        let result: T | undefined;
        await this.inner
          .tenantTransaction(tenantId, async (tx) => {
            result = await work(tx);
            throw new Rollback();
          })
          .catch((err: unknown) => {
            if (!(err instanceof Rollback)) throw err;
          });
        return result as T;
      }
    }
    log('\nFleet-incident detection (each run rolled back)');
    // Every tenant's detection row exists, as after the job's first round (a run's first insert of
    // it would collide with its own EXPLAIN ANALYZE, which executes the statement once more).
    await withClient(server.url, (c) =>
      c.query(`INSERT INTO incident_detection (tenant_id, last_run_at)
               SELECT id, now() - interval '1 day' FROM tenants WHERE kind = 'customer'
               ON CONFLICT (tenant_id) DO NOTHING`),
    );
    const now = new Date();
    await measure(
      'incident detection, largest tenant',
      { p95: 1000 },
      (db) => new IncidentDetection(new RollbackDb(db)).detect(largest, now, 0),
      Math.min(RUNS, 20),
    );
    // A whole round (every customer with an active lock), timed without EXPLAIN.
    const due = await dueIncidentTenants(ds, 0);
    const detection = new IncidentDetection(new RollbackDb(db));
    const rounds: number[] = [];
    let opened = 0;
    for (let r = 0; r < 4; r++) {
      opened = 0;
      const t0 = performance.now();
      for (const id of due) opened += (await detection.detect(id, now, 0)).opened;
      rounds.push(performance.now() - t0);
    }
    const round: Timing = {
      name: `incident detection, a whole round (${due.length} tenants, ${marker.tickets.toLocaleString('en')} tickets)`,
      target: 'p95 <= 1000 ms',
      p50: median(rounds.slice(1)),
      p95: percentile(rounds.slice(1), 95),
      p99: percentile(rounds.slice(1), 99),
      ok: percentile(rounds.slice(1), 95) <= 1000,
    };
    timings.push(round);
    log(
      `  ${round.name}: p50 ${round.p50.toFixed(0)} ms, worst ${round.p95.toFixed(0)} ms (3 rounds after a warm-up; target <= 1000 ms${round.ok ? '' : ', MISSED'}); a round would open ${opened} incident(s)`,
    );

    // The reads' plans are kept even if the ingestion run is cut short.
    await mkdir('bench/results', { recursive: true });
    await writeFile(EXPLAIN_FILE, `${header}\n${explains.join('\n')}`);

    log(
      `\nTelemetry ingestion: ${INGEST_EVENTS.toLocaleString('en')} new events in batches of ${INGEST_BATCH}, ${INGEST_CONCURRENCY} concurrent, over the 20 largest tenants' locks`,
    );
    const batch = (tenant: { ids: string[] }, n: number): TelemetryInsert[] => {
      const now = Date.now();
      return Array.from({ length: n }, (_, i) => {
        const type = ['heartbeat', 'battery', 'lock', 'unlock', 'signal', 'jam'][i % 6]!;
        return {
          deviceId: tenant.ids[Math.floor(Math.random() * tenant.ids.length)]!,
          type,
          at: new Date(now - Math.floor(Math.random() * 60_000)),
          key: `id:${randomBytes(8).toString('hex')}`,
          batteryPercent: type === 'battery' ? 40 + (i % 50) : null,
          signalDbm: type === 'signal' ? -60 - (i % 30) : null,
          online: null,
          firmwareVersion: null,
        };
      });
    };
    const first = facts.ingest[0]!;
    const out: string[] = [];
    await db
      .tenantTransaction(first.tenant_id, async (tx) => {
        await ingestTelemetry(explaining(tx, out), batch(first, INGEST_BATCH));
        throw new Rollback();
      })
      .catch((err: unknown) => {
        if (!(err instanceof Rollback)) throw err;
      });
    explains.push(
      `==== telemetry ingestion, one batch of ${INGEST_BATCH} (rolled back)\n\n${out.join('\n')}`,
    );
    const batchMs: number[] = [];
    let sent = 0;
    let inserted = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: INGEST_CONCURRENCY }, async () => {
        while (sent < INGEST_EVENTS) {
          sent += INGEST_BATCH;
          const tenant = facts.ingest[Math.floor(Math.random() * facts.ingest.length)]!;
          const rows = batch(tenant, INGEST_BATCH);
          const s = performance.now();
          // Not `inserted += await …`: that reads `inserted` before the await, and the four
          // workers' additions overwrite each other (it counted about a third of the events).
          const n = await db.tenantTransaction(tenant.tenant_id, (tx) => ingestTelemetry(tx, rows));
          inserted += n;
          batchMs.push(performance.now() - s);
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const rate = inserted / seconds;
    log(
      `  ${inserted.toLocaleString('en')} events in ${seconds.toFixed(1)} s = ${Math.round(rate).toLocaleString('en')} events/s; per batch p50 ${median(batchMs).toFixed(0)} ms, p95 ${percentile(batchMs, 95).toFixed(0)} ms (target >= 20,000 events/s${rate >= 20_000 ? '' : ', MISSED'})`,
    );

    await writeFile(EXPLAIN_FILE, `${header}\n${explains.join('\n')}`);
    log(`\nPlans: ${EXPLAIN_FILE}`);
    log('\n| path | p50 | p95 | p99 | target |');
    log('| --- | --- | --- | --- | --- |');
    for (const t of timings)
      log(
        `| ${t.name} | ${t.p50.toFixed(1)} ms | ${t.p95.toFixed(1)} ms | ${t.p99.toFixed(1)} ms | ${t.target}${t.ok ? '' : ' (missed)'} |`,
      );
    log(
      `| telemetry ingestion | | | | ${Math.round(rate).toLocaleString('en')} events/s (target >= 20,000) |`,
    );
  } finally {
    await ds?.destroy();
    await server.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
