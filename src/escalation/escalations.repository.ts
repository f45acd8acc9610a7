/**
 * The SQL of `escalations`. Row-level security shows a row to exactly two tenants, the customer
 * (`tenant_id`) and the partner it is routed to (`partner_tenant_id`); every function runs in the
 * caller's transaction as `tx`'s tenant, and inserts write `tenant_id` from `tx`.
 */
import type { DataSource } from 'typeorm';
import type { TenantTx } from '../database/tenant-db.service.js';
import { columnList, type RowOf, table } from '../database/table.js';
import type {
  EscalationStatus,
  Target,
  WaitingFor,
  WorkOrder,
  WorkOrderSummary,
} from './dto/escalations.dto.js';
import type { CauseCode } from '../diagnostics/index.js';
import type { StoredWorkOrder } from './work-order.js';

export const ESCALATIONS = table('escalations', {
  tenant_id: 'uuid',
  id: 'uuid',
  ticket_id: 'uuid',
  target: 'text',
  partner_tenant_id: 'uuid?',
  status: 'text',
  urgent: 'bool',
  waiting_reason: 'text?',
  work_order: 'jsonb',
  declined_by: '_uuid',
  lease_token: 'uuid?',
  lease_expires_at: 'timestamptz?',
  claimed_by: 'uuid?',
  scheduled_at: 'timestamptz?',
  confirmed_cause: 'text?',
  notes: 'text?',
  routed_at: 'timestamptz?',
  created_at: 'timestamptz',
  updated_at: 'timestamptz',
  waiting_for: 'text?',
  end_reason: 'text?',
  visit_until: 'timestamptz?',
});

export type EscalationRow = Omit<
  RowOf<typeof ESCALATIONS>,
  'target' | 'status' | 'work_order' | 'confirmed_cause' | 'waiting_for'
> & {
  target: Target;
  status: EscalationStatus;
  waiting_for: WaitingFor | null;
  work_order: StoredWorkOrder;
  confirmed_cause: CauseCode | null;
};

/** The statuses in which an escalation is still with a partner. */
export const OPEN_STATUSES = ['routed', 'claimed', 'scheduled'] as const;
/** The statuses an escalation never leaves. */
export const FINAL_STATUSES = ['resolved', 'cancelled', 'closed'] as const;

const ALL = columnList(ESCALATIONS);

// ---- the customer's side ----

/** The ticket's escalation that has not ended (resolved, cancelled, closed), if any. */
export async function openEscalationOfTicket(
  tx: TenantTx,
  ticketId: string,
  o: { forUpdate: boolean } = { forUpdate: false },
): Promise<EscalationRow | undefined> {
  const [row] = await tx.em.query<EscalationRow[]>(
    `SELECT ${ALL} FROM escalations
      WHERE tenant_id = $1 AND ticket_id = $2 AND status <> ALL($3::text[])${o.forUpdate ? ' FOR UPDATE' : ''}`,
    [tx.tenantId, ticketId, FINAL_STATUSES],
  );
  return row;
}

/** The ticket's latest escalation (the open one, else the last that ended), if any. */
export async function latestEscalationOfTicket(
  tx: TenantTx,
  ticketId: string,
): Promise<EscalationRow | undefined> {
  const [row] = await tx.em.query<EscalationRow[]>(
    `SELECT ${ALL} FROM escalations WHERE tenant_id = $1 AND ticket_id = $2
      ORDER BY status = ANY($3::text[]), created_at DESC, id DESC LIMIT 1`,
    [tx.tenantId, ticketId, FINAL_STATUSES],
  );
  return row;
}

/**
 * Up to `limit` of `tx`'s tenant's queued escalations (urgent first, then oldest), locked; rows
 * another transaction holds are skipped (it is routing them).
 */
export function lockQueued(tx: TenantTx, limit: number): Promise<EscalationRow[]> {
  return tx.em.query<EscalationRow[]>(
    `SELECT ${ALL} FROM escalations WHERE tenant_id = $1 AND status = 'queued'
      ORDER BY urgent DESC, created_at, id LIMIT $2 FOR UPDATE SKIP LOCKED`,
    [tx.tenantId, limit],
  );
}

