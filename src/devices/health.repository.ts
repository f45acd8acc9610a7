/**
 * Each lock's health snapshot (device_health: the latest reading of each kind, folded in by
 * telemetry ingestion) and the reads that combine it with the device, its model and recent events.
 */
import type { TenantTx } from '../database/tenant-db.service.js';
import { table } from '../database/table.js';
import type { PowerSource, Protocol } from './dto/device-models.dto.js';

export const DEVICE_HEALTH = table('device_health', {
  tenant_id: 'uuid',
  device_id: 'uuid',
  battery_percent: 'int2?',
  battery_at: 'timestamptz?',
  online: 'bool?',
  online_at: 'timestamptz?',
  last_seen_at: 'timestamptz?',
  signal_dbm: 'int2?',
  signal_at: 'timestamptz?',
  firmware_version: 'text?',
  firmware_at: 'timestamptz?',
  door_ajar: 'bool?',
  door_at: 'timestamptz?',
  updated_at: 'timestamptz',
});

/** Empty snapshots for new devices of `tx`'s tenant, in one statement. */
export async function insertEmptyHealth(tx: TenantTx, deviceIds: readonly string[]): Promise<void> {
  await tx.em.query(
    `INSERT INTO device_health (tenant_id, device_id) SELECT $1, unnest($2::uuid[])`,
    [tx.tenantId, deviceIds],
  );
}

/** A firmware set by hand replaces the last reported one until telemetry says otherwise. */
export async function clearReportedFirmware(tx: TenantTx, deviceId: string): Promise<void> {
  await tx.em.query(`UPDATE device_health SET firmware_version = NULL WHERE device_id = $1`, [
    deviceId,
  ]);
}

