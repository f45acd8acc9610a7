/**
 * npm run seed:scale [-- --fresh]
 *
 * A realistic data set for bench:scale, built with set-based SQL (INSERT ... SELECT over
 * generate_series): 1,000 tenants of Zipf-like sizes (the largest with 100,000 tickets and
 * 10,000 locks), 100,000 locks, 1,000,000 tickets with their diagnoses (real engine output:
 * a few hundred diagnoses of the training corpus's reports, computed here and reused),
 * diagnosis history, step outcomes, comments, timeline events with their outbox messages,
 * and 10,000,000 telemetry events. Progress is shown per phase (rows, rate, ETA).
 *
 * Target: `lockdesk_scale` on DATABASE_URL's server (a superuser URL), created and migrated
 * here, or an embedded PostgreSQL in .data/scale without DATABASE_URL. A finished seed is
 * reused; --fresh drops and rebuilds it. SCALE_FACTOR=0.01 builds a 1% set (for trying it).
 *
 * How it stays fast (PostgreSQL's "Populating a Database" advice): the secondary indexes and
 * the unreferenced unique constraints of the big tables are dropped and rebuilt after the load
 * with their exact definitions (checked), foreign-key triggers are skipped for this session
 * (session_replication_role = replica: the rows are consistent by construction), tickets and
 * telemetry load on two connections at once, and everything ends with VACUUM ANALYZE.
 *
 * Each table's columns are listed once, in its spec below (column -> SQL expression over the
 * staging rows), so a schema change (say, a diagnosis summary column on tickets) is one edit.
 */
import pg from 'pg';
import { REFERENCE_MODELS } from '../migrations/data/reference-catalog-v1.js';
import { runMigrations } from '../src/database/migrator.js';
import { loadCorpusDir } from '../src/diagnostics/corpus/corpus.js';
import type { DiagnosisResponseDto } from '../src/diagnostics/index.js';
import { diagnose, type DiagnosisInput } from '../src/diagnostics/engine/index.js';
import { DEFAULT_SLA } from '../src/tickets/desk-settings.js';
import {
  databaseExists,
  formatTicketBytes,
  openScaleServer,
  readMarker,
  SCALE_DATABASE,
  type SeedMarker,
  ticketBytes,
  withClient,
} from './scale-db.js';
import { log } from './support.js';

const FACTOR = Number(process.env.SCALE_FACTOR ?? 1);
const TENANTS = Math.max(10, Math.round(1000 * Math.min(1, FACTOR * 10)));
const TICKETS = Math.round(1_000_000 * FACTOR);
const TOP_TICKETS = Math.round(100_000 * FACTOR);
const LOCKS = Math.round(100_000 * FACTOR);
const TOP_LOCKS = Math.round(10_000 * FACTOR);
const TELEMETRY = Math.round(10_000_000 * FACTOR);
/** Tickets span a year, telemetry the last 30 days. */
const TICKET_DAYS = 365;
const TELEMETRY_DAYS = 30;
const CHUNKS = 20;

// ---------------------------------------------------------------------------------------------
// Progress

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en');
}

function secs(s: number): string {
  return s >= 90
    ? `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`
    : `${s.toFixed(0)}s`;
}

const started = performance.now();