/** The escalation ends (`cancelled` by the customer, `closed` with its ticket); the lease ends too. */
export async function endEscalation(
  tx: TenantTx,
  id: string,
  e: { status: 'cancelled' | 'closed'; reason: string },
): Promise<EscalationRow> {
  const [rows] = await tx.em.query<[EscalationRow[], number]>(
    `UPDATE escalations SET status = $2, end_reason = $3, waiting_reason = NULL, waiting_for = NULL,
            lease_token = NULL, lease_expires_at = NULL, updated_at = now()
      WHERE id = $1 RETURNING ${ALL}`,
    [id, e.status, e.reason],
  );
  return rows[0]!;
}

/** Customers (tenant ids only) with queued escalations: the retry job visits these. */
export async function dueQueuedEscalationTenants(ds: DataSource): Promise<string[]> {
  const rows = await ds.query<{ id: string }[]>(
    `SELECT id FROM due_queued_escalation_tenants() AS id`,
  );
  return rows.map((r) => r.id);
}

/** Customers (tenant ids only) linking this partner with queued escalations of its kind. */
export async function queuedEscalationCustomers(
  ds: DataSource,
  partnerTenantId: string,
): Promise<string[]> {
  const rows = await ds.query<{ id: string }[]>(
    `SELECT id FROM queued_escalation_customers($1) AS id`,
    [partnerTenantId],
  );
  return rows.map((r) => r.id);
}

/** A new escalation of `tx`'s tenant, queued (routing follows in the same transaction). */
export async function insertQueuedEscalation(
  tx: TenantTx,
  e: { id: string; ticketId: string; target: Target; urgent: boolean; workOrder: WorkOrder },
): Promise<void> {
  await tx.em.query(
    `INSERT INTO escalations (tenant_id, id, ticket_id, target, status, urgent, work_order)
       VALUES ($1, $2, $3, $4, 'queued', $5, $6)`,
    [tx.tenantId, e.id, e.ticketId, e.target, e.urgent, JSON.stringify(e.workOrder)],
  );
}

/** An escalation as a list shows it: no full work order (its summary instead), no notes. */
export type EscalationListRow = Omit<
  EscalationRow,
  'work_order' | 'notes' | 'declined_by' | 'lease_token' | 'routed_at'
> & { work_order_summary: WorkOrderSummary };

/*
 * The summary is cut from the work order in the statement, so a page ships and parses a few
 * hundred bytes per row instead of whole work orders (symptoms, steps tried, access notes...).
 */
const LIST_COLUMNS = `id, tenant_id, ticket_id, target, partner_tenant_id, status, urgent, waiting_reason,
  waiting_for, end_reason, lease_expires_at, claimed_by, scheduled_at, visit_until, confirmed_cause,
  created_at, updated_at, jsonb_build_object(
    'ticketNumber', work_order->'ticketNumber',
    'urgency', work_order->'urgency',
    'customer', jsonb_build_object('name', work_order #> '{customer,name}'),
    'property', jsonb_build_object(
      'name', work_order #> '{property,name}',
      'unit', work_order #> '{property,unit}',
      'address', jsonb_build_object(
        'postalCode', work_order #> '{property,address,postalCode}',
        'city', work_order #> '{property,address,city}')),
    'lock', jsonb_build_object(
      'manufacturer', work_order #> '{lock,manufacturer}',
      'model', work_order #> '{lock,model}',
      'serial', work_order #> '{lock,serial}'),
    'topCause', CASE WHEN work_order #> '{diagnosis,likelyCauses,0}' IS NOT NULL THEN jsonb_build_object(
      'code', work_order #> '{diagnosis,likelyCauses,0,code}',
      'probability', work_order #> '{diagnosis,likelyCauses,0,probability}') END
  ) AS work_order_summary`;

