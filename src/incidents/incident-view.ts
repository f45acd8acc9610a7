/** The answer shapes of incidents, from rows. Pure. */
import { ticketNumber } from '../tickets/index.js';
import type {
  IncidentEvidenceView,
  IncidentLockView,
  IncidentSummaryView,
  IncidentTicketView,
  IncidentView,
} from './dto/incidents.dto.js';
import type { IncidentRow, MemberLockRow, MemberTicketRow } from './incidents.repository.js';

const iso = (d: Date | null) => d?.toISOString() ?? null;

export function incidentSummary(r: IncidentRow): IncidentSummaryView {
  return {
    id: r.id,
    title: r.title,
    state: r.state,
    kind: r.kind,
    signal: r.signal,
    modelId: r.model_id,
    modelName: r.model_name,
    firmwareVersion: r.firmware_version || null,
    suspectedCause: r.suspected_cause,
    lockCount: r.lock_count,
    ticketCount: r.ticket_count,
    pValue: r.p_value,
    firstSeenAt: r.first_seen_at.toISOString(),
    lastSeenAt: r.last_seen_at.toISOString(),
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

export function incidentView(
  r: IncidentRow,
  tickets: MemberTicketRow[],
  locks: MemberLockRow[],
): IncidentView {
  return {
    ...incidentSummary(r),
    evidence: r.evidence as IncidentEvidenceView,
    tickets: tickets.map((t): IncidentTicketView => ({
      id: t.id,
      number: ticketNumber(t.number),
      deviceId: t.device_id,
      status: t.status,
      topCause: t.top_cause,
      createdAt: t.created_at.toISOString(),
    })),
    locks: locks.map((l): IncidentLockView => ({
      id: l.id,
      serial: l.serial,
      firstSeenAt: l.first_seen_at.toISOString(),
      lastSeenAt: l.last_seen_at.toISOString(),
    })),
    confirmedCause: r.confirmed_cause,
    resolution: r.resolution,
    acknowledgedAt: iso(r.acknowledged_at),
    acknowledgedBy: r.acknowledged_by,
    resolvedAt: iso(r.resolved_at),
    resolvedBy: r.resolved_by,
    version: r.version,
  };
}
