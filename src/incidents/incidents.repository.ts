/**
 * Fleet incidents: the tables this module owns, and the set-based detection and linking
 * statements. Those read (never write) other modules' tables: tickets (created_at, the top cause
 * of diagnosis_summary), devices and device_health (model, firmware), telemetry_events (jam,
 * offline, code_failed) and catalog_models (a model's name), all under the tenant's row-level
 * security. They are aggregate reads over whole fleets, which the per-lock functions the other
 * modules export cannot express in one statement.
 */
import type { DataSource } from 'typeorm';
import type { TenantTx } from '../database/tenant-db.service.js';
import { type RowOf, table } from '../database/table.js';

export const INCIDENTS = table('incidents', {
  tenant_id: 'uuid',
  id: 'uuid',
  title: 'text',
  model_id: 'uuid',
  firmware_version: 'text',
  kind: 'text',
  signal: 'text',
  state: 'text',
  suspected_cause: 'text?',
  window_start: 'timestamptz',
  first_seen_at: 'timestamptz',
  last_seen_at: 'timestamptz',
  lock_count: 'int4',
  ticket_count: 'int4',
  p_value: 'float8',
  evidence: 'jsonb',
  confirmed_cause: 'text?',
  resolution: 'text?',
  acknowledged_at: 'timestamptz?',
  acknowledged_by: 'uuid?',
  resolved_at: 'timestamptz?',
  resolved_by: 'uuid?',
  version: 'int4',
  created_at: 'timestamptz',
  updated_at: 'timestamptz',
});

export const INCIDENT_TICKETS = table('incident_tickets', {
  tenant_id: 'uuid',
  incident_id: 'uuid',
  ticket_id: 'uuid',
  linked_at: 'timestamptz',
});

export const INCIDENT_LOCKS = table('incident_locks', {
  tenant_id: 'uuid',
  incident_id: 'uuid',
  device_id: 'uuid',
  first_seen_at: 'timestamptz',
  last_seen_at: 'timestamptz',
});

export const INCIDENT_DETECTION = table('incident_detection', {
  tenant_id: 'uuid',
  last_run_at: 'timestamptz',
});

export type IncidentKind = 'cause' | 'telemetry';
export type IncidentState = 'open' | 'acknowledged' | 'resolved';
export const TELEMETRY_SIGNALS = ['jam', 'offline', 'code_failed'] as const;

export type IncidentRow = Omit<RowOf<typeof INCIDENTS>, 'tenant_id' | 'kind' | 'state'> & {
  kind: IncidentKind;
  state: IncidentState;
  model_name: string | null;
};

/** Customers with an active lock whose last detection run is older than `minAgeSeconds`. */
export async function dueIncidentTenants(ds: DataSource, minAgeSeconds: number): Promise<string[]> {
  const rows = await ds.query<{ id: string }[]>(`SELECT id FROM due_incident_tenants($1) AS id`, [
    Math.max(0, Math.floor(minAgeSeconds)),
  ]);
  return rows.map((r) => r.id);
}

/**
 * Takes the tenant's detection turn: `claimed` when this transaction holds it (the tenant's row,
 * locked for the rest of the transaction, stamped `now`), not when another instance holds it or
 * ran it less than `minAgeSeconds` ago; `active`: its incidents not resolved yet (linking is
 * skipped when there are none and none is found).
 */
export async function claimDetection(
  tx: TenantTx,
  now: Date,
  minAgeSeconds: number,
): Promise<{ claimed: boolean; active: number }> {
  const [taken] = await tx.em.query<{ active: number }[]>(
    // A CTE, so the answer is the rows (a bare UPDATE answers [rows, count] through TypeORM).
    `WITH taken AS (
       UPDATE incident_detection SET last_run_at = $1
        WHERE tenant_id = $2
          AND tenant_id = (SELECT tenant_id FROM incident_detection WHERE tenant_id = $2
                              AND last_run_at <= $1::timestamptz - make_interval(secs => $3)
                              FOR UPDATE SKIP LOCKED)
        RETURNING tenant_id)
     SELECT (SELECT count(*)::int FROM incidents WHERE state <> 'resolved') AS active FROM taken`,
    [now, tx.tenantId, minAgeSeconds],
  );
  if (taken) return { claimed: true, active: taken.active };
  // The first run of a tenant (it has no incident yet): the row is new; a concurrent first run
  // waits for this one, then does nothing.
  const inserted = await tx.em.query<{ tenant_id: string }[]>(
    `INSERT INTO incident_detection (tenant_id, last_run_at) VALUES ($1, $2)
     ON CONFLICT (tenant_id) DO NOTHING RETURNING tenant_id`,
    [tx.tenantId, now],
  );
  return { claimed: inserted.length > 0, active: 0 };
}

