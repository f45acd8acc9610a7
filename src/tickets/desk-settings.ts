import { Logger } from '@nestjs/common';
import type { TenantTx } from '../database/tenant-db.service.js';
import {
  type DeskSettingsRow,
  findDeskSettings,
  findSlaPolicy,
  listSlaPolicies,
  type SlaPolicyRow,
} from './desk-settings.repository.js';
import {
  ALWAYS_OPEN,
  type BusinessHours,
  pickBusinessHours,
  validateBusinessHours,
} from './sla.util.js';
import type { Priority } from './ticket-state.util.js';

/**
 * The desk's own proactive thresholds. The low-battery one is not among them: one threshold, the
 * app's LOW_BATTERY_PERCENT, drives both the health flag and proactive tickets.
 */
export interface ProactiveThresholds {
  offlineHours: number;
  jamsPerHour: number;
}

export interface DeskSettings {
  businessHours: BusinessHours;
  reopenWindowDays: number;
  maxOpenPerAgent: number;
  autoAssign: boolean;
  lastAssigneeId: string | null;
  proactive: ProactiveThresholds;
}

export interface SlaTarget {
  firstResponseMinutes: number | null;
  resolutionMinutes: number | null;
}

/** Business minutes, used until a tenant sets its own policies. */
export const DEFAULT_SLA: Record<Priority, SlaTarget> = {
  urgent: { firstResponseMinutes: 30, resolutionMinutes: 240 },
  high: { firstResponseMinutes: 60, resolutionMinutes: 480 },
  normal: { firstResponseMinutes: 240, resolutionMinutes: 1440 },
  low: { firstResponseMinutes: 480, resolutionMinutes: 4320 },
};

export const DEFAULT_PROACTIVE: ProactiveThresholds = {
  offlineHours: 24,
  jamsPerHour: 3,
};

export function defaultDeskSettings(): DeskSettings {
  return {
    businessHours: ALWAYS_OPEN('UTC'),
    reopenWindowDays: 7,
    maxOpenPerAgent: 25,
    autoAssign: false,
    lastAssigneeId: null,
    proactive: DEFAULT_PROACTIVE,
  };
}

const logger = new Logger('DeskSettings');
/** Stored hours already found valid (each request loads them; validating 500 holidays each time is waste). */
const validStoredHours = new Set<string>();

/**
 * Business hours as stored, reduced to the known fields and checked against today's limits.
 * Rows written before the limits existed may break them (1 minute a week, thousands of
 * holidays, junk fields): such hours are replaced by 24x7 UTC, with a warning, rather than
 * letting them slow every SLA computation; an admin sees the hours in effect and can set valid ones.
 */
export function storedBusinessHours(stored: unknown): BusinessHours {
  const picked = pickBusinessHours(stored);
  const key = JSON.stringify(picked);
  if (validStoredHours.has(key)) return picked as BusinessHours;
  const problems = validateBusinessHours(picked);
  if (problems.length === 0) {
    if (validStoredHours.size >= 1_000) validStoredHours.clear();
    validStoredHours.add(key);
    return picked as BusinessHours;
  }
  logger.warn(
    { problems: problems.slice(0, 5) },
    'stored business hours break the current limits; using 24x7 UTC until they are set again',
  );
  return ALWAYS_OPEN('UTC');
}

/** The tenant's settings (defaults until it sets its own); `lock` holds its row until the transaction ends. */
export async function loadDeskSettings(
  tx: TenantTx,
  opts: { lock?: boolean } = {},
): Promise<DeskSettings> {
  return deskSettingsFrom(await findDeskSettings(tx, opts));
}

/** The settings a stored row says (defaults when there is none). */
export function deskSettingsFrom(
  row: Omit<DeskSettingsRow, 'tenant_id' | 'updated_at'> | null | undefined,
): DeskSettings {
  if (!row) return defaultDeskSettings();
  return {
    businessHours: storedBusinessHours(row.business_hours),
    reopenWindowDays: row.reopen_window_days,
    maxOpenPerAgent: row.max_open_per_agent,
    autoAssign: row.auto_assign,
    lastAssigneeId: row.last_assignee_id,
    proactive: storedProactive(row.proactive),
  };
}

/** The stored thresholds over the defaults, known fields only (a stored batteryPercent is not one). */
function storedProactive(stored: unknown): ProactiveThresholds {
  const s = (stored ?? {}) as Partial<ProactiveThresholds>;
  return {
    offlineHours: s.offlineHours ?? DEFAULT_PROACTIVE.offlineHours,
    jamsPerHour: s.jamsPerHour ?? DEFAULT_PROACTIVE.jamsPerHour,
  };
}

const target = (r: SlaPolicyRow): SlaTarget => ({
  firstResponseMinutes: r.first_response_minutes,
  resolutionMinutes: r.resolution_minutes,
});

/** The SLA target of a priority (the default until the tenant sets one). */
export async function loadSlaTarget(tx: TenantTx, priority: Priority): Promise<SlaTarget> {
  const row = await findSlaPolicy(tx, priority);
  return row ? target(row) : DEFAULT_SLA[priority];
}

/** The SLA target of a priority among the tenant's policies (the default when it set none). */
export function slaTargetFrom(rows: readonly SlaPolicyRow[], priority: Priority): SlaTarget {
  const row = rows.find((r) => r.priority === priority);
  return row ? target(row) : DEFAULT_SLA[priority];
}

/** Every priority's SLA target. */
export async function loadSlaPolicies(tx: TenantTx): Promise<Record<Priority, SlaTarget>> {
  const out = { ...DEFAULT_SLA };
  for (const r of await listSlaPolicies(tx)) out[r.priority] = target(r);
  return out;
}
