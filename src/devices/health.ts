import { notFound } from '../common/errors.js';
import type { TenantTx } from '../database/tenant-db.service.js';
import type { DeviceHealthView } from './dto/health.dto.js';
import { forecastBattery } from './forecast.js';
import { batteryReadings, type HealthRow, healthSnapshot } from './health.repository.js';
import type { LockDiagnosisFactsRow } from './lock-facts.repository.js';

export interface HealthSettings {
  offlineAfterMinutes: number;
  lowBatteryPercent: number;
}

/** The snapshot the diagnosis and the health endpoint read, in one round trip plus the battery history. */
export async function readDeviceHealth(
  tx: TenantTx,
  deviceId: string,
  settings: HealthSettings,
  now = new Date(),
): Promise<DeviceHealthView> {
  const row = await healthSnapshot(tx, deviceId, now);
  if (!row) throw notFound('Device');
  return healthView(row, await batteryReadings(tx, deviceId, now), settings, now);
}

/** The health answer from a snapshot row and its battery readings (pure). */
export function healthView(
  row: HealthRow,
  readings: { at: Date; percent: number }[],
  settings: HealthSettings,
  now: Date,
): DeviceHealthView {
  const seen = row.last_seen_at !== null;
  const fresh =
    seen && now.getTime() - row.last_seen_at!.getTime() <= settings.offlineAfterMinutes * 60_000;
  const online = seen ? row.online !== false && fresh : null;
  // version_key() is the one firmware rule (the fleet filters use it too); null when either side is unknown.
  const behind = row.firmware_version && row.latest_firmware ? row.behind : null;
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
    online,
    lastSeenAt: row.last_seen_at?.toISOString() ?? null,
    signalDbm: row.signal_dbm,
    firmwareVersion: row.firmware_version,
    latestFirmware: row.latest_firmware,
    firmwareBehindLatest: behind,
    jamEvents24h: row.jam24,
    failedCodeAttempts24h: row.failed24,
    doorAjar: row.door_ajar,
    powerSource: row.power_source,
    protocol: row.protocol,
    warranty: { expiresAt: row.warranty_expires, state: warrantyState },
    flags: {
      lowBattery: row.battery_percent !== null && row.battery_percent <= settings.lowBatteryPercent,
      offline: online === false,
      firmwareOutdated: behind === true,
      neverSeen: !seen,
      weakSignal: row.signal_dbm !== null && row.signal_dbm < -85,
      jamming: row.jam24 > 0,
      doorAjar: row.door_ajar === true,
    },
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
