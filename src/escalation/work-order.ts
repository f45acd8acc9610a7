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
  o: { accessNotes: string | null },
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
      recommendation: t.diagnosis.escalation.reason,
    },
    stepsTried: await tickets.stepsTried(tx, t.id),
    urgency: t.priority === 'urgent' ? 'urgent' : 'normal',
    accessNotes: o.accessNotes,
  };
}
