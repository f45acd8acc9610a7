/** The tickets themselves: numbering, the ticket row, search, and the SLA breach sweep. */
import type { TenantTx } from '../database/tenant-db.service.js';
import { type RowOf, table } from '../database/table.js';
import { outboxInsert } from '../common/outbox/outbox.repository.js';
import { availableAgentsSql } from '../tenancy/index.js';
import {
  IDEMPOTENCY_TTL_HOURS,
  storeAnswerSql,
  storedAnswerSql,
  type StoredAnswer,
} from '../common/idempotency/idempotency-context.js';
import {
  lockAlertsSql,
  type LockDiagnosisFactsRow,
  lockDiagnosisFactsSql,
  lockFactsOf,
} from '../devices/index.js';
import { type DiagnosisResponseDto, learnedCountsSql } from '../diagnostics/index.js';
import type { CauseCode, StepCode, SymptomCode } from '../diagnostics/index.js';
import {
  type DeskSettingsRow,
  deskSettingsJsonSql,
  type SlaPolicyRow,
  slaPoliciesJsonSql,
} from './desk-settings.repository.js';
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
  /** The current diagnosis: a row of this ticket's history (ticket_diagnoses), stored only there. */
  diagnosis_id: 'uuid',
  /** What lists show of it: SQL diagnosis_summary(diagnosis) (DiagnosisSummary). */
  diagnosis_summary: 'jsonb',
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
  /** Proactive alerts (low_battery, offline, jam_burst) folded into this open ticket as notes. */
  folded_reasons: '_text',
  search: 'tsvector',
  created_at: 'timestamptz',
  updated_at: 'timestamptz',
});

export const TICKET_COUNTERS = table('ticket_counters', {
  tenant_id: 'uuid',
  last_number: 'int4',
});

/** What a list shows of a diagnosis (made by the SQL function diagnosis_summary). */
export interface DiagnosisSummary {
  causes: { code: CauseCode; probability: number }[];
  nextStep: StepCode | null;
  escalation: { recommended: boolean; target: 'locksmith' | 'manufacturer' | null };
  modelVersion: string;
}

/** A ticket's own columns as the service reads them (no tenant, search vector or summary). */
export type TicketColumns = Omit<
  RowOf<typeof TICKETS>,
  | 'tenant_id'
  | 'search'
  | 'diagnosis_summary'
  | 'status'
  | 'priority'
  | 'source'
  | 'symptoms'
  | 'confirmed_cause'
> & {
  status: TicketStatus;
  priority: Priority;
  source: 'reported' | 'proactive';
  symptoms: SymptomCode[];
  confirmed_cause: CauseCode | null;
};

/** A ticket with its current diagnosis in full (read from its history). */
export type TicketRow = TicketColumns & { diagnosis: DiagnosisResponseDto };

/** A ticket as a list shows it: its lock's serial, its property's name, the diagnosis summary. */
export type TicketListRow = Pick<
  TicketColumns,
  | 'id'
  | 'number'
  | 'device_id'
  | 'property_id'
  | 'assignee_id'
  | 'status'
  | 'priority'
  | 'source'
  | 'reason'
  | 'confirmed_cause'
  | 'version'
  | 'first_response_due_at'
  | 'resolution_due_at'
  | 'first_responded_at'
  | 'sla_breached'
  | 'sla_paused_at'
  | 'solved_at'
  | 'created_at'
  | 'updated_at'
> & { device_serial: string; property_name: string; diagnosis_summary: DiagnosisSummary };

/** The columns of a change (what `updateTicket` may set). */
export type TicketChanges = {
  -readonly [
    K in Exclude<
      keyof TicketColumns,
      'id' | 'number' | 'version' | 'diagnosis_id' | 'created_at' | 'updated_at'
    >
  ]?: TicketColumns[K];
};

/** A new diagnosis of a ticket (re-diagnosis): appended to its history and made current. */
export interface NewDiagnosis {
  id: string;
  trigger: string;
  diagnosis: DiagnosisResponseDto;
}

