/** The escalation lifecycle as data, for the 409 that names what may come next. Pure; no framework. */
import type { EscalationStatus } from './dto/escalations.dto.js';

const NEXT: Record<EscalationStatus, readonly EscalationStatus[]> = {
  // Routing (or re-routing: a decline, an unclaimed timeout, an unlink) moves to routed or back to queued.
  queued: ['routed'],
  routed: ['claimed', 'routed', 'queued'],
  claimed: ['claimed', 'scheduled', 'resolved', 'routed', 'queued'],
  scheduled: ['claimed', 'scheduled', 'resolved', 'routed', 'queued'],
  resolved: [],
  cancelled: [],
};

/** Where an escalation may go from `from` now: nobody else claims it while its lease is live. */
export function allowedEscalationTransitions(
  from: EscalationStatus,
  leaseLive: boolean,
): EscalationStatus[] {
  return NEXT[from].filter((to) => !(to === 'claimed' && leaseLive && from !== 'routed'));
}
