import { notFound } from '../common/errors.js';
import type { TenantTx } from '../database/tenant-db.service.js';
import type {
  DeviceHealthSummaryDto,
  DeviceHealthView,
  HealthSummaryFlagsDto,
} from './dto/health.dto.js';
import { forecastBattery } from './forecast.js';
import { type HealthRow, healthWithReadings } from './health.repository.js';
import type { LockDiagnosisFactsRow } from './lock-facts.repository.js';

export interface HealthSettings {
  offlineAfterMinutes: number;
  lowBatteryPercent: number;
}

/** What the snapshot row (device_health with the device's firmware) says, without event counts. */
export interface SnapshotFacts {
  battery_percent: number | null;
  online: boolean | null;
  last_seen_at: Date | null;
  signal_dbm: number | null;
  door_ajar: boolean | null;
  firmware_version: string | null;
  latest_firmware: string | null;
  /** version_key(firmware) < version_key(latest): the one firmware rule, computed in SQL. */
  behind: boolean | null;
}

/**
 * The health rules on one snapshot, shared by the full health answer and the devices' health
 * summary: online (null when never heard from), firmware behind (null when either version is
 * unknown) and the flags that need no event history.
 */
export function snapshotState(
  row: SnapshotFacts,
  settings: HealthSettings,
  now: Date,
): { online: boolean | null; behind: boolean | null; flags: HealthSummaryFlagsDto } {
  const seen = row.last_seen_at !== null;
  const fresh =
    seen && now.getTime() - row.last_seen_at!.getTime() <= settings.offlineAfterMinutes * 60_000;
  const online = seen ? row.online !== false && fresh : null;
  const behind = row.firmware_version && row.latest_firmware ? row.behind : null;
  return {
    online,
    behind,
    flags: {
      lowBattery: row.battery_percent !== null && row.battery_percent <= settings.lowBatteryPercent,
      offline: online === false,
      firmwareOutdated: behind === true,
      neverSeen: !seen,
      weakSignal: row.signal_dbm !== null && row.signal_dbm < -85,
      doorAjar: row.door_ajar === true,
    },
  };
}

/** The health summary a device answer (and each list item) carries; the detail is GET …/health. */
export function healthSummary(
  row: SnapshotFacts,
  settings: HealthSettings,
  now: Date,
): DeviceHealthSummaryDto {
  const { online, flags } = snapshotState(row, settings, now);
  return {
    batteryPercent: row.battery_percent,
    online,
    lastSeenAt: row.last_seen_at?.toISOString() ?? null,
    flags,
  };
}

/** The snapshot the diagnosis and the health endpoint read, in one round trip plus the battery history. */
export async function readDeviceHealth(
  tx: TenantTx,
  deviceId: string,
  settings: HealthSettings,
  now = new Date(),
): Promise<DeviceHealthView> {
  const found = await healthWithReadings(tx, deviceId, now);
  if (!found) throw notFound('Device');
  return healthView(found.row, found.readings, settings, now);
}

/** The health answer from a snapshot row and its battery readings (pure). */
export function healthView(
  row: HealthRow,
  readings: { at: Date; percent: number }[],
  settings: HealthSettings,
  now: Date,
): DeviceHealthView {
  const state = snapshotState(row, settings, now);
  const warrantyState =
    row.warranty_expires === null
      ? 'unknown'
      : row.warranty_expires >= now.toISOString().slice(0, 10)
        ? 'active'
        : 'expired';
  return {
    deviceId: row.id,
    serial: row.serial,
    batteryPercent: row.battery_percent,
    batteryReportedAt: row.battery_at?.toISOString() ?? null,
    online: state.online,
    lastSeenAt: row.last_seen_at?.toISOString() ?? null,
    signalDbm: row.signal_dbm,
    firmwareVersion: row.firmware_version,
    latestFirmware: row.latest_firmware,
    firmwareBehindLatest: state.behind,
    jamEvents24h: row.jam24,
    failedCodeAttempts24h: row.failed24,
    doorAjar: row.door_ajar,
    powerSource: row.power_source,
    protocol: row.protocol,
    warranty: { expiresAt: row.warranty_expires, state: warrantyState },
    flags: { ...state.flags, jamming: row.jam24 > 0 },
    batteryForecast: forecastBattery(readings, now),
  };
}

/** The health answer from the facts lockDiagnosisFactsSql read (its json timestamps parsed). */
export function healthFromFacts(
  facts: LockDiagnosisFactsRow,
  settings: HealthSettings,
  now: Date,
): DeviceHealthView {
  const h = facts.health;
  const date = (s: string | null) => (s === null ? null : new Date(s));
  return healthView(
    { ...h, battery_at: date(h.battery_at), last_seen_at: date(h.last_seen_at) },
    facts.readings.map((r) => ({ at: new Date(r.at), percent: r.percent })),
    settings,
    now,
  );
}
