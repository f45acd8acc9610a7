/**
 * Tickets benchmark: creating tickets (diagnosis, timeline event and outbox
 * message in one transaction) over HTTP, and reading a page of 50 from a
 * tenant with 100,000 tickets.
 *
 *   npm run bench:tickets                       (embedded PostgreSQL)
 *   DATABASE_URL=postgres://... npm run bench:tickets
 */
import pg from 'pg';
import {
  benchTenant,
  call,
  expectStatus,
  log,
  median,
  percentile,
  progress,
  startBenchServer,
} from './support.js';

const CREATE = Number(process.env.BENCH_CREATE ?? 1000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const SEED = Number(process.env.BENCH_SEED ?? 100_000);
const PAGE_READS = 200;
const DESCRIPTIONS = [
  'The keypad is dead, no lights at all',
  'App says the lock is offline since we changed the router',
  'Bolt is stiff and jams halfway',
  'Code rejected for the cleaner, worked yesterday',
  'Motor runs but the bolt does not move',
  'Low battery warning keeps flashing after new batteries',
];

async function main(): Promise<void> {
  const server = await startBenchServer({ JOBS_INTERVAL_SECONDS: '0' });
  try {
    log(`LockDesk tickets benchmark on ${server.postgres}, node ${process.version}`);
    const { token, tenantId } = await benchTenant(server.base, 'Tickets');
    const prop = await call<{ id: string }>(server.base, 'POST', '/v1/properties', {
      token,
      body: {
        name: 'Bench Court',
        address: { line1: '1 Court St', city: 'Porto', postalCode: '4000-001', country: 'PT' },
        timeZone: 'Europe/Lisbon',
      },
    });
    expectStatus(prop, 201, 'property');
    const devices = Array.from({ length: 100 }, (_, i) => ({
      serial: `TB-${i}`,
      manufacturer: 'Yale',
      model: 'Assure Lock 2 Keypad',
      propertyId: prop.body.id,
    }));
    const imported = await call<{ ids: string[] }>(server.base, 'POST', '/v1/devices/import', {
      token,
      body: { devices },
    });
    expectStatus(imported, 201, 'import');
    const ids = imported.body.ids;

    log(
      `\nCreate: ${CREATE} tickets over HTTP, ${CONCURRENCY} concurrent (each: diagnosis + ticket + history + event + outbox)`,
    );
    const latencies: number[] = [];
    let next = 0;
    let done = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let i = next++; i < CREATE; i = next++) {
          const s = performance.now();
          const res = await call(server.base, 'POST', '/v1/tickets', {
            token,
            body: {
              deviceId: ids[i % ids.length],
              description: DESCRIPTIONS[i % DESCRIPTIONS.length],
              // A new ticket each time: a lock's open ticket would otherwise take the report.
              separate: true,
            },
          });
          latencies.push(performance.now() - s);
          expectStatus(res, 201, 'ticket');
          progress('tickets', ++done, CREATE);
        }
      }),
    );
    const createSeconds = (performance.now() - t0) / 1000;

    log(`\nSeed: ${SEED} more tickets for the same tenant (set-based SQL copies of real ones)`);
    const url = new URL(server.postgresUrl);
    const owner = new pg.Client({ connectionString: url.toString() });
    await owner.connect();
    await owner.query(`BEGIN`);
    await owner.query(`SELECT set_config('app.tenant_id', $1, true)`, [tenantId]);
    // 50 real tickets (with their diagnoses' pointers) as the pattern, numbered 0..49.
    await owner.query(
      `CREATE TEMP TABLE pattern ON COMMIT DROP AS
         SELECT (row_number() OVER (ORDER BY id) - 1)::int AS rn, * FROM tickets ORDER BY id LIMIT 50`,
    );
    const chunk = 20_000;
    for (let seeded = 0; seeded < SEED; seeded += chunk) {
      const n = Math.min(chunk, SEED - seeded);
      await owner.query(
        // Each seeded ticket gets its own diagnosis history row (a copy of its pattern's current
        // diagnosis): the full diagnosis lives only there, the ticket keeps a pointer and a summary.
        `WITH counter AS (UPDATE ticket_counters SET last_number = last_number + $1 RETURNING last_number - $1 AS base),
         src AS (
           SELECT g, s.*,
                  (lpad(to_hex((extract(epoch FROM now()) * 1000)::bigint - 86400000 + $2 + g), 12, '0')
                    || '7000' || '8' || substr(md5(g::text || random()::text), 1, 15))::uuid AS new_id,
                  (lpad(to_hex((extract(epoch FROM now()) * 1000)::bigint - 86400000 + $2 + g), 12, '0')
                    || '7000' || '9' || substr(md5(g::text || random()::text), 1, 15))::uuid AS new_diagnosis_id
             FROM generate_series(1, $1) g JOIN pattern s ON s.rn = g % 50
         ), t AS (
           INSERT INTO tickets (tenant_id, id, number, device_id, property_id, reporter_id, assignee_id, status, priority,
             source, symptoms, description, diagnosis_id, diagnosis_summary, version, first_response_minutes,
             resolution_minutes, first_response_due_at, resolution_due_at, search, created_at, updated_at)
           SELECT s.tenant_id, s.new_id, counter.base + s.g, s.device_id, s.property_id, s.reporter_id, s.assignee_id,
                  (ARRAY['new','open','pending','on_hold','solved','closed'])[1 + s.g % 6], s.priority, s.source, s.symptoms,
                  s.description, s.new_diagnosis_id, s.diagnosis_summary, 1, s.first_response_minutes, s.resolution_minutes,
                  s.first_response_due_at, s.resolution_due_at, s.search, s.created_at, s.updated_at
             FROM src s CROSS JOIN counter
         )
         INSERT INTO ticket_diagnoses (tenant_id, id, ticket_id, trigger, diagnosis)
         SELECT s.tenant_id, s.new_diagnosis_id, s.new_id, 'created', d.diagnosis
           FROM src s JOIN ticket_diagnoses d ON d.tenant_id = s.tenant_id AND d.id = s.diagnosis_id`,
        [n, seeded],
      );
      progress('seeded', seeded + n, SEED);
    }
    await owner.query(`COMMIT`);
    await owner.query(`ANALYZE tickets`);

    const explain = async (sql: string) => {
      await owner.query('BEGIN');
      await owner.query(`SELECT set_config('app.tenant_id', $1, true)`, [tenantId]);
      // As the app runs it: the restricted role, under row-level security (a superuser would bypass it).
      await owner.query(`SET LOCAL ROLE lockdesk_app`);
      const { rows } = await owner.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`);
      await owner.query('COMMIT');
      return rows.map((r) => r['QUERY PLAN']).join('\n');
    };
    const plan = await explain(
      `SELECT id FROM tickets WHERE status = 'open' ORDER BY id DESC LIMIT 51`,
    );
    const planAll = await explain(`SELECT id FROM tickets ORDER BY id DESC LIMIT 51`);
    await owner.end();

    log(
      `\nRead: ${PAGE_READS} pages of 50 (newest first; and filtered by status), following cursors`,
    );
    const pageMs: number[] = [];
    const filteredMs: number[] = [];
    let cursor: string | null = null;
    let cursorF: string | null = null;
    for (let i = 0; i < PAGE_READS; i++) {
      let s = performance.now();
      const page: { status: number; body: { data: unknown[]; nextCursor: string | null } } =
        await call<{ data: unknown[]; nextCursor: string | null }>(
          server.base,
          'GET',
          `/v1/tickets?limit=50${cursor ? `&cursor=${cursor}` : ''}`,
          { token },
        );
      pageMs.push(performance.now() - s);
      expectStatus(page, 200, 'page');
      cursor = page.body.nextCursor;
      s = performance.now();
      const filtered: { status: number; body: { data: unknown[]; nextCursor: string | null } } =
        await call<{ data: unknown[]; nextCursor: string | null }>(
          server.base,
          'GET',
          `/v1/tickets?limit=50&status=open${cursorF ? `&cursor=${cursorF}` : ''}`,
          { token },
        );
      filteredMs.push(performance.now() - s);
      cursorF = filtered.body.nextCursor;
      progress('pages', i + 1, PAGE_READS);
    }

    log('\nResults');
    log(
      `  create: ${CREATE} tickets in ${createSeconds.toFixed(1)} s = ${Math.round(CREATE / createSeconds)} tickets/s; p50 ${median(latencies).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms`,
    );
    log(
      `  page of 50 of ${SEED + CREATE} tickets: p50 ${median(pageMs).toFixed(1)} ms, p99 ${percentile(pageMs, 99).toFixed(1)} ms`,
    );
    log(
      `  page of 50, status=open: p50 ${median(filteredMs).toFixed(1)} ms, p99 ${percentile(filteredMs, 99).toFixed(1)} ms`,
    );
    log(`  plan (newest first):\n    ${planAll.split('\n').join('\n    ')}`);
    log(`  plan (status=open):\n    ${plan.split('\n').join('\n    ')}`);
  } finally {
    await server.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
