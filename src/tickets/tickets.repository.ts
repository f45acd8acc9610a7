/** The tickets themselves: numbering, the ticket row, search, and the SLA breach sweep. */
import type { TenantTx } from '../database/tenant-db.service.js';
import { type RowOf, table } from '../database/table.js';
import { outboxInsert } from '../common/outbox/outbox.repository.js';
import { lockAlertsSql } from '../devices/index.js';
import { availableAgentsSql } from '../tenancy/index.js';
import type { DiagnosisResponseDto } from '../diagnostics/index.js';
import type { CauseCode, SymptomCode } from '../diagnostics/index.js';
import type { Priority, TicketStatus } from './ticket-state.util.js';

export const TICKETS = table('tickets', {
  tenant_id: 'uuid',
  id: 'uuid',
  number: 'int4',
  device_id: 'uuid',
  property_id: 'uuid',
  reporter_id: 'uuid?',
  assignee_id: 'uuid?',
  status: 'text',
  priority: 'text',
  source: 'text',
  reason: 'text?',
  symptoms: '_text',
  description: 'text',
  diagnosis: 'jsonb',
  confirmed_cause: 'text?',
  resolution: 'text?',
  version: 'int4',
  first_response_minutes: 'int4?',
  resolution_minutes: 'int4?',
  first_response_due_at: 'timestamptz?',
  resolution_due_at: 'timestamptz?',
  first_responded_at: 'timestamptz?',
  sla_breached: 'bool',
  sla_paused_at: 'timestamptz?',
  solved_at: 'timestamptz?',
  closed_at: 'timestamptz?',
  search: 'tsvector',
  created_at: 'timestamptz',
  updated_at: 'timestamptz',
});

export const TICKET_COUNTERS = table('ticket_counters', {
  tenant_id: 'uuid',
  last_number: 'int4',
});

/** A ticket as the service reads it (no tenant, no search vector; jsonb and enums narrowed). */
export type TicketRow = Omit<
  RowOf<typeof TICKETS>,
  | 'tenant_id'
  | 'search'
  | 'status'
  | 'priority'
  | 'source'
  | 'symptoms'
  | 'diagnosis'
  | 'confirmed_cause'
> & {
  status: TicketStatus;
  priority: Priority;
  source: 'reported' | 'proactive';
  symptoms: SymptomCode[];
  diagnosis: DiagnosisResponseDto;
  confirmed_cause: CauseCode | null;
};

/** The columns of a change (what `updateTicket` may set). */
export type TicketChanges = {
  -readonly [
    K in Exclude<keyof TicketRow, 'id' | 'number' | 'version' | 'created_at' | 'updated_at'>
  ]?: TicketRow[K];
};

const TICKET_COLUMNS = `id, number, device_id, property_id, reporter_id, assignee_id, status, priority, source, reason,
  symptoms, description, diagnosis, confirmed_cause, resolution, version, first_response_minutes, resolution_minutes,
  first_response_due_at, resolution_due_at, first_responded_at, sla_breached, sla_paused_at, solved_at, closed_at,
  created_at, updated_at`;

export interface NewTicketRow {
  id: string;
  deviceId: string;
  propertyId: string;
  reporterId: string | null;
  assigneeId: string | null;
  priority: Priority;
  source: 'reported' | 'proactive';
  reason: string | null;
  symptoms: SymptomCode[];
  description: string;
  diagnosis: DiagnosisResponseDto;
  diagnosisId: string;
  firstResponseMinutes: number | null;
  resolutionMinutes: number | null;
  firstResponseDueAt: Date | null;
  resolutionDueAt: Date | null;
  actorType: string;
  actorId: string | null;
  now: Date;
}

/**
 * Number, ticket, its first diagnosis, the `created` timeline event and the `ticket.created`
 * outbox message: one statement.
 */