/** A page of the escalations `tx`'s tenant sees (as customer or partner), by id. */
export function listEscalations(
  tx: TenantTx,
  f: {
    after: string | null;
    queue: Target | null;
    status: EscalationStatus | null;
    ticketId: string | null;
    limit: number;
  },
): Promise<EscalationListRow[]> {
  return tx.em.query<EscalationListRow[]>(
    `SELECT ${LIST_COLUMNS} FROM escalations
      WHERE ($1::uuid IS NULL OR id > $1) AND ($2::text IS NULL OR target = $2)
        AND ($3::text IS NULL OR status = $3) AND ($4::uuid IS NULL OR ticket_id = $4)
      ORDER BY id LIMIT $5`,
    [f.after, f.queue, f.status, f.ticketId, f.limit],
  );
}

/** One escalation `tx`'s tenant sees; with `forUpdate`, locked for the rest of the transaction. */
export async function findEscalation(
  tx: TenantTx,
  id: string,
  o: { forUpdate: boolean } = { forUpdate: false },
): Promise<EscalationRow | undefined> {
  const [row] = await tx.em.query<EscalationRow[]>(
    `SELECT ${ALL} FROM escalations WHERE id = $1${o.forUpdate ? ' FOR UPDATE' : ''}`,
    [id],
  );
  return row;
}

/** The open escalations routed to a partner, locked, by id (a customer unlinking it). */
export function lockOpenRoutedTo(tx: TenantTx, partnerTenantId: string): Promise<EscalationRow[]> {
  return tx.em.query<EscalationRow[]>(
    `SELECT ${ALL} FROM escalations WHERE partner_tenant_id = $1 AND status = ANY($2::text[])
      ORDER BY id FOR UPDATE`,
    [partnerTenantId, OPEN_STATUSES],
  );
}

/** Where routing put the escalation: a partner (routed) or none (queued, with the reason). */
export async function setRouting(
  tx: TenantTx,
  id: string,
  r: {
    partnerTenantId: string | null;
    waitingReason: string | null;
    waitingFor: WaitingFor | null;
  },
): Promise<void> {
  await tx.em.query(
    `UPDATE escalations SET partner_tenant_id = $2, status = $3, waiting_reason = $4, waiting_for = $5,
       routed_at = CASE WHEN $2::uuid IS NULL THEN NULL ELSE now() END,
       lease_token = NULL, lease_expires_at = NULL, claimed_by = NULL, scheduled_at = NULL, visit_until = NULL,
       updated_at = now()
     WHERE id = $1`,
    [id, r.partnerTenantId, r.partnerTenantId ? 'routed' : 'queued', r.waitingReason, r.waitingFor],
  );
}

/** A partner that declined (or let it go stale) is never routed the escalation again. */
export async function addDecliner(
  tx: TenantTx,
  id: string,
  partnerTenantId: string,
): Promise<void> {
  await tx.em.query(
    `UPDATE escalations SET declined_by = array_append(declined_by, $2) WHERE id = $1`,
    [id, partnerTenantId],
  );
}

/** Rows the stale-escalation sweep reads: enough to pass the partner over and record it on the ticket. */
export type StaleEscalation = Pick<EscalationRow, 'id' | 'ticket_id' | 'partner_tenant_id'>;

/**
 * Up to 100 of `tx`'s tenant's escalations routed to a partner who has not claimed them within
 * the window (urgent or normal), oldest first, locked; rows another instance holds are skipped.
 */
export function lockStaleRouted(
  tx: TenantTx,
  window: { urgentMinutes: number; normalMinutes: number },
): Promise<StaleEscalation[]> {
  return tx.em.query<StaleEscalation[]>(
    `SELECT id, ticket_id, partner_tenant_id FROM escalations
      WHERE tenant_id = $1 AND status = 'routed'
        AND routed_at < now() - make_interval(mins => CASE WHEN urgent THEN $2::int ELSE $3::int END)
      ORDER BY id LIMIT 100 FOR UPDATE SKIP LOCKED`,
    [tx.tenantId, window.urgentMinutes, window.normalMinutes],
  );
}