export interface HealthRow {
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

/**
 * The SELECT of a device's snapshot with its model's facts and its last 24 hours of jams and
 * failed codes at `now` (one row, the columns of HealthRow); `device` and `now` are SQL
 * expressions (parameters of the caller's statement), so other statements can embed it.
 *
 * `now` may instead be `{ since, until }`: the start of the 24 hours and a bound no stored event
 * reaches (ingestion refuses events more than 5 minutes ahead, so `now` + 1 day changes no
 * answer). A caller that passes them as parameters of its own (plain timestamptz values) lets
 * the planner prune the telemetry partitions while planning, the months after `now` included:
 * `now - interval` is only stable, so the planner would otherwise plan every month's partition
 * and prune at run time, which costs more than the read itself.
 * Jams and failed codes are counted in one pass over the lock's (device, type, at) index.
 */
export function healthSnapshotSql(
  device: string,
  now: string | { since: string; until: string },
): string {
  const w =
    typeof now === 'string'
      ? { since: `${now}::timestamptz - interval '24 hours'`, until: null }
      : now;
  return `SELECT d.id, d.serial, m.power_source, d.protocol,
            coalesce(h.firmware_version, d.firmware_version) AS firmware_version, m.latest_firmware,
            version_key(coalesce(h.firmware_version, d.firmware_version)) < version_key(m.latest_firmware) AS behind,
            (d.installed_at + make_interval(months => m.warranty_months))::date::text AS warranty_expires,
            h.battery_percent, h.battery_at, h.online, h.last_seen_at, h.signal_dbm, h.door_ajar,
            c.jam24, c.failed24
       FROM devices d
       JOIN catalog_models m ON m.id = coalesce(d.reference_model_id, d.tenant_model_id)
       LEFT JOIN device_health h ON h.tenant_id = d.tenant_id AND h.device_id = d.id
       CROSS JOIN LATERAL (
         SELECT count(*) FILTER (WHERE e.type = 'jam')::int AS jam24,
                count(*) FILTER (WHERE e.type = 'code_failed')::int AS failed24
           FROM telemetry_events e
          WHERE e.tenant_id = d.tenant_id AND e.device_id = d.id
            AND e.type IN ('jam', 'code_failed') AND e.at > ${w.since}${w.until ? ` AND e.at < ${w.until}` : ''}) c
      WHERE d.id = ${device}`;
}

/**
 * The SELECT of up to 500 battery readings (at, percent) of the 90 days before `now`, newest
 * first; `now` may instead be `{ since, until }`, the start of the 90 days and a bound (see healthSnapshotSql for
 * why a caller passes it as a value). It reads the partial index of battery readings
 * (telemetry_battery_idx), not every event of the lock.
 */
export function batteryReadingsSql(
  device: string,
  now: string | { since: string; until: string },
): string {
  const w =
    typeof now === 'string'
      ? { since: `${now}::timestamptz - interval '90 days'`, until: null }
      : now;
  return `SELECT at, battery_percent AS percent FROM telemetry_events
      WHERE device_id = ${device} AND battery_percent IS NOT NULL AND at > ${w.since}${w.until ? ` AND at < ${w.until}` : ''}
      ORDER BY at DESC LIMIT 500`;
}

/** A device's snapshot with its battery readings, as the health endpoint reads them. */
export interface HealthWithReadings {
  row: HealthRow;
  readings: { at: Date; percent: number }[];
}

const DAY_MS = 86_400_000;

/**
 * A device's snapshot (healthSnapshotSql) and its battery readings (batteryReadingsSql) at `now`,
 * in one statement; undefined when the tenant has no such device. The windows' starts are
 * computed here and sent as values, so the planner prunes the telemetry partitions.
 */
export async function healthWithReadings(
  tx: TenantTx,
  deviceId: string,
  now: Date,
): Promise<HealthWithReadings | undefined> {
  const [row] = await tx.em.query<(HealthRow & { readings: { at: string; percent: number }[] })[]>(
    `SELECT s.*,
            (SELECT coalesce(json_agg(r ORDER BY r.at DESC), '[]'::json)
               FROM (${batteryReadingsSql('$1', { since: '$3::timestamptz', until: '$4::timestamptz' })}) r) AS readings
       FROM (${healthSnapshotSql('$1', { since: '$2::timestamptz', until: '$4::timestamptz' })}) s`,
    [
      deviceId,
      new Date(now.getTime() - DAY_MS),
      new Date(now.getTime() - 90 * DAY_MS),
      new Date(now.getTime() + DAY_MS),
    ],
  );
  if (!row) return undefined;
  const { readings, ...snapshot } = row;
  return {
    row: snapshot,
    readings: readings.map((r) => ({ at: new Date(r.at), percent: r.percent })),
  };
}

export interface FleetFlagRow {
  id: string;
  serial: string;
  property_id: string;
  property_name: string;
  unit: string | null;
  model_id: string;
  model_name: string;
  battery: number | null;
  last_seen_at: Date | null;
  low: boolean;
  offline: boolean;
  outdated: boolean;
  never: boolean;
  jams: number;
  failed: number;
  door: boolean;
}

/** Every active lock with its health flags and last day's jams and failed codes: one scan. */
export function fleetFlags(
  tx: TenantTx,
  settings: { lowBatteryPercent: number; offlineAfterMinutes: number },
): Promise<FleetFlagRow[]> {
  return tx.em.query<FleetFlagRow[]>(
    `WITH recent AS (
       SELECT device_id, count(*) FILTER (WHERE type = 'jam')::int AS jams,
              count(*) FILTER (WHERE type = 'code_failed')::int AS failed
         FROM telemetry_events
        WHERE type IN ('jam', 'code_failed') AND at > now() - interval '24 hours'
        GROUP BY device_id
     )
     SELECT d.id, d.serial, d.property_id, p.name AS property_name, d.unit, m.id AS model_id,
            m.manufacturer || ' ' || m.model AS model_name, h.battery_percent AS battery, h.last_seen_at,
            coalesce(h.battery_percent <= $1, false) AS low,
            coalesce(h.last_seen_at IS NOT NULL AND (h.online IS FALSE OR h.last_seen_at < now() - make_interval(mins => $2)), false) AS offline,
            coalesce(version_key(coalesce(h.firmware_version, d.firmware_version)) < version_key(m.latest_firmware), false) AS outdated,
            h.last_seen_at IS NULL AS never,
            coalesce(r.jams, 0) AS jams, coalesce(r.failed, 0) AS failed, coalesce(h.door_ajar, false) AS door
       FROM devices d
       JOIN properties p ON p.tenant_id = d.tenant_id AND p.id = d.property_id
       JOIN catalog_models m ON m.id = coalesce(d.reference_model_id, d.tenant_model_id)
       LEFT JOIN device_health h ON h.tenant_id = d.tenant_id AND h.device_id = d.id
       LEFT JOIN recent r ON r.device_id = d.id
      WHERE d.status = 'active'`,
    [settings.lowBatteryPercent, settings.offlineAfterMinutes],
  );
}