/** The active locks of the tenant with their model and firmware ('' when none is known). */
const LOCKS_SQL = `
  SELECT d.id, coalesce(d.reference_model_id, d.tenant_model_id) AS model_id,
         coalesce(h.firmware_version, d.firmware_version, '') AS firmware
    FROM devices d LEFT JOIN device_health h ON h.tenant_id = d.tenant_id AND h.device_id = d.id
   WHERE d.status = 'active'`;

/** The top cause of a ticket's current diagnosis. */
const TOP_CAUSE = `(t.diagnosis_summary #>> '{causes,0,code}')`;

/** One candidate cluster, as the detection statement counts it. */
export interface CandidateRow {
  model_id: string;
  model_name: string | null;
  firmware: string;
  kind: IncidentKind;
  signal: string;
  /** lock-days with the signal in the window */
  lock_days: number;
  /** distinct locks with the signal in the window */
  locks: number;
  first_seen: Date;
  last_seen: Date;
  window_start: Date;
  window_days: number;
  group_locks: number;
  model_locks: number;
  baseline_count: number;
}

/**
 * Every (model, firmware, kind, signal) group with at least `minLocks` distinct locks showing the
 * signal in the window, with its counts and its model's baseline, in one statement. A signal is a
 * lock-day: a lock with a ticket whose top cause is X (`cause`), or with a jam, offline or
 * code_failed telemetry event (`telemetry`), on a day counted back from `now`. After an incident
 * of the group was resolved, the window starts at its resolution (what it explained is not
 * counted again).
 */
export function detectionCandidates(
  tx: TenantTx,
  p: { now: Date; windowDays: number; baselineDays: number; minLocks: number },
): Promise<CandidateRow[]> {
  return tx.em.query<CandidateRow[]>(
    `WITH dev AS (${LOCKS_SQL}),
     sig AS (
       SELECT t.device_id, 'cause' AS kind, ${TOP_CAUSE} AS signal, t.created_at AS at
         FROM tickets t
        WHERE t.created_at >= $1::timestamptz - make_interval(days => $2::int + $3::int) AND t.created_at < $1
       UNION ALL
       SELECT e.device_id, 'telemetry', e.type, e.at
         FROM telemetry_events e
        WHERE e.type = ANY($5::text[])
          AND e.at >= $1::timestamptz - make_interval(days => $2::int + $3::int) AND e.at < $1
     ), days AS (
       SELECT s.device_id, d.model_id, d.firmware, s.kind, s.signal,
              floor(extract(epoch FROM ($1::timestamptz - s.at)) / 86400)::int AS day_ago,
              min(s.at) AS first_at, max(s.at) AS last_at
         FROM sig s JOIN dev d ON d.id = s.device_id
        WHERE s.signal IS NOT NULL
        GROUP BY 1, 2, 3, 4, 5, 6
     ), cut AS (
       SELECT model_id, firmware_version AS firmware, kind, signal, max(resolved_at) AS resolved_at
         FROM incidents WHERE state = 'resolved' GROUP BY 1, 2, 3, 4
     ), win AS (
       SELECT y.model_id, y.firmware, y.kind, y.signal, count(*)::int AS lock_days,
              count(DISTINCT y.device_id)::int AS locks, min(y.first_at) AS first_seen,
              max(y.last_at) AS last_seen, max(c.resolved_at) AS resolved_at
         FROM days y
         LEFT JOIN cut c ON (c.model_id, c.firmware, c.kind, c.signal) = (y.model_id, y.firmware, y.kind, y.signal)
        WHERE y.day_ago < $2::int AND (c.resolved_at IS NULL OR y.first_at > c.resolved_at)
        GROUP BY 1, 2, 3, 4
       HAVING count(DISTINCT y.device_id) >= $4::int
     ), base AS (
       SELECT model_id, kind, signal, count(*)::int AS lock_days FROM days
        WHERE day_ago >= $2::int AND day_ago < $2::int + $3::int GROUP BY 1, 2, 3
     ), grp AS (
       SELECT model_id, firmware, count(*)::int AS locks FROM dev GROUP BY 1, 2
     ), mdl AS (
       SELECT model_id, count(*)::int AS locks FROM dev GROUP BY 1
     )
     SELECT w.model_id, cm.manufacturer || ' ' || cm.model AS model_name, w.firmware, w.kind, w.signal,
            w.lock_days, w.locks, w.first_seen, w.last_seen,
            greatest($1::timestamptz - make_interval(days => $2::int), w.resolved_at) AS window_start,
            CASE WHEN w.resolved_at IS NULL THEN $2::float8
                 ELSE least($2::float8, extract(epoch FROM ($1::timestamptz - w.resolved_at)) / 86400) END
              AS window_days,
            g.locks AS group_locks, m.locks AS model_locks, coalesce(b.lock_days, 0) AS baseline_count
       FROM win w
       JOIN grp g ON (g.model_id, g.firmware) = (w.model_id, w.firmware)
       JOIN mdl m ON m.model_id = w.model_id
       LEFT JOIN base b ON (b.model_id, b.kind, b.signal) = (w.model_id, w.kind, w.signal)
       LEFT JOIN catalog_models cm ON cm.id = w.model_id
      ORDER BY w.model_id, w.firmware, w.kind, w.signal`,
    [p.now, p.windowDays, p.baselineDays, p.minLocks, TELEMETRY_SIGNALS],
  );
}

