/** The escalation lifecycle as data, for the 409 that names what may come next. Pure; no framework. */
import type { EscalationStatus } from './dto/escalations.dto.js';

const NEXT: Record<EscalationStatus, readonly EscalationStatus[]> = {
  // Routing (or re-routing: a decline, an unclaimed timeout, an unlink, the customer's choice)
  // moves to routed or back to queued. Until it is resolved the customer may cancel it, and
  // solving or closing its ticket closes it.
  queued: ['routed', 'cancelled', 'closed'],
  routed: ['claimed', 'routed', 'queued', 'cancelled', 'closed'],
  claimed: ['claimed', 'scheduled', 'resolved', 'routed', 'queued', 'cancelled', 'closed'],
  scheduled: ['claimed', 'scheduled', 'resolved', 'routed', 'queued', 'cancelled', 'closed'],
  resolved: [],
  cancelled: [],
  closed: [],
};

/** Where an escalation may go from `from` now: nobody else claims it while its lease is live. */
export function allowedEscalationTransitions(
  from: EscalationStatus,
  leaseLive: boolean,
): EscalationStatus[] {
  return NEXT[from].filter((to) => !(to === 'claimed' && leaseLive && from !== 'routed'));
}

/** Whether an escalation in `from` has ended (nothing may move it any more). */
export const escalationEnded = (from: EscalationStatus): boolean => NEXT[from].length === 0;