/** A phase with a known amount of work: each step prints rows, rate and the phase's ETA. */
function phase(name: string, total: number) {
  const t0 = performance.now();
  let done = 0;
  return {
    step(rows: number, weight = rows): void {
      done += weight;
      const s = (performance.now() - t0) / 1000;
      const rate = done / Math.max(s, 0.001);
      const eta = rate > 0 ? (total - done) / rate : 0;
      log(
        `  [${name}] ${fmt(Math.min(done, total))}/${fmt(total)} (${((100 * done) / total).toFixed(0)}%)` +
          `  +${fmt(rows)} rows  ${fmt(rate)}/s  ETA ${secs(Math.max(0, eta))}  (total ${secs((performance.now() - started) / 1000)})`,
      );
    },
    end(): void {
      log(`  [${name}] done in ${secs((performance.now() - t0) / 1000)}`);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Sizes: Zipf-like, the largest tenant first

/** The exponent s for which sum_{i<=n} i^-s = ratio (the total over the largest). */
function zipfExponent(n: number, ratio: number): number {
  let lo = 0;
  let hi = 3;
  for (let k = 0; k < 60; k++) {
    const s = (lo + hi) / 2;
    let sum = 0;
    for (let i = 1; i <= n; i++) sum += i ** -s;
    if (sum > ratio) lo = s;
    else hi = s;
  }
  return (lo + hi) / 2;
}

/** n integer sizes summing to total, the first about `top`, decreasing as i^-s (at least 1 each). */
export function zipfSizes(n: number, total: number, top: number): number[] {
  const s = zipfExponent(n, total / top);
  const raw = Array.from(
    { length: n },
    (_, i) => (top * (i + 1) ** -s * total) / (top * sumPow(n, s)),
  );
  const sizes = raw.map((x) => Math.max(1, Math.floor(x)));
  let left = total - sizes.reduce((a, b) => a + b, 0);
  const order = raw.map((x, i) => ({ i, r: x - Math.floor(x) })).sort((a, b) => b.r - a.r);
  for (let k = 0; left > 0; k = (k + 1) % n, left--) sizes[order[k]!.i]!++;
  return sizes;
}

function sumPow(n: number, s: number): number {
  let sum = 0;
  for (let i = 1; i <= n; i++) sum += i ** -s;
  return sum;
}

// ---------------------------------------------------------------------------------------------
// Diagnoses: real engine output for the training corpus's reports

interface Pattern {
  p: number;
  description: string;
  symptoms: string[];
  diag0: DiagnosisResponseDto;
  /** after the first planned step was tried and did not fix it */
  diag1: DiagnosisResponseDto;
  step: string;
}

/** The response the desk stores, shaped as DiagnosticsService shapes it (a lock of a known model). */
function asResponse(
  input: DiagnosisInput,
  model: { id: string; manufacturer: string; model: string },
): DiagnosisResponseDto {
  const r = diagnose(input);
  return {
    symptoms: r.symptoms,
    textMatches: r.textMatches,
    causes: r.causes,
    plan: r.plan,
    escalation: r.escalation,
    resolved: r.resolved,
    // The lock's id is one placeholder of the same length: sizes stay honest, the id is not real.
    device: {
      deviceId: '01900000-0000-7000-8000-00000000d0d0',
      modelId: model.id,
      manufacturer: model.manufacturer,
      model: model.model,
      learnedConfirmations: 0,
    },
    modelVersion: r.modelVersion,
    questions: r.questions,
  };
}

function buildPatterns(now: Date): Pattern[] {
  const cases = loadCorpusDir('corpus/diagnosis/cases');
  const patterns: Pattern[] = [];
  // Each report twice: as reported, and from a lock whose telemetry the desk knows.
  for (const [variant, c] of cases.flatMap((c) => [0, 1].map((v) => [v, c] as const))) {
    const model = REFERENCE_MODELS[patterns.length % REFERENCE_MODELS.length]!;
    const input: DiagnosisInput = {
      ...c.input,
      device: { ...c.input.device, manufacturer: model.manufacturer, model: model.model },
      now: now.toISOString(),
    };
    if (variant === 1) {
      input.telemetry = {
        batteryPercent: 8 + ((patterns.length * 37) % 90),
        online: patterns.length % 5 !== 0,
        lastSeenAt: new Date(now.getTime() - 3_600_000).toISOString(),
        signalDbm: -50 - (patterns.length % 40),
        jamEvents24h: patterns.length % 7 === 0 ? 2 : 0,
        failedCodeAttempts24h: patterns.length % 9 === 0 ? 6 : 0,
        ...c.input.telemetry,
      };
    }
    const diag0 = asResponse(input, model);
    const first = diag0.plan[0]?.step ?? 'replace_batteries';
    const diag1 = asResponse(
      {
        ...input,
        stepsTried: [...(input.stepsTried ?? []), { step: first, outcome: 'not_fixed' }],
      },
      model,
    );
    patterns.push({
      p: patterns.length,
      description: (c.input.description ?? 'The lock does not work').slice(0, 10_000),
      symptoms: diag0.symptoms,
      diag0,
      diag1,
      step: first,
    });
  }
  return patterns;
}

const COMMENTS = [
  'Called the resident, they will try new batteries tonight and report back.',
  'Customer confirms the keypad lights up again after the battery swap.',
  'Asked the tenant to send a photo of the strike plate and the door gap.',
  'Hub was offline after a router change; re-paired the lock with the new network.',
  'Technician visit booked for Thursday morning, key safe code shared internally.',
  'The bolt still drags when the door is pulled shut; suspect misalignment.',
  'Reset the user codes for unit 4B; the cleaner has a new code now.',
  'Firmware update pushed from the app, waiting for the lock to check in.',
  'Still jamming after lubrication. Escalating to the installer.',
  'Resident reports the app shows offline but the keypad works locally.',
  'Replaced the 9V emergency battery contact, works fine now.',
  'Please try holding the reset button for 10 seconds and tell us what the LED does.',
  'Door was left ajar overnight, alarm kept firing. Adjusted the door closer.',
  'Fingerprint reader rejects wet fingers; re-enrolled two fingers for the owner.',
  'Signal is weak at this door (-88 dBm); suggested a Z-Wave repeater in the hallway.',
  'Warranty still active, manufacturer RMA opened.',
  'Guest could not get in at 23:00, gave them the backup code by phone.',
  'Motor grinding noise on every unlock, ordered a replacement drive unit.',
  'Lock responds again after power cycling the bridge.',
  'Closing this: no reply from the resident in a week.',
  'Checked the logs: 14 failed code attempts in an hour, probably a forgotten code.',
  'Battery at 12% and dropping fast in the cold; switched to lithium cells.',
  'Internal: the property manager wants weekly battery reports for this building.',
  'The deadbolt throws only halfway; the hole in the frame needs to be drilled deeper.',
];

// ---------------------------------------------------------------------------------------------
// Table specs: each table's columns, once (column -> SQL expression over the staging rows)

interface Spec {
  table: string;
  columns: Record<string, string>;
}

function insertSql(spec: Spec, from: string): string {
  const cols = Object.keys(spec.columns);
  return `INSERT INTO ${spec.table} (${cols.join(', ')})
          SELECT ${Object.values(spec.columns).join(',\n                 ')}
          ${from}`;
}

/** The seed's reference time: every date is relative to it (seed.now() is an inlined constant). */
const NOW = 'seed.now()';
const uuid7 = (at: string, salt: string) => `seed.uuid7(${at}, ${salt})`;
const USERS_AT = `(${NOW} - interval '500 days')`;
const PROPS_AT = `(${NOW} - interval '450 days')`;
const deviceAt = (seq: string) => `(${NOW} - interval '400 days' + ${seq} * interval '100 ms')`;
const userId = (seq: string) => uuid7(USERS_AT, `'u' || ${seq}`);
const deviceId = (seq: string) => uuid7(deviceAt(seq), `'d' || ${seq}`);
const propertyId = (t: string, i: string) => uuid7(PROPS_AT, `'p' || ${t} || ':' || ${i}`);

/** Comment i (1..3) of a ticket staging row `s`: which text, and whether it is internal. */
const commentText = (i: number) => `(s.h / ${i * 7 + 3}) % ${COMMENTS.length}`;
const commentInternal = (i: number) => `((s.h / ${i * 31 + 7}) % 4 = 0)`;
const commentAt = (i: number) => `least(s.created_at + interval '${i * 75} minutes', s.latest)`;
const commentId = (i: number) => uuid7(commentAt(i), `'c' || s.id || '${i}'`);
const STEP_AT = `least(s.created_at + interval '40 minutes', s.latest)`;

const SPECS = {
  tenants: {
    table: 'tenants',
    columns: {
      id: 'p.tenant_id',
      name: `'Scale tenant ' || p.t`,
      kind: `'customer'`,
      handle: 'p.handle',
      created_at: `${NOW} - interval '600 days'`,
    },
  },
  users: {
    table: 'users',
    columns: {
      tenant_id: 'p.tenant_id',
      id: userId('p.user_off + u'),
      email: `'user' || u || '@' || p.handle || '.example.com'`,
      name: `'User ' || u || ' of ' || p.t`,
      role: `CASE u WHEN 0 THEN 'admin' WHEN 1 THEN 'manager' ELSE 'agent' END`,
      // Not a usable hash: nobody logs in to the scale data set.
      password_hash: `'$argon2id$v=19$m=19456,t=2,p=1$c2NhbGVzZWVk$not-a-real-hash-not-a-real-hash-0'`,
      created_at: USERS_AT,
      updated_at: USERS_AT,
    },
  },
  properties: {
    table: 'properties',
    columns: {
      tenant_id: 'p.tenant_id',
      id: propertyId('p.t', 'i'),
      name: `'Building ' || i || ' of tenant ' || p.t`,
      address: `jsonb_build_object('line1', i || ' Harbour Street', 'city', 'Porto', 'postalCode', '4000-' || lpad((i % 1000)::text, 3, '0'), 'country', 'PT')`,
      units: `ARRAY['1A', '1B', '2A', '2B']`,
      time_zone: `'Europe/Lisbon'`,
      created_at: PROPS_AT,
      updated_at: PROPS_AT,
    },
  },
  model_firmware_overrides: {
    table: 'model_firmware_overrides',
    columns: {
      tenant_id: 'p.tenant_id',
      reference_model_id: 'm',
      latest_firmware: `'3.4.0'`,
      updated_at: `${NOW} - interval '30 days'`,
    },
  },
  devices: {
    table: 'devices',
    columns: {
      tenant_id: 'd.tenant_id',
      id: 'd.id',
      serial: `'SC' || d.t || '-' || lpad(d.j::text, 6, '0')`,
      reference_model_id: 'd.model_id',
      tenant_model_id: 'NULL',
      property_id: 'd.property_id',
      unit: `(ARRAY['1A', '1B', '2A', '2B'])[1 + d.j % 4]`,
      firmware_version: 'd.firmware',
      protocol: `(ARRAY['wifi', 'bluetooth', 'zigbee', 'zwave', 'thread'])[1 + d.seq % 5]`,
      installed_at: `(${NOW} - (400 - d.j % 400) * interval '1 day')::date`,
      label: 'NULL',
      status: 'd.status',
      created_at: 'd.created_at',
      updated_at: 'd.created_at',
    },
  },
  ticket_counters: {
    table: 'ticket_counters',
    columns: { tenant_id: 'p.tenant_id', last_number: 'p.tickets' },
  },
  tickets: {
    table: 'tickets',
    columns: {
      tenant_id: 's.tenant_id',
      id: 's.id',
      number: 's.number',
      device_id: 's.device_id',
      property_id: 's.property_id',
      reporter_id: 's.reporter_id',
      assignee_id: 's.assignee_id',
      status: 's.status',
      priority: 's.priority',
      source: `'reported'`,
      reason: 'NULL',
      symptoms: 'pt.symptoms',
      description: 'pt.description',
      // The diagnosis is stored once, in the history; the ticket points at its latest row and
      // keeps the list summary the app's SQL function makes from it.
      diagnosis_id: `CASE WHEN s.has_step THEN ${uuid7(STEP_AT, `'g' || s.id || 1`)}
                          ELSE ${uuid7('s.created_at', `'g' || s.id || 0`)} END`,
      diagnosis_summary: 'diagnosis_summary(CASE WHEN s.has_step THEN pt.diag1 ELSE pt.diag0 END)',
      confirmed_cause: `CASE WHEN s.status IN ('solved', 'closed') THEN pt.top_cause END`,
      resolution: `CASE WHEN s.status IN ('solved', 'closed') THEN 'Resolved: ' || replace(pt.step, '_', ' ') END`,
      version: 's.version',
      first_response_minutes: 's.first_minutes',
      resolution_minutes: 's.resolution_minutes',
      first_response_due_at: `s.created_at + s.first_minutes * interval '1 minute'`,
      resolution_due_at: `s.created_at + s.resolution_minutes * interval '1 minute'`,
      first_responded_at: 's.responded_at',
      sla_breached: `s.status <> 'new' AND s.h % 33 = 0`,
      sla_paused_at: `CASE WHEN s.status IN ('pending', 'on_hold') THEN s.pending_at END`,
      solved_at: 's.solved_at',
      closed_at: 's.closed_at',
      // As the app builds it: the number (weight A), the description, then each public comment.
      search: `setweight(to_tsvector('simple', 'LD-' || s.number || ' ' || s.number), 'A') || pt.tsv
               || coalesce((SELECT seed.tsv_agg(cp.tsv) FROM generate_series(1, s.nc) AS i
                             JOIN seed.cpatterns cp ON cp.c = (s.h / (i * 7 + 3)) % ${COMMENTS.length}
                            WHERE NOT ((s.h / (i * 31 + 7)) % 4 = 0)), '')`,
      created_at: 's.created_at',
      updated_at: 's.updated_at',
    },
  },
  ticket_diagnoses: {
    table: 'ticket_diagnoses',
    columns: {
      tenant_id: 's.tenant_id',
      id: uuid7('x.at', `'g' || s.id || x.n`),
      ticket_id: 's.id',
      trigger: 'x.trigger',
      diagnosis: 'x.diagnosis',
      created_at: 'x.at',
    },
  },
  ticket_steps: {
    table: 'ticket_steps',
    columns: {
      tenant_id: 's.tenant_id',
      id: uuid7(STEP_AT, `'s' || s.id`),
      ticket_id: 's.id',
      step: 'pt.step',
      outcome: `'not_fixed'`,
      note: `CASE WHEN s.h % 3 = 0 THEN 'Tried it with the resident on the phone.' END`,
      actor_id: 's.assignee_id',
      created_at: STEP_AT,
    },
  },
  ticket_comments: {
    table: 'ticket_comments',
    columns: {
      tenant_id: 's.tenant_id',
      id: 'x.id',
      ticket_id: 's.id',
      author_id: 'CASE WHEN x.i = 2 THEN s.reporter_id ELSE s.assignee_id END',
      body: 'cp.body',
      internal: 'x.internal',
      created_at: 'x.at',
    },
  },
  ticket_events: {
    table: 'ticket_events',
    columns: {
      tenant_id: 'e.tenant_id',
      ticket_id: 'e.ticket_id',
      type: 'e.type',
      actor_type: `'user'`,
      actor_id: 'e.actor_id',
      internal: 'e.internal',
      before: 'e.before',
      after: 'e.after',
      created_at: 'e.at',
    },
  },
  outbox: {
    table: 'outbox',
    columns: {
      tenant_id: 'e.tenant_id',
      topic: `'ticket.' || e.type`,
      aggregate_id: 'e.ticket_id',
      payload: `CASE e.type
        WHEN 'created' THEN jsonb_build_object('ticketId', e.ticket_id, 'number', 'LD-' || e.number,
          'deviceId', e.device_id, 'priority', e.priority, 'status', 'new', 'topCause', e.top_cause)
        ELSE jsonb_build_object('ticketId', e.ticket_id, 'number', 'LD-' || e.number, 'type', e.type,
          'internal', e.internal, 'before', e.before, 'after', CASE WHEN e.internal THEN NULL ELSE e.after END,
          'at', e.at) END`,
      created_at: 'e.at',
      published_at: `e.at + interval '2 seconds'`,
    },
  },
  telemetry_events: {
    table: 'telemetry_events',
    columns: {
      tenant_id: 'd.tenant_id',
      device_id: 'd.id',
      type: 'x.type',
      at: 'x.at',
      received_at: `x.at + interval '2 seconds'`,
      event_key: `x.type || '@' || to_char(x.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`,
      battery_percent: `CASE WHEN x.type = 'battery' THEN ${battery('d.seq', 'x.at')} END`,
      signal_dbm: `CASE WHEN x.type = 'signal' THEN ${signal('d.seq', 'x.at')} END`,
      online: `CASE x.type WHEN 'online' THEN true WHEN 'offline' THEN false END`,
      firmware_version: `CASE WHEN x.type = 'firmware' THEN d.firmware END`,
    },
  },
  device_health: {
    table: 'device_health',
    columns: {
      tenant_id: 'd.tenant_id',
      device_id: 'd.id',
      battery_percent: `${battery('d.seq', 'a.battery_at')}`,
      battery_at: 'a.battery_at',
      online: 'a.seen IS NOT NULL AND a.offline_at IS DISTINCT FROM a.seen',
      online_at: 'a.seen',
      last_seen_at: 'a.seen',
      signal_dbm: `${signal('d.seq', 'a.signal_at')}`,
      signal_at: 'a.signal_at',
      firmware_version: 'CASE WHEN a.firmware_at IS NOT NULL THEN d.firmware END',
      firmware_at: 'a.firmware_at',
      door_ajar:
        'CASE WHEN a.door_at IS NOT NULL THEN a.ajar_at IS NOT DISTINCT FROM a.door_at END',
      door_at: 'a.door_at',
      updated_at: `coalesce(a.seen, d.created_at)`,
    },
  },
} satisfies Record<string, Spec>;

/** A lock's battery: a slow sawtooth (new cells every 300 days), different per lock. */
function battery(seq: string, at: string): string {
  return `CASE WHEN ${at} IS NOT NULL THEN greatest(1, 100 - ((extract(epoch FROM ${at}) / 86400)::int + ${seq} % 300) % 300 / 3)::smallint END`;
}

function signal(seq: string, at: string): string {
  return `(-45 - (${seq} * 7 + (extract(epoch FROM ${at}) / 3600)::int) % 50)::smallint`;
}

// ---------------------------------------------------------------------------------------------
// Indexes: dropped before the load, rebuilt after

interface DroppedIndex {
  table: string;
  name: string;
  /** CREATE INDEX ..., or ALTER TABLE ... ADD CONSTRAINT ... */
  create: string;
  drop: string;
}

const LOADED_TABLES = [
  'users',
  'properties',
  'devices',
  'device_health',
  // Not telemetry_events: it is partitioned, and an index rebuilt on the parent names its
  // partitions' indexes differently from the migration; its indexes are kept during the load.
  'tickets',
  'ticket_diagnoses',
  'ticket_steps',
  'ticket_comments',
  'ticket_events',
  'outbox',
];

/**
 * Every index of the loaded tables that nothing references: plain indexes, and primary-key
 * or unique constraints that no foreign key depends on (those referenced stay and are
 * maintained during the load).
 */
async function droppableIndexes(c: pg.Client): Promise<DroppedIndex[]> {
  const { rows } = await c.query<{ table: string; name: string; def: string; con: string | null }>(
    `SELECT i.indrelid::regclass::text AS table, ic.relname AS name, pg_get_indexdef(i.indexrelid) AS def,
            CASE WHEN con.oid IS NOT NULL THEN pg_get_constraintdef(con.oid) END AS con
       FROM pg_index i
       JOIN pg_class ic ON ic.oid = i.indexrelid
       LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.contype IN ('p', 'u')
      WHERE i.indrelid::regclass::text = ANY($1)
        AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = i.indexrelid)
      ORDER BY 1, 2`,
    [LOADED_TABLES],
  );
  return rows.map((r) =>
    r.con
      ? {
          table: r.table,
          name: r.name,
          create: `ALTER TABLE ${r.table} ADD CONSTRAINT ${r.name} ${r.con}`,
          drop: `ALTER TABLE ${r.table} DROP CONSTRAINT ${r.name}`,
        }
      : { table: r.table, name: r.name, create: r.def, drop: `DROP INDEX ${r.name}` },
  );
}

async function indexDefinitions(c: pg.Client): Promise<string[]> {
  const { rows } = await c.query<{ d: string }>(
    `SELECT indexdef AS d FROM pg_indexes WHERE schemaname = 'public' ORDER BY indexname`,
  );
  return rows.map((r) => r.d);
}

// ---------------------------------------------------------------------------------------------

async function prepareDatabase(adminUrl: string, url: string, fresh: boolean): Promise<void> {
  await withClient(adminUrl, async (c) => {
    if (fresh || (await databaseExists(adminUrl))) {
      log(`Dropping ${SCALE_DATABASE}${fresh ? ' (--fresh)' : ' (an unfinished seed)'}`);
      await c.query(`DROP DATABASE IF EXISTS ${SCALE_DATABASE} WITH (FORCE)`);
    }
    await c.query(`CREATE DATABASE ${SCALE_DATABASE}`);
  });
  await runMigrations(url, (m) => log(`  ${m}`));
}

async function connect(url: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url, application_name: 'lockdesk-seed-scale' });
  await c.connect();
  await c.query(`SET statement_timeout = 0`);
  await c.query(`SET maintenance_work_mem = '512MB'`);
  await c.query(`SET work_mem = '64MB'`);
  // The staging tables have no statistics: big estimates would make JIT spend seconds compiling.
  await c.query(`SET jit = off`);
  // Foreign-key triggers off for this session: the rows are consistent by construction.
  await c.query(`SET session_replication_role = replica`);
  return c;
}

async function seedSchema(c: pg.Client, now: string, patterns: Pattern[]): Promise<void> {
  await c.query(`CREATE SCHEMA seed`);
  await c.query(
    `CREATE FUNCTION seed.now() RETURNS timestamptz LANGUAGE sql IMMUTABLE AS $$ SELECT '${now}'::timestamptz $$`,
  );
  // UUIDv7 (time-ordered, as the app makes them) from a time and a salt; STABLE so it inlines.
  await c.query(`
    CREATE FUNCTION seed.uuid7(at timestamptz, salt text) RETURNS uuid LANGUAGE sql STABLE AS $$
      SELECT left(overlay(overlay(lpad(to_hex((extract(epoch FROM at) * 1000)::bigint), 12, '0') || md5(salt)
                                  PLACING '7' FROM 13) PLACING '8' FROM 17), 32)::uuid
    $$`);
  await c.query(
    `CREATE AGGREGATE seed.tsv_agg(tsvector) (SFUNC = tsvector_concat, STYPE = tsvector, INITCOND = '')`,
  );
  await c.query(`
    CREATE UNLOGGED TABLE seed.patterns (p int PRIMARY KEY, description text, symptoms text[], diag0 jsonb,
      diag1 jsonb, step text, top_cause text, next_step text, top_cause1 text, next_step1 text, tsv tsvector)`);
  await c.query(
    `INSERT INTO seed.patterns (p, description, symptoms, diag0, diag1, step, top_cause, next_step, top_cause1,
       next_step1, tsv)
     SELECT x.p, x.description, ARRAY(SELECT jsonb_array_elements_text(x.symptoms)), x.diag0, x.diag1, x.step,
            x.diag0 #>> '{causes,0,code}', x.diag0 #>> '{plan,0,step}',
            x.diag1 #>> '{causes,0,code}', x.diag1 #>> '{plan,0,step}', to_tsvector('english', x.description)
       FROM jsonb_to_recordset($1::jsonb)
         AS x(p int, description text, symptoms jsonb, diag0 jsonb, diag1 jsonb, step text)`,
    [JSON.stringify(patterns)],
  );
  await c.query(
    `CREATE UNLOGGED TABLE seed.cpatterns (c int PRIMARY KEY, body text, tsv tsvector)`,
  );
  await c.query(
    `INSERT INTO seed.cpatterns
     SELECT i - 1, b, to_tsvector('english', b) FROM unnest($1::text[]) WITH ORDINALITY AS t(b, i)`,
    [COMMENTS],
  );
}

interface Plan {
  tickets: number[];
  locks: number[];
}

async function tenantPlan(c: pg.Client, plan: Plan): Promise<void> {
  await c.query(`
    CREATE UNLOGGED TABLE seed.plan (t int PRIMARY KEY, tenant_id uuid, handle text, tickets int, locks int,
      users int, props int, lock_off int, user_off int, models uuid[])`);
  await c.query(
    `INSERT INTO seed.plan
     SELECT x.t, ${uuid7(`${NOW} - interval '600 days'`, `'tenant' || x.t`)}, 'scale-' || lpad(x.t::text, 4, '0'),
            x.tickets, x.locks, 2 + x.locks / 500, greatest(1, ceil(x.locks / 25.0))::int,
            (sum(x.locks) OVER (ORDER BY x.t) - x.locks)::int,
            (sum(2 + x.locks / 500) OVER (ORDER BY x.t) - (2 + x.locks / 500))::int,
            ARRAY(SELECT ($3::uuid[])[1 + (x.t * 7 + m * 13) % cardinality($3::uuid[])] FROM generate_series(0, 4) m)
       FROM unnest($1::int[], $2::int[]) WITH ORDINALITY AS x(tickets, locks, t)`,
    [plan.tickets, plan.locks, REFERENCE_MODELS.map((m) => m.id)],
  );
  // Every lock, with what the tickets and telemetry need to know about it.
  await c.query(`
    CREATE UNLOGGED TABLE seed.devices AS
    SELECT p.lock_off + j AS seq, p.t, j, p.tenant_id, ${deviceId('(p.lock_off + j)')} AS id,
           ${propertyId('p.t', '(j % p.props)')} AS property_id, p.models[1 + j % 5] AS model_id,
           ${deviceAt('(p.lock_off + j)')} AS created_at,
           CASE WHEN (p.lock_off + j) % 50 = 7 THEN 'retired' ELSE 'active' END AS status,
           (ARRAY['3.4.0', '3.3.2', '3.4.0', '2.10.1'])[1 + j % 4] AS firmware
      FROM seed.plan p CROSS JOIN LATERAL generate_series(0, p.locks - 1) AS j`);
  await c.query(`ALTER TABLE seed.devices ADD PRIMARY KEY (seq)`);
  await c.query(`
    CREATE UNLOGGED TABLE seed.users AS
    SELECT p.user_off + u AS seq, ${userId('(p.user_off + u)')} AS id FROM seed.plan p
     CROSS JOIN LATERAL generate_series(0, p.users - 1) AS u`);
  await c.query(`ALTER TABLE seed.users ADD PRIMARY KEY (seq)`);
  await c.query(`ANALYZE seed.plan, seed.devices, seed.users, seed.patterns, seed.cpatterns`);
}

async function smallTables(c: pg.Client): Promise<void> {
  const ph = phase('tenants, users, properties, locks', 5);
  await c.query(insertSql(SPECS.tenants, 'FROM seed.plan p ORDER BY p.t'));
  ph.step(1, 1);
  await c.query(
    insertSql(
      SPECS.users,
      'FROM seed.plan p CROSS JOIN LATERAL generate_series(0, p.users - 1) AS u',
    ),
  );
  ph.step(1, 1);
  await c.query(
    insertSql(
      SPECS.properties,
      'FROM seed.plan p CROSS JOIN LATERAL generate_series(0, p.props - 1) AS i',
    ),
  );
  await c.query(
    insertSql(
      SPECS.model_firmware_overrides,
      'FROM seed.plan p CROSS JOIN LATERAL (SELECT DISTINCT unnest(p.models)) AS o(m)',
    ),
  );
  ph.step(1, 1);
  const { rowCount } = await c.query(
    insertSql(SPECS.devices, 'FROM seed.devices d ORDER BY d.seq'),
  );
  ph.step(rowCount ?? 0, 1);
  await c.query(insertSql(SPECS.ticket_counters, 'FROM seed.plan p'));
  ph.step(1, 1);
  ph.end();
}

/** The staging row of a ticket: who, when, and what happened to it. */
const TICKET_FACTS = `chunk int, t int, tenant_id uuid, id uuid, number int, created_at timestamptz, device_id uuid,
  property_id uuid, reporter_id uuid, assignee_id uuid, status text, priority text, pattern int, h int, nc int,
  has_step boolean, first_minutes int, resolution_minutes int, responded_at timestamptz, pending_at timestamptz,
  solved_at timestamptz, closed_at timestamptz, latest timestamptz, version int, updated_at timestamptz`;

/**
 * The facts of every tenant's tickets in time window $1 of CHUNKS: window w holds tickets k
 * with w/C < k/N <= (w+1)/C of each tenant, so tenants interleave in time as on a live desk.
 */
function ticketFactsSql(patterns: number): string {
  const sla = (field: 'firstResponseMinutes' | 'resolutionMinutes') =>
    `CASE pr.priority ${Object.entries(DEFAULT_SLA)
      .map(([k, v]) => `WHEN '${k}' THEN ${v[field]}`)
      .join(' ')} END`;
  const done = `st.status IN ('solved', 'closed')`;
  return `
    INSERT INTO seed.t
    SELECT $1::int, p.t, p.tenant_id, ${uuid7('c.created_at', `'t' || p.t || ':' || k`)}, k, c.created_at,
           d.id, d.property_id, r.id, CASE WHEN st.status <> 'new' THEN ag.id END,
           st.status, pr.priority, h.h % ${patterns}, h.h, f.nc, f.has_step,
           ${sla('firstResponseMinutes')}, ${sla('resolutionMinutes')},
           CASE WHEN st.status <> 'new' THEN tm.responded END,
           tm.pending,
           CASE WHEN ${done} THEN tm.solved END,
           CASE WHEN st.status = 'closed' THEN tm.closed END,
           c.latest,
           1 + (st.status <> 'new')::int * 2 + f.has_step::int + f.nc + (st.status IN ('pending', 'on_hold'))::int
             + (${done})::int + (st.status = 'closed')::int,
           greatest(c.created_at, CASE WHEN st.status <> 'new' THEN tm.responded END,
                    CASE WHEN st.status IN ('pending', 'on_hold') THEN tm.pending END,
                    CASE WHEN ${done} THEN tm.solved END, CASE WHEN st.status = 'closed' THEN tm.closed END)
      FROM seed.plan p
      CROSS JOIN LATERAL generate_series(($1::int * p.tickets::bigint / ${CHUNKS})::int + 1,
                                         (($1::int + 1) * p.tickets::bigint / ${CHUNKS})::int) AS k
      CROSS JOIN LATERAL (SELECT abs(hashtext(p.t || ':' || k)) AS h) h
      JOIN seed.devices d ON d.seq = p.lock_off + h.h / 13 % p.locks
      JOIN seed.users r ON r.seq = p.user_off + h.h / 17 % p.users
      JOIN seed.users ag ON ag.seq = p.user_off + 1 + h.h / 19 % (p.users - 1)
      CROSS JOIN LATERAL (
        SELECT ${NOW} - interval '${TICKET_DAYS} days'
                 + (k - 1 + (h.h % 1000) / 1000.0) / p.tickets * interval '${TICKET_DAYS} days' AS created_at,
               ${NOW} - interval '1 minute' AS latest) c
      CROSS JOIN LATERAL (SELECT extract(epoch FROM ${NOW} - c.created_at) / 86400 AS age) a
      CROSS JOIN LATERAL (SELECT CASE
          WHEN a.age < 0.5 THEN (ARRAY['new', 'new', 'new', 'open'])[1 + h.h % 4]
          WHEN a.age < 2 THEN (ARRAY['new', 'open', 'open', 'pending', 'on_hold', 'solved', 'open'])[1 + h.h % 7]
          WHEN a.age < 14 THEN (ARRAY['open', 'pending', 'on_hold', 'solved', 'solved', 'closed', 'closed', 'closed'])[1 + h.h % 8]
          WHEN h.h % 100 < 85 THEN 'closed' WHEN h.h % 100 < 98 THEN 'solved' ELSE 'open' END AS status) st
      CROSS JOIN LATERAL (SELECT CASE WHEN h.h / 100 % 100 < 5 THEN 'urgent' WHEN h.h / 100 % 100 < 20 THEN 'high'
                                      WHEN h.h / 100 % 100 < 85 THEN 'normal' ELSE 'low' END AS priority) pr
      CROSS JOIN LATERAL (SELECT
          CASE WHEN st.status = 'new' THEN 0 ELSE (ARRAY[0, 1, 1, 2, 2, 3])[1 + h.h / 10000 % 6] END AS nc,
          st.status <> 'new' AND h.h / 60000 % 10 < 4 AS has_step) f
      CROSS JOIN LATERAL (SELECT least(c.created_at + interval '20 minutes', c.latest) AS responded,
          least(c.created_at + interval '4 hours', c.latest) AS pending,
          least(c.created_at + interval '5 hours' + h.h / 29 % 2880 * interval '1 minute', c.latest) AS solved,
          least(c.created_at + interval '5 hours' + h.h / 29 % 2880 * interval '1 minute' + interval '3 days',
                c.latest) AS closed) tm`;
}

/** Every timeline event of the chunk's tickets, in time order per ticket (the ids follow it). */
function eventsSql(): string {
  const ev = (
    ord: number,
    at: string,
    type: string,
    actor: string,
    internal: string,
    before: string,
    after: string,
    when: string,
  ) =>
    `(${ord}, ${at}, '${type}', ${actor}, ${internal}, ${before}::jsonb, ${after}::jsonb, ${when})`;
  const comment = (i: number) =>
    ev(
      10 + i,
      commentAt(i),
      'comment_added',
      i === 2 ? 's.reporter_id' : 's.assignee_id',
      commentInternal(i),
      'NULL',
      `jsonb_build_object('commentId', ${commentId(i)}, 'internal', ${commentInternal(i)})`,
      `s.nc >= ${i}`,
    );
  const events = [
    ev(
      1,
      's.created_at',
      'created',
      's.reporter_id',
      'false',
      'NULL',
      `jsonb_build_object('number', 'LD-' || s.number, 'status', 'new', 'priority', s.priority,
         'assigneeId', NULL, 'source', 'reported', 'reason', NULL)`,
      'true',
    ),
    ev(
      2,
      `least(s.created_at + interval '10 minutes', s.latest)`,
      'assigned',
      's.assignee_id',
      'false',
      `jsonb_build_object('assigneeId', NULL)`,
      `jsonb_build_object('assigneeId', s.assignee_id)`,
      's.assignee_id IS NOT NULL',
    ),
    ev(
      3,
      's.responded_at',
      'status_changed',
      's.assignee_id',
      'false',
      `jsonb_build_object('status', 'new')`,
      `jsonb_build_object('status', 'open')`,
      `s.status <> 'new'`,
    ),
    ev(
      4,
      STEP_AT,
      'step_recorded',
      's.assignee_id',
      'false',
      'NULL',
      `jsonb_build_object('step', pt.step, 'outcome', 'not_fixed', 'topCause', pt.top_cause1, 'nextStep', pt.next_step1)`,
      's.has_step',
    ),
    comment(1),
    comment(2),
    comment(3),
    ev(
      20,
      's.pending_at',
      'status_changed',
      's.assignee_id',
      'false',
      `jsonb_build_object('status', 'open')`,
      `jsonb_build_object('status', s.status)`,
      `s.status IN ('pending', 'on_hold')`,
    ),
    ev(
      30,
      's.solved_at',
      'resolved',
      's.assignee_id',
      'false',
      'NULL',
      `jsonb_build_object('confirmedCause', pt.top_cause, 'resolution', 'Resolved: ' || replace(pt.step, '_', ' '))`,
      `s.status IN ('solved', 'closed')`,
    ),
    ev(
      40,
      's.closed_at',
      'status_changed',
      's.assignee_id',
      'false',
      `jsonb_build_object('status', 'solved')`,
      `jsonb_build_object('status', 'closed')`,
      `s.status = 'closed'`,
    ),
  ];
  // One statement: the events, and each one's outbox message (as the app writes them together).
  return `
    WITH e AS MATERIALIZED (
      SELECT s.tenant_id, s.id AS ticket_id, s.number, s.device_id, s.priority, pt.top_cause, x.*
        FROM seed.t s JOIN seed.patterns pt ON pt.p = s.pattern
        CROSS JOIN LATERAL (VALUES ${events.join(',\n          ')}) AS x(ord, at, type, actor_id, internal, before, after, ok)
       WHERE x.ok
    ), ins AS (${insertSql(SPECS.ticket_events, 'FROM e ORDER BY e.at, e.ticket_id, e.ord')} RETURNING 1)
    ${insertSql(SPECS.outbox, 'FROM e ORDER BY e.at, e.ticket_id, e.ord')}`;
}

async function loadTickets(url: string, patterns: number): Promise<void> {
  const c = await connect(url);
  try {
    // One time window's tickets at a time.
    await c.query(`CREATE UNLOGGED TABLE seed.t (${TICKET_FACTS})`);
    const withPattern = 'FROM seed.t s JOIN seed.patterns pt ON pt.p = s.pattern';
    const statements = [
      insertSql(SPECS.tickets, `${withPattern} ORDER BY s.created_at`),
      insertSql(
        SPECS.ticket_diagnoses,
        `${withPattern}
         CROSS JOIN LATERAL (VALUES (0, s.created_at, 'created', pt.diag0),
                                    (1, ${STEP_AT}, 'step:' || pt.step || ':not_fixed', pt.diag1))
           AS x(n, at, trigger, diagnosis)
         WHERE x.n = 0 OR s.has_step ORDER BY x.at`,
      ),
      insertSql(SPECS.ticket_steps, `${withPattern} WHERE s.has_step ORDER BY s.created_at`),
      insertSql(
        SPECS.ticket_comments,
        `FROM seed.t s
         CROSS JOIN LATERAL (VALUES ${[1, 2, 3]
           .map(
             (i) =>
               `(${i}, ${commentAt(i)}, ${commentId(i)}, ${commentText(i)}, ${commentInternal(i)})`,
           )
           .join(', ')}) AS x(i, at, id, text, internal)
         JOIN seed.cpatterns cp ON cp.c = x.text
         WHERE x.i <= s.nc ORDER BY x.at`,
      ),
      eventsSql(),
    ];
    const names = ['facts', 'tickets', 'diagnoses', 'steps', 'comments', 'events+outbox'];
    const spent = names.map(() => 0);
    const timed = async (i: number, run: () => Promise<pg.QueryResult>) => {
      const t0 = performance.now();
      const r = await run();
      spent[i]! += performance.now() - t0;
      return r.rowCount ?? 0;
    };
    const ph = phase('tickets + history', TICKETS);
    for (let w = 0; w < CHUNKS; w++) {
      await c.query(`TRUNCATE seed.t`);
      const facts = await timed(0, () => c.query(ticketFactsSql(patterns), [w]));
      let rows = 0;
      for (const [i, sql] of statements.entries()) rows += await timed(i + 1, () => c.query(sql));
      ph.step(rows, facts);
    }
    ph.end();
    log(
      `  [tickets + history] time per statement: ${names.map((n, i) => `${n} ${secs(spent[i]! / 1000)}`).join(', ')}`,
    );
  } finally {
    await c.end();
  }
}

async function loadTelemetry(url: string): Promise<void> {
  const c = await connect(url);
  try {
    const ph = phase('telemetry', TELEMETRY);
    const per = Math.ceil(TELEMETRY / CHUNKS);
    const { rows } = await c.query<{ n: string }>(`SELECT count(*) AS n FROM seed.devices`);
    const locks = Number(rows[0]?.n ?? 0);
    for (let lo = 0; lo < TELEMETRY; lo += per) {
      const hi = Math.min(TELEMETRY, lo + per) - 1;
      // Time-ordered across every tenant, as events arrive. Locks that never reported (1%) and
      // retired ones (2%) send nothing: their draws go to a neighbour.
      const r = await c.query(
        insertSql(
          SPECS.telemetry_events,
          `FROM generate_series($1::bigint, $2::bigint) AS g
           CROSS JOIN LATERAL (SELECT abs(hashint8(g)) % ${locks} AS seq, abs(hashint8(g + 1000000000000)) % 1000 AS r) h
           CROSS JOIN LATERAL (SELECT
               CASE WHEN h.seq % 100 = 99 OR h.seq % 50 = 7 THEN h.seq - 1 ELSE h.seq END AS seq,
               ${NOW} - interval '${TELEMETRY_DAYS} days' + g * (interval '${TELEMETRY_DAYS} days' / ${TELEMETRY}) AS at,
               CASE WHEN h.r < 400 THEN 'heartbeat' WHEN h.r < 550 THEN 'lock' WHEN h.r < 700 THEN 'unlock'
                    WHEN h.r < 800 THEN 'battery' WHEN h.r < 850 THEN 'signal' WHEN h.r < 870 THEN 'jam'
                    WHEN h.r < 910 THEN 'code_failed' WHEN h.r < 930 THEN 'online' WHEN h.r < 940 THEN 'offline'
                    WHEN h.r < 960 THEN 'door_ajar' WHEN h.r < 970 THEN 'firmware' ELSE 'heartbeat' END AS type) x
           JOIN seed.devices d ON d.seq = x.seq
           ORDER BY g`,
        ),
        [lo, hi],
      );
      ph.step(r.rowCount ?? 0);
    }
    ph.end();
    const hp = phase('device health', locks);
    const h = await c.query(
      insertSql(
        SPECS.device_health,
        `FROM seed.devices d
         LEFT JOIN (SELECT device_id, max(at) AS seen, max(at) FILTER (WHERE type = 'offline') AS offline_at,
                           max(at) FILTER (WHERE battery_percent IS NOT NULL) AS battery_at,
                           max(at) FILTER (WHERE signal_dbm IS NOT NULL) AS signal_at,
                           max(at) FILTER (WHERE firmware_version IS NOT NULL) AS firmware_at,
                           max(at) FILTER (WHERE type IN ('door_ajar', 'lock')) AS door_at,
                           max(at) FILTER (WHERE type = 'door_ajar') AS ajar_at
                      FROM telemetry_events GROUP BY device_id) a ON a.device_id = d.id
         ORDER BY d.seq`,
      ),
    );
    hp.step(h.rowCount ?? 0);
  } finally {
    await c.end();
  }
}

/** Rebuilds the dropped indexes on two connections (largest first, alternating). */
async function rebuildIndexes(url: string, dropped: DroppedIndex[]): Promise<void> {
  const ph = phase('indexes', dropped.length);
  const { rows } = await withClient(url, (c) =>
    c.query<{ t: string; b: string }>(
      `SELECT relname AS t, pg_total_relation_size(oid) AS b FROM pg_class WHERE relname = ANY($1)`,
      [LOADED_TABLES],
    ),
  );
  const size = new Map(rows.map((r) => [r.t, Number(r.b)]));
  const queue = [...dropped].sort((a, b) => (size.get(b.table) ?? 0) - (size.get(a.table) ?? 0));
  await Promise.all(
    [0, 1].map(async () => {
      const c = await connect(url);
      try {
        for (let ix = queue.shift(); ix; ix = queue.shift()) {
          await c.query(ix.create);
          ph.step(1);
        }
      } finally {
        await c.end();
      }
    }),
  );
  ph.end();
}

async function vacuumAnalyze(url: string): Promise<void> {
  const ph = phase('vacuum analyze', LOADED_TABLES.length + 3);
  const queue = [...LOADED_TABLES, 'tenants', 'ticket_counters', 'model_firmware_overrides'];
  await Promise.all(
    [0, 1].map(async () => {
      const c = await connect(url);
      try {
        for (let t = queue.shift(); t; t = queue.shift()) {
          await c.query(`VACUUM (ANALYZE) ${t}`);
          ph.step(1);
        }
      } finally {
        await c.end();
      }
    }),
  );
  ph.end();
}

async function main(): Promise<void> {
  const fresh = process.argv.includes('--fresh');
  const server = await openScaleServer();
  try {
    const marker = await readMarker(server);
    if (marker && !fresh) {
      log(
        `${SCALE_DATABASE} is already seeded (${marker.seededAt}: ${fmt(marker.tickets)} tickets, ${fmt(marker.telemetry)} telemetry events, ${secs(marker.seconds)}); --fresh rebuilds it`,
      );
      await withClient(server.url, async (c) => log(formatTicketBytes(await ticketBytes(c))));
      return;
    }
    const now = new Date();
    const nowIso = now.toISOString();
    log(
      `Seeding ${SCALE_DATABASE}: ${fmt(TENANTS)} tenants, ${fmt(LOCKS)} locks (largest ${fmt(TOP_LOCKS)}), ${fmt(TICKETS)} tickets (largest ${fmt(TOP_TICKETS)}), ${fmt(TELEMETRY)} telemetry events`,
    );
    await prepareDatabase(server.adminUrl, server.url, fresh);

    log('Diagnoses: the engine on the training corpus reports');
    const patterns = buildPatterns(now);
    const sizes = patterns.map((p) => JSON.stringify(p.diag0).length);
    log(
      `  ${patterns.length} real diagnoses (and as many re-diagnoses after a failed step), ${fmt(sizes.reduce((a, b) => a + b, 0) / sizes.length)} bytes of JSON on average`,
    );

    const plan: Plan = {
      tickets: zipfSizes(TENANTS, TICKETS, TOP_TICKETS),
      locks: zipfSizes(TENANTS, LOCKS, TOP_LOCKS),
    };
    log(
      `  tenants by size: largest ${fmt(plan.tickets[0]!)} tickets / ${fmt(plan.locks[0]!)} locks, median ${fmt(plan.tickets[TENANTS >> 1]!)} / ${fmt(plan.locks[TENANTS >> 1]!)}, smallest ${fmt(plan.tickets.at(-1)!)} / ${fmt(plan.locks.at(-1)!)}`,
    );

    const main = await connect(server.url);
    let dropped: DroppedIndex[];
    let before: string[];
    try {
      await seedSchema(main, nowIso, patterns);
      await tenantPlan(main, plan);
      before = await indexDefinitions(main);
      dropped = await droppableIndexes(main);
      log(
        `Dropping ${dropped.length} indexes for the load (rebuilt after): ${dropped.map((d) => d.name).join(', ')}`,
      );
      for (const d of dropped) await main.query(d.drop);
      await smallTables(main);
    } finally {
      await main.end();
    }

    // Tickets and telemetry touch different tables: two connections, one core each.
    await Promise.all([loadTickets(server.url, patterns.length), loadTelemetry(server.url)]);
    await rebuildIndexes(server.url, dropped);

    await withClient(server.url, async (c) => {
      const after = await indexDefinitions(c);
      if (JSON.stringify(after) !== JSON.stringify(before))
        throw new Error('the rebuilt indexes differ from the migrated schema');
      await c.query(`DROP SCHEMA seed CASCADE`);
    });
    await vacuumAnalyze(server.url);

    const seconds = (performance.now() - started) / 1000;
    const done: SeedMarker = {
      kind: 'lockdesk-seed-scale',
      seededAt: nowIso,
      tenants: TENANTS,
      tickets: TICKETS,
      locks: LOCKS,
      telemetry: TELEMETRY,
      seconds: Math.round(seconds),
    };
    await withClient(server.url, async (c) => {
      await c.query(`COMMENT ON DATABASE ${SCALE_DATABASE} IS '${JSON.stringify(done)}'`);
      log(`\nSeeded in ${secs(seconds)} (indexes identical to the migrated schema's).`);
      log(formatTicketBytes(await ticketBytes(c)));
      const { rows } = await c.query<{ b: string }>(
        `SELECT pg_database_size(current_database()) AS b`,
      );
      log(`  database: ${(Number(rows[0]?.b) / 1024 ** 3).toFixed(2)} GB`);
    });
  } finally {
    await server.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
