/**
 * Routing: which partner an escalation goes to, and the messages partners' own webhooks get.
 * Runs in the customer's transaction (`tx` is the customer's); the partner's side is reached only
 * through `asTenant`, which scopes the transaction back to the customer whatever happens.
 */
import type { OutboxMessage } from '../common/outbox/outbox.repository.js';
import { appendOutbox } from '../common/outbox/outbox.repository.js';
import { notFound } from '../common/errors.js';
import { asTenant, type TenantTx } from '../database/tenant-db.service.js';
import { findEscalation, setRouting } from './escalations.repository.js';
import { pickPartner } from './partners.repository.js';

export interface Routing {
  /** The partner it is routed to; null when it waits in the customer's queue. */
  partnerTenantId: string | null;
  /** Why it waits (null when routed). */
  waitingReason: string | null;
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
 * partner of the lock's brand, never one that declined it; the chosen partner gets
 * `escalation.routed`. None: it waits in the customer's queue and says why.
 */
export async function routeEscalation(tx: TenantTx, id: string): Promise<Routing> {
  const e = await findEscalation(tx, id, { forUpdate: true });
  if (!e) throw notFound('Escalation');
  const wo = e.work_order;
  const partner = await pickPartner(tx, {
    target: e.target,
    declinedBy: e.declined_by,
    postalCode: wo.property.address.postalCode ?? '',
    city: wo.property.address.city ?? '',
    manufacturer: wo.lock.manufacturer,
    urgent: e.urgent,
  });
  const waitingReason = partner
    ? null
    : e.target === 'locksmith'
      ? `No linked locksmith covers ${wo.property.address.postalCode ?? '?'} ${wo.property.address.city ?? ''}`.trim() +
        (e.declined_by.length ? ` (${e.declined_by.length} declined)` : '')
      : `No linked manufacturer partner serves ${wo.lock.manufacturer}; waiting in your manufacturer queue`;
  await setRouting(tx, id, { partnerTenantId: partner ?? null, waitingReason });
  if (partner) {
    await tellTenant(tx, partner, 'escalation.routed', id, { queue: e.target, urgent: e.urgent });
  }
  return { partnerTenantId: partner ?? null, waitingReason };
}