const COLUMN_NAMES = [
  'id',
  'number',
  'device_id',
  'property_id',
  'reporter_id',
  'assignee_id',
  'status',
  'priority',
  'source',
  'reason',
  'symptoms',
  'description',
  'diagnosis_id',
  'confirmed_cause',
  'resolution',
  'version',
  'first_response_minutes',
  'resolution_minutes',
  'first_response_due_at',
  'resolution_due_at',
  'first_responded_at',
  'sla_breached',
  'sla_paused_at',
  'solved_at',
  'closed_at',
  'folded_reasons',
  'created_at',
  'updated_at',
] as const satisfies readonly (keyof TicketColumns)[];

const columns = (alias?: string) =>
  COLUMN_NAMES.map((c) => (alias ? `${alias}.${c}` : c)).join(', ');

/**
 * Round-robin: the first available agent (tenancy's `availableAgentsSql`) after `after` by id,
 * wrapping around, among those holding fewer than `maxOpen` open tickets (SQL expressions).
 */
function nextAgentSql(after: string, maxOpen: string): string {
  return `SELECT u.id FROM (${availableAgentsSql()}) u
      WHERE (SELECT count(*) FROM tickets ot WHERE ot.assignee_id = u.id
               AND ot.status IN ('new', 'open', 'pending', 'on_hold')) < ${maxOpen}
      ORDER BY (u.id > coalesce(${after}, '00000000-0000-0000-0000-000000000000'::uuid)) DESC, u.id
      LIMIT 1`;
}

/** How a report names its lock: by id, by serial, or by property and unit. */
export type LockRef =
  | { kind: 'device'; deviceId: string }
  | { kind: 'serial'; serial: string }
  | { kind: 'unit'; propertyId: string; unit: string };

/** A lock a property-and-unit report could mean (when there are several). */
export interface LockMatch {
  id: string;
  serial: string;
  unit: string | null;
  label: string | null;
}

/** The open ticket a report on the lock would duplicate (reported ones first, newest first). */
export interface OpenTicketRef {
  id: string;
  number: number;
  source: 'reported' | 'proactive';
}

/** What a ticket's creation reads, in one statement (creationFacts). */
export interface CreationFacts {
  /** the lock the reference named; null when it names none or several */
  deviceId: string | null;
  /** null when the tenant has no such lock */
  lock: LockDiagnosisFactsRow | null;
  /** the locks the reference matched (up to 21; several only for a property and unit) */
  matches: LockMatch[];
  /** for a property-and-unit reference: whether the tenant has that property */
  propertyFound: boolean | null;
  /** an open (not solved or closed) ticket on the lock */
  openTicket: OpenTicketRef | null;
  learned: Partial<Record<CauseCode, number>>;
  settings: Omit<DeskSettingsRow, 'tenant_id' | 'updated_at'> | null;
  sla: SlaPolicyRow[];
  /** the completed answer of the request's Idempotency-Key, if any */
  stored: StoredAnswer | null;
}

/** The locks a reference names: by id or serial one at most; by property and unit, active ones. */
function lockMatchesSql(ref: LockRef, p: (v: unknown) => string): string {
  const where =
    ref.kind === 'device'
      ? `d.id = ${p(ref.deviceId)}::uuid`
      : ref.kind === 'serial'
        ? `d.serial = ${p(ref.serial)}`
        : `d.property_id = ${p(ref.propertyId)}::uuid AND d.status = 'active'
           AND lower(d.unit) = lower(${p(ref.unit)})`;
  return `SELECT d.id, d.serial, d.unit, d.label FROM devices d WHERE ${where} ORDER BY d.serial LIMIT 21`;
}

/**
 * Everything a creation needs before the engine runs, one statement: the lock the report names
 * (by id, serial, or property and unit: every match, so several can be listed), its facts
 * (property, model, health, battery readings), its open ticket if any, the tenant's learned
 * priors for the model, desk settings, SLA policies, and (with an Idempotency-Key, whose lock the
 * transaction's first statement took) the stored answer. Nothing is locked.
 */
