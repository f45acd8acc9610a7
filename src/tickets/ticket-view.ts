/** Pure helpers shared by the ticket services: the answer shape, who did it, who is staff. */
import type { Actor } from '../auth/index.js';
import type {
  SlaView,
  StepTriedView,
  RelatedTicketView,
  TicketEscalationView,
  TicketIncidentView,
  TicketListItemView,
  TicketView,
} from './dto/tickets.dto.js';
import type { SlaColumns, TicketListRow, TicketRow } from './tickets.repository.js';
import type { StepRow } from './ticket-steps.repository.js';
import { OPEN_STATUSES, ticketNumber } from './ticket-state.util.js';

const iso = (d: Date | null) => d?.toISOString() ?? null;

export function slaView(r: SlaColumns, now: Date): SlaView {
  const paused = r.sla_paused_at !== null;
  const lateFirst =
    r.first_responded_at === null &&
    r.first_response_due_at !== null &&
    now > r.first_response_due_at;
  const lateResolution =
    r.solved_at === null && r.resolution_due_at !== null && now > r.resolution_due_at;
  return {
    firstResponseDueAt: iso(r.first_response_due_at),
    resolutionDueAt: iso(r.resolution_due_at),
    breached:
      r.sla_breached ||
      (!paused && OPEN_STATUSES.includes(r.status) && (lateFirst || lateResolution)),
    pausedAt: iso(r.sla_paused_at),
  };
}

export function ticketView(
  r: TicketRow,
  now = new Date(),
  stepsTried?: StepTriedView[],
): TicketView {
  return {
    id: r.id,
    number: ticketNumber(r.number),
    deviceId: r.device_id,
    propertyId: r.property_id,
    reporterId: r.reporter_id,
    assigneeId: r.assignee_id,
    status: r.status,
    priority: r.priority,
    source: r.source,
    reason: r.reason,
    symptoms: r.symptoms,
    description: r.description,
    diagnosis: r.diagnosis,
    ...(stepsTried ? { stepsTried } : {}),
    confirmedCause: r.confirmed_cause,
    resolution: r.resolution,
    version: r.version,
    sla: slaView(r, now),
    firstRespondedAt: iso(r.first_responded_at),
    solvedAt: iso(r.solved_at),
    closedAt: iso(r.closed_at),
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

/** A list item: what a list shows (the full ticket is GET /v1/tickets/:id). */
export function ticketListItem(r: TicketListRow, now = new Date()): TicketListItemView {
  return {
    id: r.id,
    number: ticketNumber(r.number),
    status: r.status,
    priority: r.priority,
    source: r.source,
    reason: r.reason,
    deviceId: r.device_id,
    deviceSerial: r.device_serial,
    propertyId: r.property_id,
    propertyName: r.property_name,
    assigneeId: r.assignee_id,
    diagnosis: r.diagnosis_summary,
    confirmedCause: r.confirmed_cause,
    version: r.version,
    sla: slaView(r, now),
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

export function stepView(r: StepRow): StepTriedView {
  return {
    step: r.step,
    outcome: r.outcome,
    note: r.note,
    by: r.by,
    at: r.created_at.toISOString(),
  };
}

/** Who did it, as the timeline records it (a partner person: also the partner company). */
export function actorOf(actor: Actor | null): {
  type: 'user' | 'api_key' | 'system' | 'partner';
  id: string | null;
  tenantId: string | null;
} {
  if (!actor) return { type: 'system', id: null, tenantId: null };
  if (actor.tenantKind !== 'customer')
    return {
      type: 'partner',
      id: actor.type === 'user' ? actor.userId : actor.apiKeyId,
      tenantId: actor.tenantId,
    };
  return actor.type === 'user'
    ? { type: 'user', id: actor.userId, tenantId: null }
    : { type: 'api_key', id: actor.apiKeyId, tenantId: null };
}

export const isStaff = (actor: Actor | null) =>
  actor?.type === 'user' && (actor.role === 'agent' || actor.role === 'admin');

/**
 * What a ticket shows that changes while its version stays: its escalation (a partner works it
 * in its own tenant), a breach the clock reached before the breach job recorded it, the status
 * of its related tickets and the fleet incidents it joined. Part of
 * the ticket's ETag (`versionTag`), so polling with If-None-Match sees those changes.
 */
export function ticketVolatile(
  escalation: TicketEscalationView | null | undefined,
  breached: boolean,
  related: readonly RelatedTicketView[] = [],
  incidents: readonly TicketIncidentView[] = [],
): unknown {
  return escalation || breached || related.length > 0 || incidents.length > 0
    ? { escalation: escalation ?? null, breached, related, incidents }
    : undefined;
}