/** A significant cluster, as the job writes it. */
export interface DetectedIncident {
  id: string;
  title: string;
  modelId: string;
  firmware: string;
  kind: IncidentKind;
  signal: string;
  suspectedCause: string | null;
  windowStart: Date;
  firstSeen: Date;
  lastSeen: Date;
  pValue: number;
  evidence: object;
}

/**
 * Opens each cluster as an incident, or updates the group's incident that is not resolved yet
 * (its latest evidence, last seen): never a second one (`incidents_active_key`). Answers the ids
 * of the incidents opened by this statement, with their titles.
 */
export async function upsertIncidents(
  tx: TenantTx,
  found: readonly DetectedIncident[],
): Promise<{ id: string; title: string; opened: boolean }[]> {
  if (found.length === 0) return [];
  return tx.em.query(
    `INSERT INTO incidents AS i (tenant_id, id, title, model_id, firmware_version, kind, signal,
                                 suspected_cause, window_start, first_seen_at, last_seen_at, p_value, evidence)
     SELECT $1, x.id, x.title, x.model_id, x.firmware, x.kind, x.signal, x.suspected_cause,
            x.window_start, x.first_seen, x.last_seen, x.p_value, x.evidence
       FROM jsonb_to_recordset($2::jsonb) AS x(id uuid, title text, model_id uuid, firmware text,
            kind text, signal text, suspected_cause text, window_start timestamptz,
            first_seen timestamptz, last_seen timestamptz, p_value float8, evidence jsonb)
     ON CONFLICT (tenant_id, model_id, firmware_version, kind, signal) WHERE state <> 'resolved'
     DO UPDATE SET evidence = EXCLUDED.evidence, p_value = EXCLUDED.p_value,
                   last_seen_at = greatest(i.last_seen_at, EXCLUDED.last_seen_at), updated_at = now()
     RETURNING i.id, i.title, (i.xmax = 0) AS opened`,
    [
      tx.tenantId,
      JSON.stringify(
        found.map((f) => ({
          id: f.id,
          title: f.title,
          model_id: f.modelId,
          firmware: f.firmware,
          kind: f.kind,
          signal: f.signal,
          suspected_cause: f.suspectedCause,
          window_start: f.windowStart.toISOString(),
          first_seen: f.firstSeen.toISOString(),
          last_seen: f.lastSeen.toISOString(),
          p_value: f.pValue,
          evidence: f.evidence,
        })),
      ),
    ],
  );
}

/** The member signals of every incident not resolved: its group's locks since its window start. */
const MEMBER_SIGNALS_SQL = `
  SELECT a.id AS incident_id, d.id AS device_id, s.at, s.ticket_id
    FROM incidents a
    JOIN (${LOCKS_SQL}) d ON d.model_id = a.model_id AND d.firmware = a.firmware_version
    CROSS JOIN LATERAL (
      SELECT t.created_at AS at, t.id AS ticket_id FROM tickets t
       WHERE a.kind = 'cause' AND t.device_id = d.id AND t.created_at >= a.window_start
         AND ${TOP_CAUSE} = a.signal
      UNION ALL
      SELECT e.at, NULL FROM telemetry_events e
       WHERE a.kind = 'telemetry' AND e.device_id = d.id AND e.type = a.signal
         AND e.at >= a.window_start
    ) s
   WHERE a.state <> 'resolved'`;

