import type { EntityManager } from 'typeorm';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { notFound } from '../common/errors.js';
import type { PowerSource, Protocol } from './dto/device-models.dto.js';
import { type BatteryForecast, forecastBattery } from './forecast.js';

export interface HealthSettings {
  offlineAfterMinutes: number;
  lowBatteryPercent: number;
}

export class HealthFlagsDto {
  @ApiProperty() lowBattery!: boolean;
  @ApiProperty({
    description: 'Heard from before, but offline or silent for longer than the offline window',
  })
  offline!: boolean;
  @ApiProperty() firmwareOutdated!: boolean;
  @ApiProperty({ description: 'No telemetry ever received' }) neverSeen!: boolean;
  @ApiProperty({ description: 'Signal weaker than -85 dBm' }) weakSignal!: boolean;
  @ApiProperty({ description: 'Jam events in the last 24 h' }) jamming!: boolean;
  @ApiProperty() doorAjar!: boolean;
}

export class WarrantyDto {
  @ApiProperty({ type: String, nullable: true }) expiresAt!: string | null;
  @ApiProperty({ enum: ['active', 'expired', 'unknown'] }) state!: 'active' | 'expired' | 'unknown';
}

export class BatteryForecastDto {
  @ApiProperty({ type: Number, nullable: true, description: 'Estimated days until 10%' })
  daysUntil10Percent!: number | null;
  @ApiPropertyOptional({ example: '2026-12-30' }) at10PercentOn?: string;
  @ApiPropertyOptional({ description: 'Percent per day, least squares' }) drainPerDay?: number;
  @ApiPropertyOptional({ description: 'Why there is no estimate' }) reason?: string;
  @ApiProperty({ description: 'Readings the estimate used' }) readings!: number;
}

export class DeviceHealthView {
  @ApiProperty({ format: 'uuid' }) deviceId!: string;
  @ApiProperty() serial!: string;
  @ApiProperty({ type: Number, nullable: true }) batteryPercent!: number | null;
  @ApiProperty({ type: String, nullable: true }) batteryReportedAt!: string | null;
  @ApiProperty({ type: Boolean, nullable: true, description: 'null: never heard from' }) online!:
    boolean | null;
  @ApiProperty({ type: String, nullable: true }) lastSeenAt!: string | null;
  @ApiProperty({ type: Number, nullable: true }) signalDbm!: number | null;
  @ApiProperty({ type: String, nullable: true }) firmwareVersion!: string | null;
  @ApiProperty({ type: String, nullable: true }) latestFirmware!: string | null;
  @ApiProperty({
    type: Boolean,
    nullable: true,
    description: 'null when either version is unknown',
  })
  firmwareBehindLatest!: boolean | null;
  @ApiProperty() jamEvents24h!: number;
  @ApiProperty() failedCodeAttempts24h!: number;
  @ApiProperty({ type: Boolean, nullable: true }) doorAjar!: boolean | null;
  @ApiProperty({ enum: ['battery', 'wired', 'rechargeable'] }) powerSource!: PowerSource;
  @ApiProperty({ type: String, nullable: true }) protocol!: Protocol | null;
  @ApiProperty({ type: WarrantyDto }) warranty!: WarrantyDto;
  @ApiProperty({ type: HealthFlagsDto }) flags!: HealthFlagsDto;
  @ApiProperty({ type: BatteryForecastDto }) batteryForecast!: BatteryForecast;
}

interface HealthRow {
  id: string;
  serial: string;
  power_source: PowerSource;
  protocol: Protocol | null;
  firmware_version: string | null;
  latest_firmware: string | null;
  behind: boolean | null;
  warranty_expires: string | null;
  battery_percent: number | null;
  battery_at: Date | null;
  online: boolean | null;
  last_seen_at: Date | null;
  signal_dbm: number | null;
  door_ajar: boolean | null;
  jam24: number;
  failed24: number;
}

/** The snapshot the diagnosis and the health endpoint read, in one round trip plus the battery history. */
export async function readDeviceHealth(
  em: EntityManager,
  deviceId: string,
  settings: HealthSettings,
  now = new Date(),
): Promise<DeviceHealthView> {
  const [row] = await em.query<HealthRow[]>(
    `SELECT d.id, d.serial, m.power_source, d.protocol,
            coalesce(h.firmware_version, d.firmware_version) AS firmware_version, m.latest_firmware,
            version_key(coalesce(h.firmware_version, d.firmware_version)) < version_key(m.latest_firmware) AS behind,
            (d.installed_at + make_interval(months => m.warranty_months))::date::text AS warranty_expires,
            h.battery_percent, h.battery_at, h.online, h.last_seen_at, h.signal_dbm, h.door_ajar,
            (SELECT count(*)::int FROM telemetry_events e WHERE e.tenant_id = d.tenant_id AND e.device_id = d.id
               AND e.type = 'jam' AND e.at > $2::timestamptz - interval '24 hours') AS jam24,
            (SELECT count(*)::int FROM telemetry_events e WHERE e.tenant_id = d.tenant_id AND e.device_id = d.id
               AND e.type = 'code_failed' AND e.at > $2::timestamptz - interval '24 hours') AS failed24
       FROM devices d
       JOIN catalog_models m ON m.id = coalesce(d.reference_model_id, d.tenant_model_id)
       LEFT JOIN device_health h ON h.tenant_id = d.tenant_id AND h.device_id = d.id
      WHERE d.id = $1`,
    [deviceId, now],
  );
  if (!row) throw notFound('Device');
  const readings = await em.query<{ at: Date; percent: number }[]>(
    `SELECT at, battery_percent AS percent FROM telemetry_events
      WHERE device_id = $1 AND battery_percent IS NOT NULL AND at > $2::timestamptz - interval '90 days'
      ORDER BY at DESC LIMIT 500`,
    [deviceId, now],
  );

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