/** The partner it is routed to counts as having declined it (it is never routed there again). */
export async function passOverCurrentPartner(tx: TenantTx, id: string): Promise<void> {
  await tx.em.query(
    `UPDATE escalations SET declined_by = array_append(declined_by, partner_tenant_id) WHERE id = $1`,
    [id],
  );
}

// ---- the partner's side (`tx` is the partner's) ----

/** An escalation routed to `tx`'s tenant, locked; undefined for anything else (another partner's, a customer's). */
export async function lockRoutedToMe(tx: TenantTx, id: string): Promise<EscalationRow | undefined> {
  const [row] = await tx.em.query<EscalationRow[]>(
    `SELECT ${ALL} FROM escalations WHERE id = $1 AND partner_tenant_id = $2 FOR UPDATE`,
    [id, tx.tenantId],
  );
  return row;
}

export interface Lease {
  token: string;
  userId: string;
  minutes: number;
}

/**
 * Claims the next claimable escalation in `tx`'s tenant's queue (routed, or its lease expired;
 * urgent first, then oldest), atomically; rows another claimer holds are skipped.
 */
export async function claimNextInQueue(
  tx: TenantTx,
  lease: Lease,
): Promise<EscalationRow | undefined> {
  const [rows] = await tx.em.query<[EscalationRow[], number]>(
    `UPDATE escalations e SET status = 'claimed', lease_token = $2, claimed_by = $3, updated_at = now(),
            lease_expires_at = now() + make_interval(mins => $4)
      WHERE (e.tenant_id, e.id) = (
        SELECT tenant_id, id FROM escalations
         WHERE partner_tenant_id = $1
           AND (status = 'routed' OR (status IN ('claimed', 'scheduled') AND lease_expires_at < now()))
         ORDER BY urgent DESC, created_at, id
         LIMIT 1
         FOR UPDATE SKIP LOCKED)
      RETURNING ${ALL}`,
    [tx.tenantId, lease.token, lease.userId, lease.minutes],
  );
  return rows[0]!;
}

/** Claims this escalation (the caller checked that it may). */
export async function claimEscalation(
  tx: TenantTx,
  id: string,
  lease: Lease,
): Promise<EscalationRow> {
  const [rows] = await tx.em.query<[EscalationRow[], number]>(
    `UPDATE escalations SET status = 'claimed', lease_token = $2, claimed_by = $3, updated_at = now(),
            lease_expires_at = now() + make_interval(mins => $4)
      WHERE id = $1 RETURNING ${ALL}`,
    [id, lease.token, lease.userId, lease.minutes],
  );
  return rows[0]!;
}

/**
 * Schedules the visit window (`scheduled_at` is its start, `visit_until` its end); the lease runs
 * to the window's end plus `graceHours` (if that is later), but never more than `maxHours` from now.
 */
export async function scheduleVisit(
  tx: TenantTx,
  id: string,
  v: { from: Date; to: Date; graceHours: number; maxHours: number },
): Promise<EscalationRow> {
  const [rows] = await tx.em.query<[EscalationRow[], number]>(
    `UPDATE escalations SET status = 'scheduled', scheduled_at = $2, visit_until = $3, updated_at = now(),
            lease_expires_at = least(
              greatest(lease_expires_at, $3::timestamptz + make_interval(hours => $4)),
              now() + make_interval(hours => $5))
      WHERE id = $1 RETURNING ${ALL}`,
    [id, v.from, v.to, v.graceHours, v.maxHours],
  );
  return rows[0]!;
}

/** Closes the escalation with the confirmed cause; the lease ends. */
export async function resolveEscalation(
  tx: TenantTx,
  id: string,
  r: { confirmedCause: CauseCode; notes: string },
): Promise<EscalationRow> {
  const [rows] = await tx.em.query<[EscalationRow[], number]>(
    `UPDATE escalations SET status = 'resolved', confirmed_cause = $2, notes = $3, lease_token = NULL,
            lease_expires_at = NULL, updated_at = now()
      WHERE id = $1 RETURNING ${ALL}`,
    [id, r.confirmedCause, r.notes],
  );
  return rows[0]!;
}
