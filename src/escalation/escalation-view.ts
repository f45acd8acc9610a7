/** How an escalation row is answered, and the 409 its state machine raises. */
import { AppError } from '../common/errors.js';
import type { EscalationListItem, EscalationView } from './dto/escalations.dto.js';
import { allowedEscalationTransitions } from './escalation-state.util.js';
import type { EscalationListRow, EscalationRow } from './escalations.repository.js';

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

/** The answer; `leaseToken` only in the answer to a claim. */
export function escalationView(r: EscalationRow, o: { leaseToken?: string } = {}): EscalationView {
  return {
    id: r.id,
    customerTenantId: r.tenant_id,
    ticketId: r.ticket_id,
    queue: r.target,
    partnerTenantId: r.partner_tenant_id,
    status: r.status,
    urgent: r.urgent,
    waitingReason: r.waiting_reason,
    workOrder: r.work_order,
    leaseExpiresAt: iso(r.lease_expires_at),
    ...(o.leaseToken ? { leaseToken: o.leaseToken } : {}),
    scheduledAt: iso(r.scheduled_at),
    confirmedCause: r.confirmed_cause,
    notes: r.notes,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

/** A list item: the work order's summary instead of the work order, no notes. */
export function escalationListItem(r: EscalationListRow): EscalationListItem {
  return {
    id: r.id,
    customerTenantId: r.tenant_id,
    ticketId: r.ticket_id,
    queue: r.target,
    partnerTenantId: r.partner_tenant_id,
    status: r.status,
    urgent: r.urgent,
    waitingReason: r.waiting_reason,
    workOrder: r.work_order_summary,
    leaseExpiresAt: iso(r.lease_expires_at),
    scheduledAt: iso(r.scheduled_at),
    confirmedCause: r.confirmed_cause,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}