export async function creationFacts(
  tx: TenantTx,
  q: { lock: LockRef; now: Date; idempotencyKey: string | null },
): Promise<CreationFacts> {
  const params: unknown[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const matches = lockMatchesSql(q.lock, p);
  const now = `${p(q.now)}::timestamptz`;
  const stored =
    q.idempotencyKey === null ? 'NULL::json' : storedAnswerSql(p(tx.tenantId), p(q.idempotencyKey));
  const property =
    q.lock.kind === 'unit'
      ? `EXISTS (SELECT 1 FROM properties WHERE id = ${p(q.lock.propertyId)}::uuid)`
      : 'NULL::boolean';
  const [row] = await tx.em.query<
    [
      Omit<CreationFacts, 'lock' | 'deviceId' | 'propertyFound' | 'openTicket'> &
        Partial<LockDiagnosisFactsRow> & {
          property_id: string | null;
          device_id: string | null;
          property_found: boolean | null;
          open_ticket: OpenTicketRef | null;
        },
    ]
  >(
    `WITH m AS MATERIALIZED (${matches}),
          one AS (SELECT CASE WHEN (SELECT count(*) FROM m) = 1 THEN (SELECT id FROM m) END AS device_id)
     SELECT one.device_id, f.property_id, f.model_id, f.health, f.model, f.readings,
            coalesce((SELECT json_agg(json_build_object('id', m.id, 'serial', m.serial, 'unit', m.unit,
                                                        'label', m.label) ORDER BY m.serial) FROM m),
                     '[]'::json) AS matches,
            ${property} AS property_found,
            (SELECT json_build_object('id', t.id, 'number', t.number, 'source', t.source)
               FROM tickets t
              WHERE t.device_id = one.device_id AND t.status NOT IN ('solved', 'closed')
              ORDER BY (t.source = 'reported') DESC, t.id DESC LIMIT 1) AS open_ticket,
            ${learnedCountsSql('f.model_id')} AS learned,
            ${deskSettingsJsonSql()} AS settings,
            ${slaPoliciesJsonSql()} AS sla,
            ${stored} AS stored
       FROM one
       LEFT JOIN LATERAL (${lockDiagnosisFactsSql('one.device_id', now)}) f ON true`,
    params,
  );
  return {
    deviceId: row.device_id,
    lock: lockFactsOf(row),
    matches: row.matches,
    propertyFound: row.property_found,
    openTicket: row.open_ticket,
    learned: row.learned,
    settings: row.settings,
    sla: row.sla,
    stored: row.stored,
  };
}

export interface NewTicketRow {
  id: string;
  deviceId: string;
  propertyId: string;
  reporterId: string | null;
  /** Round-robin among available agents under `maxOpenPerAgent` (desk settings), in this statement. */
  autoAssign: { maxOpenPerAgent: number } | null;
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
  /**
   * The request's Idempotency-Key and its answer, stored in this statement: `body` with the
   * number and assignee this statement gives the ticket patched in.
   */
  answer: {
    key: string;
    requestHash: string;
    method: string;
    path: string;
    status: number;
    body: unknown;
  } | null;
}

/**
 * Assignee (round-robin pointer moved), number, ticket, its first diagnosis (history), the
 * `created` timeline event, the `ticket.created` outbox message and the idempotency answer: one
 * statement, so the tenant's hot rows (the number counter, the round-robin pointer) are locked
 * only from this last statement to the commit. `stored` says the answer was stored.
 */
export async function insertTicket(
  tx: TenantTx,
  t: NewTicketRow,
): Promise<TicketColumns & { stored: boolean }> {
  const params: unknown[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const tenant = p(tx.tenantId);
  const id = p(t.id);
  const diagnosis = `${p(JSON.stringify(t.diagnosis))}::jsonb`;
  const diagnosisId = p(t.diagnosisId);
  const ctes: string[] = [];
  if (t.autoAssign) {
    // The pointer's row lock, taken here: concurrent creations take turns from this statement on.
    ctes.push(
      `lk AS (SELECT last_assignee_id FROM desk_settings FOR UPDATE)`,
      `pick AS (${nextAgentSql('(SELECT last_assignee_id FROM lk)', p(t.autoAssign.maxOpenPerAgent))})`,
      `moved AS (UPDATE desk_settings SET last_assignee_id = pick.id FROM pick)`,
    );
  }
  ctes.push(
    `n AS (
       INSERT INTO ticket_counters (tenant_id, last_number) VALUES (${tenant}, 1)
       ON CONFLICT (tenant_id) DO UPDATE SET last_number = ticket_counters.last_number + 1
       RETURNING last_number
     )`,
    `t AS (
       INSERT INTO tickets (tenant_id, id, number, device_id, property_id, reporter_id, assignee_id, status, priority,
         source, reason, symptoms, description, diagnosis_id, diagnosis_summary, first_response_minutes,
         resolution_minutes, first_response_due_at, resolution_due_at, search, created_at, updated_at)
       SELECT ${tenant}, ${id}, n.last_number, ${p(t.deviceId)}, ${p(t.propertyId)}, ${p(t.reporterId)},
         ${t.autoAssign ? '(SELECT id FROM pick)' : 'NULL::uuid'}, 'new', ${p(t.priority)}, ${p(t.source)},
         ${p(t.reason)}, ${p(t.symptoms)}::text[], ${p(t.description)}, ${diagnosisId}, diagnosis_summary(${diagnosis}),
         ${p(t.firstResponseMinutes)}::int, ${p(t.resolutionMinutes)}::int, ${p(t.firstResponseDueAt)}::timestamptz,
         ${p(t.resolutionDueAt)}::timestamptz,
         setweight(to_tsvector('simple', 'LD-' || n.last_number || ' ' || n.last_number), 'A')
           || to_tsvector('english', ${p(t.description)}), ${p(t.now)}, ${p(t.now)}
         FROM n
       RETURNING ${columns()}
     )`,
    `h AS (
       INSERT INTO ticket_diagnoses (tenant_id, id, ticket_id, trigger, diagnosis)
       SELECT ${tenant}, ${diagnosisId}, t.id, 'created', ${diagnosis} FROM t
     )`,
    `e AS (
       INSERT INTO ticket_events (tenant_id, ticket_id, type, actor_type, actor_id, after)
       SELECT ${tenant}, t.id, 'created', ${p(t.actorType)}, ${p(t.actorId)},
              jsonb_build_object('number', 'LD-' || t.number, 'status', t.status, 'priority', t.priority,
                                 'assigneeId', t.assignee_id, 'source', t.source, 'reason', t.reason)
         FROM t
     )`,
    `o AS (
       ${outboxInsert(`SELECT ${tenant}, 'ticket.created', t.id,
              jsonb_build_object('ticketId', t.id, 'number', 'LD-' || t.number, 'deviceId', t.device_id,
                                 'priority', t.priority, 'status', t.status, 'topCause', ${diagnosis} #> '{causes,0,code}')
         FROM t`)}
     )`,
  );
  if (t.answer) {
    const a = t.answer;
    ctes.push(`k AS (
       ${storeAnswerSql({
         tenant,
         key: p(a.key),
         requestHash: p(a.requestHash),
         method: p(a.method),
         path: p(a.path),
         status: p(a.status),
         body: `(SELECT jsonb_set(jsonb_set(${p(JSON.stringify(a.body))}::jsonb, '{number}', to_jsonb('LD-' || t.number)),
                                  '{assigneeId}', coalesce(to_jsonb(t.assignee_id), 'null'::jsonb)) FROM t)`,
         ttlHours: p(IDEMPOTENCY_TTL_HOURS),
       })}
     )`);
  }
  const [row] = await tx.em.query<[TicketColumns & { stored: boolean }]>(
    `WITH ${ctes.join(',\n')}
     SELECT t.*, ${t.answer ? 'EXISTS (SELECT 1 FROM k)' : 'false'} AS stored FROM t`,
    params,
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

/** Newest first (by id), keyset-paged; each with its lock's serial and its property's name. */
export function listTickets(tx: TenantTx, f: TicketFilter): Promise<TicketListRow[]> {
  return tx.em.query<TicketListRow[]>(
    `SELECT t.id, t.number, t.device_id, d.serial AS device_serial, t.property_id, p.name AS property_name,
            t.assignee_id, t.status, t.priority, t.source, t.reason, t.confirmed_cause, t.version,
            t.diagnosis_summary, t.first_response_due_at, t.resolution_due_at, t.first_responded_at,
            t.sla_breached, t.sla_paused_at, t.solved_at, t.created_at, t.updated_at
       FROM (SELECT * FROM tickets
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
              LIMIT $12) t
       JOIN devices d ON d.tenant_id = t.tenant_id AND d.id = t.device_id
       JOIN properties p ON p.tenant_id = t.tenant_id AND p.id = t.property_id
      ORDER BY t.id DESC`,
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

/**
 * One ticket with its current diagnosis; `lock` holds its row until the transaction ends
 * (changes queue up behind it).
 */
export async function findTicket(
  tx: TenantTx,
  id: string,
  opts: { lock?: boolean } = {},
): Promise<TicketRow | undefined> {
  const [row] = await tx.em.query<(TicketColumns & { diagnosis: DiagnosisResponseDto | null })[]>(
    `SELECT ${columns('t')},
            (SELECT h.diagnosis FROM ticket_diagnoses h WHERE h.tenant_id = t.tenant_id AND h.id = t.diagnosis_id)
              AS diagnosis
       FROM tickets t WHERE t.id = $1 ${opts.lock ? 'FOR UPDATE' : ''}`,
    [id],
  );
  if (!row) return undefined;
  if (row.diagnosis !== null) return { ...row, diagnosis: row.diagnosis };
  // The lock waited for a change that made a new diagnosis current: the statement's snapshot,
  // taken before that change committed, cannot see the new history row. A new statement can
  // (and the pointer cannot move again while this transaction holds the row).
  const [current] = await tx.em.query<{ diagnosis: DiagnosisResponseDto }[]>(
    `SELECT diagnosis FROM ticket_diagnoses WHERE id = $1`,
    [row.diagnosis_id],
  );
  if (!current) throw new Error(`ticket ${id} has no diagnosis ${row.diagnosis_id}`);
  return { ...row, diagnosis: current.diagnosis };
}

/** What a ticket's SLA state is computed from. */
export type SlaColumns = Pick<
  TicketRow,
  | 'status'
  | 'first_response_due_at'
  | 'resolution_due_at'
  | 'first_responded_at'
  | 'sla_breached'
  | 'sla_paused_at'
  | 'solved_at'
>;

/** A ticket's version and SLA columns (its ETag), for a conditional GET that may not need the ticket. */
export async function ticketVersion(
  tx: TenantTx,
  id: string,
): Promise<(SlaColumns & { version: number }) | undefined> {
  const [row] = await tx.em.query<(SlaColumns & { version: number })[]>(
    `SELECT version, status, first_response_due_at, resolution_due_at, first_responded_at,
            sla_breached, sla_paused_at, solved_at
       FROM tickets WHERE id = $1`,
    [id],
  );
  return row;
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

/**
 * Applies a change, bumps the version and answers the new row (its own columns); a new diagnosis
 * is appended to the history and made current in the same statement.
 */
export async function updateTicket(
  tx: TenantTx,
  id: string,
  changes: TicketChanges,
  diagnosis?: NewDiagnosis,
): Promise<TicketColumns> {
  const entries = Object.entries(changes).filter(([, v]) => v !== undefined);
  for (const [k] of entries) {
    if (!(k in TICKETS.columns)) throw new Error(`tickets has no column ${k}`);
  }
  const values: unknown[] = [id, ...entries.map(([, v]) => v)];
  const sets = entries.map(([k], i) => `${k} = $${i + 2}`);
  let history = '';
  if (diagnosis) {
    const at = values.length;
    values.push(tx.tenantId, diagnosis.id, diagnosis.trigger, JSON.stringify(diagnosis.diagnosis));
    history = `WITH h AS (
       INSERT INTO ticket_diagnoses (tenant_id, id, ticket_id, trigger, diagnosis)
       VALUES ($${at + 1}, $${at + 2}, $1, $${at + 3}, $${at + 4}::jsonb)
     )`;
    sets.push(
      `diagnosis_id = $${at + 2}`,
      `diagnosis_summary = diagnosis_summary($${at + 4}::jsonb)`,
    );
  }
  const [updated] = await tx.em.query<[TicketColumns[], number]>(
    `${history} UPDATE tickets SET ${[...sets, 'version = version + 1', 'updated_at = now()'].join(', ')}
      WHERE id = $1 RETURNING ${columns()}`,
    values,
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
        AND NOT EXISTS (SELECT 1 FROM tickets t WHERE t.device_id = c.device_id
                          AND (t.reason = c.reason OR c.reason = ANY (t.folded_reasons))
                          AND t.status NOT IN ('solved', 'closed'))
      LIMIT $4`,
    [thresholds.batteryPercent, thresholds.offlineHours, thresholds.jamsPerHour, limit],
  );
}
