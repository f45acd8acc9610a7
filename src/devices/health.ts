import { notFound } from '../common/errors.js';
import type { TenantTx } from '../database/tenant-db.service.js';
import type { DeviceHealthView } from './dto/health.dto.js';
import { forecastBattery } from './forecast.js';
import { batteryReadings, healthSnapshot } from './health.repository.js';

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
  const readings = await batteryReadings(tx, deviceId, now);

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
