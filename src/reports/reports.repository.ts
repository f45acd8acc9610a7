/**
 * The SQL of the desk reports: one set-based statement per report over the tenant's tickets
 * created in [from, to) (or, for mean time between failures, its locks in service then), grouped
 * by one dimension, with the totals row from the same statement (GROUPING SETS). Reports read
 * other modules' tables (tickets, steps, escalations, devices, models, properties) and own none;
 * every statement runs in the caller's read transaction, under row-level security, and names the
 * tenant too so the planner uses the (tenant_id, ...) indexes.
 */
import type { TenantTx } from '../database/tenant-db.service.js';

export const GROUP_BYS = ['cause', 'model', 'firmware', 'property', 'priority', 'lock'] as const;
export type GroupBy = (typeof GROUP_BYS)[number];

export interface Window {
  from: Date;
  to: Date;
}

/** One dimension: its key and label over the aliases t (ticket), d (device), m (model), p (property), h (health). */
interface Dimension {
  key: string;
  label: string;
  needs: ('d' | 'm' | 'p' | 'h')[];
}

const FIRMWARE = `coalesce(h.firmware_version, d.firmware_version)`;

/** The dimension of `g` over a base of tickets (`t`) or of locks (`d`). */
function dimension(g: GroupBy, base: 't' | 'd'): Dimension {
  switch (g) {
    case 'cause':
      return {
        key: `coalesce(t.confirmed_cause, t.diagnosis_summary #>> '{causes,0,code}', 'unknown')`,
        label: `coalesce(t.confirmed_cause, t.diagnosis_summary #>> '{causes,0,code}', 'unknown')`,
        needs: [],
      };
    case 'priority':
      return { key: 't.priority', label: 't.priority', needs: [] };
    case 'property':
      return { key: `${base}.property_id::text`, label: 'p.name', needs: ['p'] };
    case 'model':
      return { key: 'm.id::text', label: `m.manufacturer || ' ' || m.model`, needs: ['d', 'm'] };
    case 'firmware':
      return {
        key: `m.id::text || '@' || coalesce(${FIRMWARE}, '')`,
        label: `m.manufacturer || ' ' || m.model || ' ' || coalesce(${FIRMWARE}, '(unknown)')`,
        needs: ['d', 'm', 'h'],
      };
    case 'lock':
      return { key: 'd.id::text', label: 'd.serial', needs: ['d'] };
  }
}

/** The joins a dimension needs, from a base of tickets (`t`) or of locks (`d`). */
function joins(dim: Dimension, base: 't' | 'd'): string {
  const sql: string[] = [];
  if (base === 't' && dim.needs.includes('d'))
    sql.push('JOIN devices d ON d.tenant_id = t.tenant_id AND d.id = t.device_id');
  if (dim.needs.includes('m'))
    sql.push('JOIN catalog_models m ON m.id = coalesce(d.reference_model_id, d.tenant_model_id)');
  if (dim.needs.includes('h'))
    sql.push('LEFT JOIN device_health h ON h.tenant_id = d.tenant_id AND h.device_id = d.id');
  if (dim.needs.includes('p'))
    sql.push(`JOIN properties p ON p.tenant_id = ${base}.tenant_id AND p.id = ${base}.property_id`);
  return sql.join('\n       ');
}

/** The tenant's tickets created in the window, with the dimension's key and label ($1 tenant, $2 from, $3 to). */
function ticketBase(g: GroupBy, extra: string): string {
  const dim = dimension(g, 't');
  return `SELECT ${dim.key} AS key, ${dim.label} AS label, t.id, t.status, t.created_at, t.first_responded_at,
            t.solved_at, t.sla_breached, (t.first_response_due_at IS NOT NULL OR t.resolution_due_at IS NOT NULL) AS has_sla,
            t.id IN (SELECT e.ticket_id FROM escalations e WHERE e.tenant_id = $1) AS escalated${extra}
       FROM tickets t
       ${joins(dim, 't')}
      WHERE t.tenant_id = $1 AND t.created_at >= $2 AND t.created_at < $3`;
}

