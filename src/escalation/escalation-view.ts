/** How an escalation row is answered, and the 409 its state machine raises. */
import { AppError } from '../common/errors.js';
import type { EscalationListItem, EscalationView } from './dto/escalations.dto.js';
import type { TenantTx } from '../database/tenant-db.service.js';
import type { ActorView } from '../common/actor.dto.js';
import { FORMER_MEMBER, FORMER_PARTNER, personNames, tenantCards } from '../tenancy/index.js';
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

/** Names as the caller sees them: partner companies by tenant id, its own people by id. */
export interface Names {
  /** the caller's tenant: a partner sees who of its people claimed, a customer the company */
  viewer: string;
  partners: Map<string, string>;
  people: Map<string, string>;
}

/**
 * The answer; `leaseToken` only in the answer to a claim. Partner names are as the caller sees
 * them (a customer sees its linked partners' names, a partner its own).
 */
export function escalationView(
  r: EscalationRow,
  names: Names,
  o: { leaseToken?: string } = {},
): EscalationView {
  const { leaseExpiresAt, ...rest } = commonFields(r, names);
  return {
    ...rest,
    workOrder: completeWorkOrder(r.work_order),
    leaseExpiresAt,
    ...(o.leaseToken ? { leaseToken: o.leaseToken } : {}),
    notes: r.notes,
  };
}

/**
 * Who holds (or held, and then resolved it) the claim: the partner's own person as the partner
 * sees it, the partner company as the customer sees it.
 */
function claimer(
  r: Pick<EscalationRow, 'claimed_by' | 'partner_tenant_id'>,
  partner: ActorView | null,
  names: Names,
): ActorView | null {
  if (r.claimed_by === null || r.partner_tenant_id === null) return null;
  if (names.viewer === r.partner_tenant_id)
    return {
      id: r.claimed_by,
      name: names.people.get(r.claimed_by) ?? FORMER_MEMBER,
      kind: 'user',
    };
  return partner;
}

/** The fields an escalation answers both alone and as a list item. */
function commonFields(r: Omit<EscalationListRow, 'work_order_summary'>, names: Names) {
  const partner: ActorView | null =
    r.partner_tenant_id === null
      ? null
      : {
          id: r.partner_tenant_id,
          name: names.partners.get(r.partner_tenant_id) ?? FORMER_PARTNER,
          kind: 'partner',
        };
  return {
    id: r.id,
    customerTenantId: r.tenant_id,
    ticketId: r.ticket_id,
    queue: r.target,
    partnerTenantId: r.partner_tenant_id,
    partner,
    claimedBy: claimer(r, partner, names),
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
export function escalationListItem(r: EscalationListRow, names: Names): EscalationListItem {
  return { ...commonFields(r, names), workOrder: r.work_order_summary };
}

/**
 * The names `rows` show, as `tx`'s tenant sees them: their partners' (one read for all) and, for
 * a partner, who of its people claimed them (one more).
 */
export async function namesOf(
  tx: TenantTx,
  rows: readonly Pick<EscalationRow, 'partner_tenant_id' | 'claimed_by'>[],
): Promise<Names> {
  const ids = [...new Set(rows.flatMap((r) => (r.partner_tenant_id ? [r.partner_tenant_id] : [])))];
  const people = [
    ...new Set(
      rows.flatMap((r) =>
        r.claimed_by && r.partner_tenant_id === tx.tenantId ? [r.claimed_by] : [],
      ),
    ),
  ];
  return {
    viewer: tx.tenantId,
    partners: new Map(
      ids.length ? (await tenantCards(tx, ids)).map((c) => [c.id, c.name] as const) : [],
    ),
    people: people.length ? await personNames(tx, people) : new Map<string, string>(),
  };
}

/** The answers for rows `tx`'s tenant sees, with their partners' names (one read for all). */
export async function namedViews(
  tx: TenantTx,
  rows: readonly EscalationRow[],
  o: { leaseToken?: string } = {},
): Promise<EscalationView[]> {
  const names = await namesOf(tx, rows);
  return rows.map((r) => escalationView(r, names, o));
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
