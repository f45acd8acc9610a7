/**
 * Routing: which partner an escalation goes to, and the messages partners' own webhooks get.
 * Runs in the customer's transaction (`tx` is the customer's); the partner's side is reached only
 * through `asTenant`, which scopes the transaction back to the customer whatever happens.
 */
import type { OutboxMessage } from '../common/outbox/outbox.repository.js';
import { appendOutbox } from '../common/outbox/outbox.repository.js';
import { notFound } from '../common/errors.js';
import { asTenant, type TenantTx } from '../database/tenant-db.service.js';
import { tenantCards } from '../tenancy/index.js';
import type { TicketsForEscalation } from '../tickets/index.js';
import type { WaitingFor } from './dto/escalations.dto.js';
import {
  type EscalationRow,
  findEscalation,
  lockQueued,
  setRouting,
} from './escalations.repository.js';
import { lockPartnerLoad, routingCandidates } from './partners.repository.js';

export interface Routing {
  /** The partner it is routed to; null when it waits in the customer's queue. */
  partnerTenantId: string | null;
  /** Why it waits, in words (null when routed). */
  waitingReason: string | null;
  /** Why it waits, as a code (null when routed). */
  waitingFor: WaitingFor | null;
}

/** An outbox message about an escalation, for a partner's webhooks. */
export function escalationMessage(
  topic: string,
  escalationId: string,
  extra: object,
): OutboxMessage {
  return {
    topic,
    aggregateId: escalationId,
    payload: { escalationId, ...extra, at: new Date().toISOString() },
  };
}

/** A message for another tenant's webhooks (a partner's), written as that tenant in `tx`'s transaction. */
export function tellTenant(
  tx: TenantTx,
  tenantId: string,
  topic: string,
  escalationId: string,
  extra: object,
): Promise<void> {
  return asTenant(tx, tenantId, (other) =>
    appendOutbox(other, [escalationMessage(topic, escalationId, extra)]),
  );
}

/**
 * Routes (or re-routes) an escalation of `tx`'s tenant: locksmiths whose area covers the
 * property (emergency-capable first for urgent cases, then least loaded), the manufacturer
 * partner of the lock's brand, never one that declined it, never one at capacity (its open jobs
 * across all of its customers, counted under its routing lock); the chosen partner gets
 * `escalation.routed`. None: it waits in the customer's queue and says why (`waitingFor`).
 */
export async function routeEscalation(tx: TenantTx, id: string): Promise<Routing> {
  const e = await findEscalation(tx, id, { forUpdate: true });
  if (!e) throw notFound('Escalation');
  const wo = e.work_order;
  const candidates = await routingCandidates(tx, {
    target: e.target,
    declinedBy: e.declined_by,
    postalCode: wo.property.address.postalCode ?? '',
    city: wo.property.address.city ?? '',
    manufacturer: wo.lock.manufacturer,
    urgent: e.urgent,
  });
  const willing = candidates.filter((c) => !c.declined);
  let partner: string | null = null;
  for (const c of willing) {
    if (c.open >= c.capacity) continue;
    // Counted again under the partner's lock: another routing may have just taken the slot.
    if ((await lockPartnerLoad(tx, c.partner)) < c.capacity) {
      partner = c.partner;
      break;
    }
  }
  const waitingFor: WaitingFor | null = partner
    ? null
    : candidates.length === 0
      ? e.target === 'locksmith'
        ? 'no_linked_partner_covers_property'
        : 'no_linked_partner_serves_brand'
      : willing.length === 0
        ? 'covering_partners_declined'
        : 'partners_at_capacity';
  const waitingReason = waitingFor && waitingWords(e, waitingFor);
  if (
    !partner &&
    e.status === 'queued' &&
    e.waiting_for === waitingFor &&
    e.waiting_reason === waitingReason
  ) {
    // Still waiting for the same thing (a retry): nothing to write.
    return { partnerTenantId: null, waitingReason, waitingFor };
  }
  await setRouting(tx, id, { partnerTenantId: partner, waitingReason, waitingFor });
  if (partner) {
    await tellTenant(tx, partner, 'escalation.routed', id, { queue: e.target, urgent: e.urgent });
  }
  return { partnerTenantId: partner, waitingReason, waitingFor };
}

function waitingWords(e: EscalationRow, why: WaitingFor): string {
  const address = e.work_order.property.address;
  const where = `${address.postalCode ?? '?'} ${address.city ?? ''}`.trim();
  switch (why) {
    case 'no_linked_partner_covers_property':
      return `No linked locksmith covers ${where}`;
    case 'no_linked_partner_serves_brand':
      return `No linked manufacturer partner serves ${e.work_order.lock.manufacturer}; waiting in your manufacturer queue`;
    case 'covering_partners_declined':
      return `Every linked ${e.target} that covers it declined it (${e.declined_by.length} declined); link another or re-route it`;
    case 'partners_at_capacity':
      return `Every linked ${e.target} that covers it is at capacity; it is routed when one frees a slot`;
  }
}

/**
 * Tries to route `tx`'s tenant's queued escalations (up to `limit`, urgent first, then oldest;
 * rows another transaction is routing are skipped). Each one routed gets an `escalation_routed`
 * event on its ticket. Answers how many were routed.
 */
export async function routeQueued(
  tx: TenantTx,
  tickets: TicketsForEscalation,
  limit = 100,
): Promise<number> {
  let routed = 0;
  for (const e of await lockQueued(tx, limit)) {
    const r = await routeEscalation(tx, e.id);
    if (!r.partnerTenantId) continue;
    routed++;
    const [card] = await tenantCards(tx, [r.partnerTenantId]);
    await tickets.recordEscalationEvent(tx, null, e.ticket_id, 'escalation_routed', {
      escalationId: e.id,
      partner: { id: r.partnerTenantId, name: card?.name ?? null },
      waitedFor: e.waiting_for,
    });
  }
  return routed;
}