const GROUPED = `GROUP BY GROUPING SETS ((key, label), ())`;
const TOTAL_LAST = `ORDER BY is_total, 4 DESC, key`;

interface Grouped {
  key: string | null;
  label: string | null;
  is_total: boolean;
}

export interface VolumeRow extends Grouped {
  tickets: number;
  open: number;
  solved: number;
  escalated: number;
}

/** Ticket volumes per group: created, still open, solved, escalated. */
export function ticketVolumes(tx: TenantTx, w: Window, g: GroupBy): Promise<VolumeRow[]> {
  return tx.em.query<VolumeRow[]>(
    `WITH b AS (${ticketBase(g, '')})
     SELECT key, label, GROUPING(key) = 1 AS is_total, count(*)::int AS tickets,
            count(*) FILTER (WHERE status NOT IN ('solved', 'closed'))::int AS open,
            count(solved_at)::int AS solved,
            count(*) FILTER (WHERE escalated)::int AS escalated
       FROM b ${GROUPED} ${TOTAL_LAST}`,
    [tx.tenantId, w.from, w.to],
  );
}

export interface SlaRow extends Grouped {
  tickets: number;
  responded: number;
  first_response_median_minutes: number | null;
  solved: number;
  resolution_median_minutes: number | null;
  sla_tickets: number;
  sla_met: number;
  sla_breached: number;
}

/** Response and resolution times (medians of elapsed minutes) and SLA attainment per group. */
export function slaReport(tx: TenantTx, w: Window, g: GroupBy): Promise<SlaRow[]> {
  return tx.em.query<SlaRow[]>(
    `WITH b AS (${ticketBase(g, '')})
     SELECT key, label, GROUPING(key) = 1 AS is_total, count(*)::int AS tickets,
            count(first_responded_at)::int AS responded,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM first_responded_at - created_at) / 60)
              AS first_response_median_minutes,
            count(solved_at)::int AS solved,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM solved_at - created_at) / 60)
              AS resolution_median_minutes,
            count(*) FILTER (WHERE has_sla)::int AS sla_tickets,
            count(*) FILTER (WHERE has_sla AND NOT sla_breached AND status IN ('solved', 'closed'))::int AS sla_met,
            count(*) FILTER (WHERE has_sla AND sla_breached)::int AS sla_breached
       FROM b ${GROUPED} ${TOTAL_LAST}`,
    [tx.tenantId, w.from, w.to],
  );
}

export interface OutcomeRow extends Grouped {
  tickets: number;
  solved: number;
  solved_without_escalation: number;
  stepped: number;
  first_step_fixed: number;
}

/**
 * Deflection (solved without any escalation) and first-step success (the first step tried, with
 * outcome fixed or not_fixed, fixed it) per group.
 */
export function outcomesReport(tx: TenantTx, w: Window, g: GroupBy): Promise<OutcomeRow[]> {
  return tx.em.query<OutcomeRow[]>(
    `WITH b AS (${ticketBase(g, ', t.tenant_id')}),
     first_steps AS (
       SELECT DISTINCT ON (s.ticket_id) s.ticket_id, s.outcome
         FROM ticket_steps s
        WHERE s.tenant_id = $1 AND s.outcome IN ('fixed', 'not_fixed')
          AND s.ticket_id IN (SELECT id FROM b)
        ORDER BY s.ticket_id, s.id)
     SELECT key, label, GROUPING(key) = 1 AS is_total, count(*)::int AS tickets,
            count(solved_at)::int AS solved,
            count(solved_at) FILTER (WHERE NOT escalated)::int AS solved_without_escalation,
            count(f.outcome)::int AS stepped,
            count(*) FILTER (WHERE f.outcome = 'fixed')::int AS first_step_fixed
       FROM b LEFT JOIN first_steps f ON f.ticket_id = b.id
      ${GROUPED} ${TOTAL_LAST}`,
    [tx.tenantId, w.from, w.to],
  );
}