export async function insertTicket(tx: TenantTx, t: NewTicketRow): Promise<TicketRow> {
  const [row] = await tx.em.query<[TicketRow]>(
    `WITH n AS (
       INSERT INTO ticket_counters (tenant_id, last_number) VALUES ($1, 1)
       ON CONFLICT (tenant_id) DO UPDATE SET last_number = ticket_counters.last_number + 1
       RETURNING last_number
     ), t AS (
       INSERT INTO tickets (tenant_id, id, number, device_id, property_id, reporter_id, assignee_id, status, priority,
         source, reason, symptoms, description, diagnosis, first_response_minutes, resolution_minutes,
         first_response_due_at, resolution_due_at, search, created_at, updated_at)
       SELECT $1, $2, n.last_number, $16, $20, $3, $4, 'new', $5, $6, $7, $8, $9, $10, $11, $12, $13, $14,
         setweight(to_tsvector('simple', 'LD-' || n.last_number || ' ' || n.last_number), 'A')
           || to_tsvector('english', $9), $15, $15
         FROM n
       RETURNING ${TICKET_COLUMNS}
     ), h AS (
       INSERT INTO ticket_diagnoses (tenant_id, id, ticket_id, trigger, diagnosis) SELECT $1, $17, t.id, 'created', $10 FROM t
     ), e AS (
       INSERT INTO ticket_events (tenant_id, ticket_id, type, actor_type, actor_id, after)
       SELECT $1, t.id, 'created', $18, $19,
              jsonb_build_object('number', 'LD-' || t.number, 'status', t.status, 'priority', t.priority,
                                 'assigneeId', t.assignee_id, 'source', t.source, 'reason', t.reason)
         FROM t
     ), o AS (
       ${outboxInsert(`SELECT $1, 'ticket.created', t.id,
              jsonb_build_object('ticketId', t.id, 'number', 'LD-' || t.number, 'deviceId', t.device_id,
                                 'priority', t.priority, 'status', t.status, 'topCause', $10::jsonb #> '{causes,0,code}')
         FROM t`)}
     )
     SELECT * FROM t`,
    [
      tx.tenantId,
      t.id,
      t.reporterId,
      t.assigneeId,
      t.priority,
      t.source,
      t.reason,
      t.symptoms,
      t.description,
      JSON.stringify(t.diagnosis),
      t.firstResponseMinutes,
      t.resolutionMinutes,
      t.firstResponseDueAt,
      t.resolutionDueAt,
      t.now,
      t.deviceId,
      t.diagnosisId,
      t.actorType,
      t.actorId,
      t.propertyId,
    ],
  );
  return row;
}

export interface TicketFilter {
  before: string | null;
  status: string | null;
  priority: string | null;
  assigneeId: string | null;
  deviceId: string | null;
  propertyId: string | null;
  slaBreached: boolean | null;
  createdFrom: string | null;
  createdTo: string | null;
  /** websearch text (already reduced to what websearch_to_tsquery accepts) */
  text: string | null;
  /** a ticket number the text names ("LD-12", "12") */
  number: number | null;
  limit: number;
}

/** Newest first (by id), keyset-paged. */
export function listTickets(tx: TenantTx, f: TicketFilter): Promise<TicketRow[]> {
  return tx.em.query<TicketRow[]>(
    `SELECT ${TICKET_COLUMNS} FROM tickets
      WHERE ($1::uuid IS NULL OR id < $1)
        AND ($2::text IS NULL OR status = $2)
        AND ($3::text IS NULL OR priority = $3)
        AND ($4::uuid IS NULL OR assignee_id = $4)
        AND ($5::uuid IS NULL OR device_id = $5)
        AND ($6::uuid IS NULL OR property_id = $6)
        AND ($7::boolean IS NULL OR sla_breached = $7)
        AND ($8::timestamptz IS NULL OR created_at >= $8)
        AND ($9::timestamptz IS NULL OR created_at < $9)
        AND ($10::text IS NULL OR search @@ websearch_to_tsquery('english', $10) OR number = $11)
      ORDER BY id DESC
      LIMIT $12`,
    [
      f.before,
      f.status,
      f.priority,
      f.assigneeId,
      f.deviceId,
      f.propertyId,
      f.slaBreached,
      f.createdFrom,
      f.createdTo,
      f.text,
      f.number,
      f.limit,
    ],
  );
}

/** One ticket; `lock` holds its row until the transaction ends (changes queue up behind it). */
export async function findTicket(
  tx: TenantTx,
  id: string,
  opts: { lock?: boolean } = {},
): Promise<TicketRow | undefined> {
  const [row] = await tx.em.query<TicketRow[]>(
    `SELECT ${TICKET_COLUMNS} FROM tickets WHERE id = $1 ${opts.lock ? 'FOR UPDATE' : ''}`,
    [id],
  );
  return row;
}

/** A ticket's version alone (its ETag), for a conditional GET that may not need the ticket. */
export async function ticketVersion(tx: TenantTx, id: string): Promise<number | undefined> {
  const [row] = await tx.em.query<{ version: number }[]>(
    `SELECT version FROM tickets WHERE id = $1`,
    [id],
  );
  return row?.version;
}

/** The id and number of a ticket (what a timeline event names). */
export async function ticketRef(
  tx: TenantTx,
  id: string,
): Promise<Pick<TicketRow, 'id' | 'number'> | undefined> {
  const [row] = await tx.em.query<Pick<TicketRow, 'id' | 'number'>[]>(
    `SELECT id, number FROM tickets WHERE id = $1`,
    [id],
  );
  return row;
}

/** Applies a change, bumps the version and answers the new row. */
export async function updateTicket(
  tx: TenantTx,
  id: string,
  changes: TicketChanges,
): Promise<TicketRow> {
  const entries = Object.entries(changes).filter(([, v]) => v !== undefined);
  for (const [k] of entries) {
    if (!(k in TICKETS.columns)) throw new Error(`tickets has no column ${k}`);
  }
  const sets = entries.map(([k], i) => `${k} = $${i + 2}`);
  const values = entries.map(([k, v]) => (k === 'diagnosis' ? JSON.stringify(v) : v));
  const [updated] = await tx.em.query<[TicketRow[], number]>(
    `UPDATE tickets SET ${[...sets, 'version = version + 1', 'updated_at = now()'].join(', ')}
      WHERE id = $1 RETURNING ${TICKET_COLUMNS}`,
    [id, ...values],
  );
  return updated[0]!;
}

/** A public comment's words become searchable on its ticket. */
export async function appendSearchText(tx: TenantTx, id: string, text: string): Promise<void> {
  await tx.em.query(
    `UPDATE tickets SET search = search || to_tsvector('english', $2) WHERE id = $1`,
    [id, text],
  );
}

export interface BreachedTicket {
  id: string;
  number: number;
  first_late: boolean;
  resolution_late: boolean;
}

/**
 * Up to `limit` open tickets past a due time and not yet flagged, flagged now (version bumped)
 * in one statement; rows another transaction holds are skipped, not waited for.
 */
export function flagBreaches(tx: TenantTx, now: Date, limit: number): Promise<BreachedTicket[]> {
  return tx.em.query<BreachedTicket[]>(
    `WITH due AS (
       SELECT id, number,
              (first_responded_at IS NULL AND first_response_due_at < $1) AS first_late,
              (solved_at IS NULL AND resolution_due_at < $1) AS resolution_late
         FROM tickets
        WHERE NOT sla_breached AND status IN ('new', 'open')
          AND ((first_responded_at IS NULL AND first_response_due_at < $1) OR resolution_due_at < $1)
        ORDER BY id
        LIMIT $2
        FOR UPDATE SKIP LOCKED
     ), u AS (
       UPDATE tickets t SET sla_breached = true, version = t.version + 1, updated_at = now()
         FROM due WHERE t.id = due.id
     )
     SELECT * FROM due ORDER BY id`,
    [now, limit],
  );
}

export interface ProactiveCandidate {
  device_id: string;
  reason: string;
  battery: number | null;
  last_seen_at: Date | null;
  jams: number;
}

/**
 * Locks whose telemetry crosses a proactive threshold (devices' `lockAlertsSql`) and that have no
 * open ticket for that reason yet: one statement, at most `limit`.
 */
export function proactiveCandidates(
  tx: TenantTx,
  thresholds: { batteryPercent: number; offlineHours: number; jamsPerHour: number },
  limit: number,
): Promise<ProactiveCandidate[]> {
  return tx.em.query<ProactiveCandidate[]>(
    `WITH c AS (${lockAlertsSql({ batteryPercent: '$1', offlineHours: '$2', jamsPerHour: '$3' })})
     SELECT c.* FROM c
      WHERE c.reason IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM tickets t WHERE t.device_id = c.device_id AND t.reason = c.reason
                          AND t.status NOT IN ('solved', 'closed'))
      LIMIT $4`,
    [thresholds.batteryPercent, thresholds.offlineHours, thresholds.jamsPerHour, limit],
  );
}

/**
 * Round-robin: the first available agent (tenancy's `availableAgentsSql`) after `after` by id,
 * wrapping around, among those holding fewer than `maxOpen` open tickets.
 */
export async function nextAgentUnderCap(
  tx: TenantTx,
  after: string | null,
  maxOpen: number,
): Promise<string | null> {
  const [next] = await tx.em.query<{ id: string }[]>(
    `SELECT u.id FROM (${availableAgentsSql()}) u
      WHERE (SELECT count(*) FROM tickets t WHERE t.assignee_id = u.id
               AND t.status IN ('new', 'open', 'pending', 'on_hold')) < $2
      ORDER BY (u.id > coalesce($1, '00000000-0000-0000-0000-000000000000'::uuid)) DESC, u.id
      LIMIT 1`,
    [after, maxOpen],
  );
  return next?.id ?? null;
}
