/** How an escalation row is answered, and the 409 its state machine raises. */
import { AppError } from '../common/errors.js';
import type { EscalationListItem, EscalationView } from './dto/escalations.dto.js';
import type { TenantTx } from '../database/tenant-db.service.js';
import { tenantCards } from '../tenancy/index.js';
import { allowedEscalationTransitions } from './escalation-state.util.js';
import type { EscalationListRow, EscalationRow } from './escalations.repository.js';
import { completeWorkOrder } from './work-order.js';

const iso = (d: Date | null) => d?.toISOString() ?? null;

/** Whether a claim on it is still live (nobody else may claim it). */
export const leaseLive = (e: EscalationRow): boolean =>
  e.lease_expires_at !== null && e.lease_expires_at > new Date();

/** 409 in the state-machine shape tickets use: what happened and where the escalation may go from here. */
export function stateError(e: EscalationRow, detail: string): AppError {
  const allowed = allowedEscalationTransitions(e.status, leaseLive(e));
  return new AppError('escalation_state', `${detail} Allowed: ${allowed.join(', ') || 'none'}.`, {
    allowed,
  });
}

/**
 * The answer; `leaseToken` only in the answer to a claim. `partnerName` is the partner's name as
 * the caller sees it (a customer sees its linked partners' names, a partner its own).
 */
export function escalationView(
  r: EscalationRow,
  o: { leaseToken?: string; partnerName?: string | undefined } = {},
): EscalationView {
  const { leaseExpiresAt, ...rest } = commonFields(r, o.partnerName);
  return {
    ...rest,
    workOrder: completeWorkOrder(r.work_order),
    leaseExpiresAt,
    ...(o.leaseToken ? { leaseToken: o.leaseToken } : {}),
    notes: r.notes,
  };
}

/** The fields an escalation answers both alone and as a list item. */
function commonFields(
  r: Omit<EscalationListRow, 'work_order_summary'>,
  partnerName: string | undefined,
) {
  return {
    id: r.id,
    customerTenantId: r.tenant_id,
    ticketId: r.ticket_id,
    queue: r.target,
    partnerTenantId: r.partner_tenant_id,
    partner:
      r.partner_tenant_id === null
        ? null
        : { id: r.partner_tenant_id, name: partnerName ?? 'Unlinked partner' },
    status: r.status,
    urgent: r.urgent,
    waitingFor: r.status === 'queued' ? r.waiting_for : null,
    waitingReason: r.waiting_reason,
    endReason: r.end_reason,
    leaseExpiresAt: iso(r.lease_expires_at),
    scheduledAt: iso(r.scheduled_at),
    visitWindow:
      r.scheduled_at && r.visit_until
        ? { from: r.scheduled_at.toISOString(), to: r.visit_until.toISOString() }
        : null,
    confirmedCause: r.confirmed_cause,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

/** A list item: the work order's summary instead of the work order, no notes. */
export function escalationListItem(
  r: EscalationListRow,
  partnerName: string | undefined,
): EscalationListItem {
  return { ...commonFields(r, partnerName), workOrder: r.work_order_summary };
}

/** The names of the partners of `rows`, as `tx`'s tenant sees them (one read for all). */
export async function partnerNames(
  tx: TenantTx,
  rows: readonly { partner_tenant_id: string | null }[],
): Promise<Map<string, string>> {
  const ids = [...new Set(rows.flatMap((r) => (r.partner_tenant_id ? [r.partner_tenant_id] : [])))];
  return new Map(
    ids.length ? (await tenantCards(tx, ids)).map((c) => [c.id, c.name] as const) : [],
  );
}

/** The answers for rows `tx`'s tenant sees, with their partners' names (one read for all). */
export async function namedViews(
  tx: TenantTx,
  rows: readonly EscalationRow[],
  o: { leaseToken?: string } = {},
): Promise<EscalationView[]> {
  const names = await partnerNames(tx, rows);
  return rows.map((r) =>
    escalationView(r, {
      ...o,
      partnerName: r.partner_tenant_id ? names.get(r.partner_tenant_id) : undefined,
    }),
  );
}

/** One row's answer with its partner's name. */
export async function namedView(
  tx: TenantTx,
  row: EscalationRow,
  o: { leaseToken?: string } = {},
): Promise<EscalationView> {
  const [view] = await namedViews(tx, [row], o);
  return view!;
}