export interface RepeatRow extends Grouped {
  repeat_locks: number;
  tickets: number;
  max_tickets_in_90_days: number;
}

/**
 * Locks with three or more tickets within 90 days, the latest of them created in the window: per
 * group, how many such locks, their tickets in the window and the most any had within 90 days.
 */
export function repeatFailures(tx: TenantTx, w: Window, g: GroupBy): Promise<RepeatRow[]> {
  const dim = dimension(g, 'd');
  return tx.em.query<RepeatRow[]>(
    `WITH w AS (
       SELECT t.device_id, t.created_at,
              count(*) OVER (PARTITION BY t.device_id ORDER BY t.created_at
                             RANGE BETWEEN interval '90 days' PRECEDING AND CURRENT ROW) AS n90
         FROM tickets t
        WHERE t.tenant_id = $1 AND t.created_at >= $2::timestamptz - interval '90 days' AND t.created_at < $3),
     locks AS (
       SELECT device_id, count(*) FILTER (WHERE created_at >= $2)::int AS tickets,
              max(n90) FILTER (WHERE created_at >= $2)::int AS max90
         FROM w GROUP BY device_id
       HAVING max(n90) FILTER (WHERE created_at >= $2) >= 3)
     SELECT ${dim.key} AS key, ${dim.label} AS label, GROUPING(${dim.key}) = 1 AS is_total,
            count(*)::int AS repeat_locks, sum(l.tickets)::int AS tickets,
            max(l.max90)::int AS max_tickets_in_90_days
       FROM locks l
       JOIN devices d ON d.tenant_id = $1 AND d.id = l.device_id
       ${joins(dim, 'd')}
      GROUP BY GROUPING SETS ((${dim.key}, ${dim.label}), ())
      ORDER BY is_total, 4 DESC, 6 DESC, key`,
    [tx.tenantId, w.from, w.to],
  );
}

export interface MtbfRow extends Grouped {
  locks: number;
  device_days: number;
  failures: number;
}

/**
 * Mean time between failures: per group, the locks in service during the window, their days in
 * service in it (from installation, else registration, to the window's end or now, whichever is
 * first; a retired lock until it was retired), and their failures (reported tickets created in
 * the window; proactive tickets are forecasts, not failures).
 */
export function mtbfReport(tx: TenantTx, w: Window, g: GroupBy, now: Date): Promise<MtbfRow[]> {
  const dim = dimension(g, 'd');
  return tx.em.query<MtbfRow[]>(
    `WITH f AS (
       SELECT t.device_id, count(*)::int AS failures FROM tickets t
        WHERE t.tenant_id = $1 AND t.source = 'reported' AND t.created_at >= $2 AND t.created_at < $3
        GROUP BY t.device_id),
     dev AS (
       SELECT d.*, greatest($2::timestamptz, coalesce(d.installed_at::timestamp AT TIME ZONE 'UTC', d.created_at)) AS start_at,
              least($3::timestamptz, $4::timestamptz,
                    CASE WHEN d.status = 'retired' THEN d.updated_at END) AS stop_at
         FROM devices d WHERE d.tenant_id = $1)
     SELECT ${dim.key} AS key, ${dim.label} AS label, GROUPING(${dim.key}) = 1 AS is_total,
            count(*)::int AS locks,
            sum(extract(epoch FROM d.stop_at - d.start_at) / 86400)::float8 AS device_days,
            coalesce(sum(f.failures), 0)::int AS failures
       FROM dev d
       LEFT JOIN f ON f.device_id = d.id
       ${joins(dim, 'd')}
      WHERE d.stop_at > d.start_at
      GROUP BY GROUPING SETS ((${dim.key}, ${dim.label}), ())
      ORDER BY is_total, 6 DESC, key`,
    [tx.tenantId, w.from, w.to, now],
  );
}
