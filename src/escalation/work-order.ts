/** The work order: a snapshot of what a partner needs about the job, taken when it is escalated. */
import type { TenantTx } from '../database/tenant-db.service.js';
import { findOwnTenant } from '../tenancy/index.js';
import { ticketNumber } from '../tickets/index.js';
import type { EscalatedTicket, TicketsForEscalation } from '../tickets/index.js';
import type { WorkOrder } from './dto/escalations.dto.js';
import { lockSnapshot, RECENT_JAM_DAYS } from '../devices/index.js';

/** The customer's (`tx`'s tenant's) ticket as a work order. */
export async function snapshotWorkOrder(
  tx: TenantTx,
  tickets: TicketsForEscalation,
  t: EscalatedTicket,
  o: {
    accessNotes: string | null;
    contact: { name: string; phone: string } | null;
    reason: string | null;
  },
): Promise<WorkOrder> {
  const lock = await lockSnapshot(tx, t.device_id);
  if (!lock) throw new Error(`ticket ${t.id}: its lock ${t.device_id} is not visible`);
  const customer = await findOwnTenant(tx);
  if (!customer) throw new Error(`tenant ${tx.tenantId} is gone`);
  return {
    ticketNumber: ticketNumber(t.number),
    customer: { name: customer.name },
    description: t.description,
    property: { name: lock.propertyName, address: lock.address, unit: lock.unit },
    lock: {
      manufacturer: lock.manufacturer,
      model: lock.model,
      serial: lock.serial,
      firmwareVersion: lock.firmware,
      powerSource: lock.powerSource,
      protocol: lock.protocol,
      modelProtocols: lock.modelProtocols,
      battery: lock.battery,
      online: lock.online,
      recentJams: lock.recentJams,
    },
    symptoms: t.symptoms,
    diagnosis: {
      likelyCauses: t.diagnosis.causes.slice(0, 3).map((c) => ({
        code: c.code,
        probability: c.probability,
        category: c.category,
        evidence: c.evidence,
      })),
      recommendation: recommendation(t, o.reason),
    },
    stepsTried: await tickets.stepsTried(tx, t.id),
    urgency: t.priority,
    escalationReason: o.reason,
    // Given at escalation, else the property's.
    accessNotes: o.accessNotes ?? lock.propertyAccessNotes,
    contact: o.contact ?? lock.propertyContact,
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

type Lock = WorkOrder['lock'];
type Cause = WorkOrder['diagnosis']['likelyCauses'][number];
type Step = WorkOrder['stepsTried'][number];

/** A work order as stored: one snapshotted before a field existed lacks it. */
export type StoredWorkOrder = Omit<
  WorkOrder,
  'description' | 'contact' | 'lock' | 'diagnosis' | 'stepsTried'
> & {
  description?: string;
  contact?: WorkOrder['contact'];
  lock: Pick<Lock, 'manufacturer' | 'model' | 'serial' | 'firmwareVersion'> & Partial<Lock>;
  diagnosis: {
    likelyCauses: (Pick<Cause, 'code' | 'probability'> & Partial<Cause>)[];
    recommendation: string;
  };
  stepsTried: (Pick<Step, 'step' | 'outcome'> & Partial<Step>)[];
};

/**
 * A stored work order as answered: one snapshotted before a field existed answers it as null
 * (or empty), so every answer has the documented shape.
 */
export function completeWorkOrder(wo: StoredWorkOrder): WorkOrder {
  const lock = wo.lock;
  return {
    ...wo,
    description: wo.description ?? '',
    lock: {
      ...wo.lock,
      powerSource: lock.powerSource ?? null,
      protocol: lock.protocol ?? null,
      modelProtocols: lock.modelProtocols ?? [],
      battery: lock.battery ?? { percent: null, at: null },
      online: lock.online ?? { online: null, lastSeenAt: null },
      recentJams: lock.recentJams ?? { days: RECENT_JAM_DAYS, count: 0, lastAt: null },
    },
    diagnosis: {
      ...wo.diagnosis,
      likelyCauses: wo.diagnosis.likelyCauses.map((c) => ({
        ...c,
        category: c.category ?? null,
        evidence: c.evidence ?? [],
      })),
    },
    stepsTried: wo.stepsTried.map((s) => ({ ...s, note: s.note ?? null, at: s.at ?? null })),
    contact: wo.contact ?? null,
  };
}