/**
 * Links the members of every incident not resolved: the locks showing its signal since its window
 * started, and their tickets (for a `cause` incident, the tickets with that top cause; for a
 * `telemetry` one, every ticket of a member lock opened since). New tickets matching an open
 * incident are linked here, on the job's next run. Then refreshes the incidents' counts, last
 * seen and (telemetry) the suspected cause: the most frequent top cause of its tickets.
 */
export async function linkMembers(tx: TenantTx): Promise<void> {
  await tx.em.query(
    `INSERT INTO incident_locks AS l (tenant_id, incident_id, device_id, first_seen_at, last_seen_at)
     SELECT $1, m.incident_id, m.device_id, min(m.at), max(m.at) FROM (${MEMBER_SIGNALS_SQL}) m
      GROUP BY m.incident_id, m.device_id
     ON CONFLICT (tenant_id, incident_id, device_id) DO UPDATE
        SET first_seen_at = least(l.first_seen_at, EXCLUDED.first_seen_at),
            last_seen_at = greatest(l.last_seen_at, EXCLUDED.last_seen_at)
      WHERE (l.first_seen_at, l.last_seen_at) IS DISTINCT FROM
            (least(l.first_seen_at, EXCLUDED.first_seen_at), greatest(l.last_seen_at, EXCLUDED.last_seen_at))`,
    [tx.tenantId],
  );
  await tx.em.query(
    `INSERT INTO incident_tickets (tenant_id, incident_id, ticket_id)
     SELECT DISTINCT $1::uuid, a.id, t.id
       FROM incidents a
       JOIN incident_locks l ON l.incident_id = a.id
       JOIN tickets t ON t.device_id = l.device_id AND t.created_at >= a.window_start
      WHERE a.state <> 'resolved' AND (a.kind = 'telemetry' OR ${TOP_CAUSE} = a.signal)
     ON CONFLICT DO NOTHING`,
    [tx.tenantId],
  );
  await tx.em.query(
    `UPDATE incidents a
        SET lock_count = c.locks, ticket_count = c.tickets,
            first_seen_at = least(a.first_seen_at, c.first_seen),
            last_seen_at = greatest(a.last_seen_at, c.last_seen),
            suspected_cause = CASE WHEN a.kind = 'cause' THEN a.signal ELSE c.top_cause END
       FROM (SELECT a2.id,
                    (SELECT count(*)::int FROM incident_locks l WHERE l.incident_id = a2.id) AS locks,
                    (SELECT count(*)::int FROM incident_tickets x WHERE x.incident_id = a2.id) AS tickets,
                    (SELECT min(l.first_seen_at) FROM incident_locks l WHERE l.incident_id = a2.id) AS first_seen,
                    (SELECT max(l.last_seen_at) FROM incident_locks l WHERE l.incident_id = a2.id) AS last_seen,
                    (SELECT ${TOP_CAUSE} FROM incident_tickets x
                       JOIN tickets t ON t.id = x.ticket_id
                      WHERE x.incident_id = a2.id
                      GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1) AS top_cause
               FROM incidents a2 WHERE a2.state <> 'resolved') c
      WHERE a.id = c.id
        AND (a.lock_count, a.ticket_count, a.first_seen_at, a.last_seen_at, a.suspected_cause)
            IS DISTINCT FROM
            (c.locks, c.tickets, least(a.first_seen_at, c.first_seen), greatest(a.last_seen_at, c.last_seen),
             CASE WHEN a.kind = 'cause' THEN a.signal ELSE c.top_cause END)`,
  );
}

const INCIDENT_COLUMNS = Object.keys(INCIDENTS.columns)
  .filter((c) => c !== 'tenant_id')
  .map((c) => `i.${c}`)
  .join(', ');

const WITH_MODEL = `SELECT ${INCIDENT_COLUMNS}, cm.manufacturer || ' ' || cm.model AS model_name
  FROM incidents i LEFT JOIN catalog_models cm ON cm.id = i.model_id`;

