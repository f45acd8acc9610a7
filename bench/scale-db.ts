/**
 * The scale data set's database, shared by `npm run seed:scale` and `npm run bench:scale`:
 * `lockdesk_scale` on DATABASE_URL's server (which must be a superuser URL: the seed loads
 * every tenant at once, under no tenant, and skips foreign-key triggers), or, without
 * DATABASE_URL, an embedded PostgreSQL kept in .data/scale (reused from run to run).
 */
import pg from 'pg';
import { startEmbeddedPostgres } from '../src/database/embedded.js';
import { log } from './support.js';

export const SCALE_DATABASE = process.env.SCALE_DATABASE ?? 'lockdesk_scale';

/** What seed:scale writes on the database (COMMENT ON DATABASE) when it has finished. */
export interface SeedMarker {
  kind: 'lockdesk-seed-scale';
  seededAt: string;
  tenants: number;
  tickets: number;
  locks: number;
  telemetry: number;
  seconds: number;
}

export interface ScaleDb {
  /** The scale database, as the superuser that owns it. */
  url: string;
  /** The server's maintenance database (to create and drop the scale database). */
  adminUrl: string;
  stop(): Promise<void>;
}

export async function openScaleServer(): Promise<ScaleDb> {
  let adminUrl = process.env.DATABASE_URL;
  let stop = async () => {};
  if (!adminUrl) {
    const embedded = await startEmbeddedPostgres({
      dataDir: process.env.SCALE_EMBEDDED_DIR ?? '.data/scale/pg',
      port: Number(process.env.SCALE_EMBEDDED_PORT ?? 54329),
      database: 'postgres',
      log,
    });
    adminUrl = embedded.url;
    stop = () => embedded.stop();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${SCALE_DATABASE}`;
  return { url: url.toString(), adminUrl, stop };
}

export async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url, application_name: 'lockdesk-scale' });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

export async function databaseExists(adminUrl: string): Promise<boolean> {
  return withClient(adminUrl, async (c) => {
    const { rowCount } = await c.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [
      SCALE_DATABASE,
    ]);
    return (rowCount ?? 0) > 0;
  });
}

/** The marker of a finished seed, or null (no database, or a seed that did not finish). */
export async function readMarker(db: ScaleDb): Promise<SeedMarker | null> {
  if (!(await databaseExists(db.adminUrl))) return null;
  return withClient(db.url, async (c) => {
    const { rows } = await c.query<{ d: string | null }>(
      `SELECT shobj_description(oid, 'pg_database') AS d FROM pg_database WHERE datname = current_database()`,
    );
    try {
      const m = JSON.parse(rows[0]?.d ?? 'null') as SeedMarker | null;
      return m?.kind === 'lockdesk-seed-scale' ? m : null;
    } catch {
      return null;
    }
  });
}

/** The tables a ticket's history lives in: what one ticket costs on disk. */
export const TICKET_TABLES = [
  'tickets',
  'ticket_diagnoses',
  'ticket_events',
  'outbox',
  'ticket_comments',
  'ticket_steps',
  'ticket_answers',
  'ticket_sla_pauses',
] as const;

export interface TicketBytes {
  tickets: number;
  rows: { table: string; rows: number; bytes: number; perTicket: number }[];
  perTicket: number;
}

/** pg_total_relation_size (heap, TOAST, indexes) of each ticket table, per ticket. */
export async function ticketBytes(c: pg.Client): Promise<TicketBytes> {
  const { rows: n } = await c.query<{ n: string }>(`SELECT count(*) AS n FROM tickets`);
  const tickets = Number(n[0]?.n ?? 0);
  const rows: TicketBytes['rows'] = [];
  for (const table of TICKET_TABLES) {
    const { rows: r } = await c.query<{ rows: string; bytes: string }>(
      `SELECT (SELECT count(*) FROM ${table}) AS rows, pg_total_relation_size('${table}') AS bytes`,
    );
    const bytes = Number(r[0]?.bytes ?? 0);
    rows.push({
      table,
      rows: Number(r[0]?.rows ?? 0),
      bytes,
      perTicket: tickets ? bytes / tickets : 0,
    });
  }
  const total = rows.reduce((s, r) => s + r.bytes, 0);
  return { tickets, rows, perTicket: tickets ? total / tickets : 0 };
}

export function formatTicketBytes(b: TicketBytes): string {
  const lines = [`Disk per ticket with its history (${b.tickets.toLocaleString('en')} tickets):`];
  for (const r of b.rows) {
    lines.push(
      `  ${r.table.padEnd(18)} ${r.rows.toLocaleString('en').padStart(12)} rows ${mb(r.bytes).padStart(11)}  ${Math.round(r.perTicket).toLocaleString('en').padStart(7)} B/ticket`,
    );
  }
  lines.push(
    `  ${'total'.padEnd(18)} ${''.padStart(17)} ${mb(b.rows.reduce((s, r) => s + r.bytes, 0)).padStart(11)}  ${Math.round(b.perTicket).toLocaleString('en').padStart(7)} B/ticket`,
  );
  return lines.join('\n');
}

export function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
