/** The work order: a snapshot of what a partner needs about the job, taken when it is escalated. */
import type { TenantTx } from '../database/tenant-db.service.js';
import { findOwnTenant } from '../tenancy/index.js';
import { ticketNumber } from '../tickets/index.js';
import type { EscalatedTicket, TicketsForEscalation } from '../tickets/index.js';
import type { WorkOrder } from './dto/escalations.dto.js';
import { lockSnapshot } from '../devices/index.js';

/** The customer's (`tx`'s tenant's) ticket as a work order. */
export async function snapshotWorkOrder(
  tx: TenantTx,
  tickets: TicketsForEscalation,
  t: EscalatedTicket,
  o: { accessNotes: string | null; reason: string | null },
): Promise<WorkOrder> {
  const lock = await lockSnapshot(tx, t.device_id);
  if (!lock) throw new Error(`ticket ${t.id}: its lock ${t.device_id} is not visible`);
  const customer = await findOwnTenant(tx);
  if (!customer) throw new Error(`tenant ${tx.tenantId} is gone`);
  return {
    ticketNumber: ticketNumber(t.number),
    customer: { name: customer.name },
    property: { name: lock.propertyName, address: lock.address, unit: lock.unit },
    lock: {
      manufacturer: lock.manufacturer,
      model: lock.model,
      serial: lock.serial,
      firmwareVersion: lock.firmware,
    },
    symptoms: t.symptoms,
    diagnosis: {
      likelyCauses: t.diagnosis.causes
        .slice(0, 3)
        .map((c) => ({ code: c.code, probability: c.probability })),
      recommendation: recommendation(t, o.reason),
    },
    stepsTried: await tickets.stepsTried(tx, t.id),
    urgency: t.priority,
    escalationReason: o.reason,
    accessNotes: o.accessNotes,
  };
}

/**
 * What the partner is told to do. The diagnosis's advice when it recommends escalating; when the
 * desk escalates before that, its "Not yet: cheaper steps remain" speaks to the desk, not to the
 * partner it was sent to, so the partner reads the agent's reason instead.
 */
function recommendation(t: EscalatedTicket, reason: string | null): string {
  if (t.diagnosis.escalation.recommended) return t.diagnosis.escalation.reason;
  return reason
    ? `Escalated by the desk: ${reason}`
    : 'Escalated by the desk before the remaining cheaper steps were tried.';
}