/** A page of incidents, newest first, optionally in one state or of one ticket, after the cursor's id. */
export function listIncidents(
  tx: TenantTx,
  q: { state?: IncidentState; ticketId?: string; after: string | null; limit: number },
): Promise<IncidentRow[]> {
  return tx.em.query<IncidentRow[]>(
    `${WITH_MODEL}
      WHERE ($1::text IS NULL OR i.state = $1) AND ($2::uuid IS NULL OR i.id < $2)
        AND ($4::uuid IS NULL OR EXISTS (SELECT 1 FROM incident_tickets x
                                          WHERE x.incident_id = i.id AND x.ticket_id = $4))
      ORDER BY i.id DESC LIMIT $3`,
    [q.state ?? null, q.after, q.limit, q.ticketId ?? null],
  );
}

/** One incident; `lock` holds its row for the rest of the transaction. */
export async function findIncident(
  tx: TenantTx,
  id: string,
  opts: { lock?: boolean } = {},
): Promise<IncidentRow | undefined> {
  const [row] = await tx.em.query<IncidentRow[]>(
    `${WITH_MODEL} WHERE i.id = $1 ${opts.lock ? 'FOR UPDATE OF i' : ''}`,
    [id],
  );
  return row;
}

export interface MemberTicketRow {
  id: string;
  number: number;
  device_id: string;
  status: string;
  top_cause: string | null;
  created_at: Date;
}

export interface MemberLockRow {
  id: string;
  serial: string;
  first_seen_at: Date;
  last_seen_at: Date;
}

/** An incident's tickets (oldest first, at most `limit`). */
export function memberTickets(
  tx: TenantTx,
  incidentId: string,
  limit: number,
): Promise<MemberTicketRow[]> {
  return tx.em.query<MemberTicketRow[]>(
    `SELECT t.id, t.number, t.device_id, t.status, ${TOP_CAUSE} AS top_cause, t.created_at
       FROM incident_tickets x JOIN tickets t ON t.id = x.ticket_id
      WHERE x.incident_id = $1 ORDER BY t.created_at, t.id LIMIT $2`,
    [incidentId, limit],
  );
}

/** An incident's locks (first seen first, at most `limit`). */
export function memberLocks(
  tx: TenantTx,
  incidentId: string,
  limit: number,
): Promise<MemberLockRow[]> {
  return tx.em.query<MemberLockRow[]>(
    `SELECT d.id, d.serial, l.first_seen_at, l.last_seen_at
       FROM incident_locks l JOIN devices d ON d.id = l.device_id
      WHERE l.incident_id = $1 ORDER BY l.first_seen_at, d.id LIMIT $2`,
    [incidentId, limit],
  );
}

/** The incident's tickets still to solve (not solved or closed), oldest first. */
export async function unsolvedMemberTickets(tx: TenantTx, incidentId: string): Promise<string[]> {
  const rows = await tx.em.query<{ id: string }[]>(
    `SELECT t.id FROM incident_tickets x JOIN tickets t ON t.id = x.ticket_id
      WHERE x.incident_id = $1 AND t.status NOT IN ('solved', 'closed')
      ORDER BY t.created_at, t.id`,
    [incidentId],
  );
  return rows.map((r) => r.id);
}

/** Marks the incident acknowledged (the caller checked its state under the row lock). */
export async function markAcknowledged(
  tx: TenantTx,
  id: string,
  userId: string,
  now: Date,
): Promise<void> {
  await tx.em.query(
    `UPDATE incidents SET state = 'acknowledged', acknowledged_at = $2, acknowledged_by = $3,
                          version = version + 1, updated_at = $2
      WHERE id = $1`,
    [id, now, userId],
  );
}

/** Marks the incident resolved with its confirmed cause. */
export async function markResolved(
  tx: TenantTx,
  id: string,
  r: { userId: string; now: Date; cause: string; resolution: string },
): Promise<void> {
  await tx.em.query(
    `UPDATE incidents SET state = 'resolved', resolved_at = $2, resolved_by = $3, confirmed_cause = $4,
                          resolution = $5, version = version + 1, updated_at = $2
      WHERE id = $1`,
    [id, r.now, r.userId, r.cause, r.resolution],
  );
}

/** The incidents a ticket belongs to, oldest first (what the ticket shows). */
export async function incidentsOfTicket(
  tx: TenantTx,
  ticketId: string,
): Promise<{ id: string; title: string; state: string; suspectedCause: string | null }[]> {
  return tx.em.query(
    `SELECT i.id, i.title, i.state, i.suspected_cause AS "suspectedCause"
       FROM incident_tickets it
       JOIN incidents i ON i.tenant_id = it.tenant_id AND i.id = it.incident_id
      WHERE it.tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid
        AND it.ticket_id = $1
      ORDER BY i.id`,
    [ticketId],
  );
}
