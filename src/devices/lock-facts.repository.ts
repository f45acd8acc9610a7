/**
 * What other modules (tickets, diagnosis) read about a lock, owned by devices. Declares no
 * tables (the devices repositories do); every read of devices, health or telemetry from outside
 * the devices module goes through here.
 */
import type { TenantTx } from '../database/tenant-db.service.js';
import { type ModelRow, modelJsonSql } from './device-models.repository.js';
import { batteryReadingsSql, type HealthRow, healthSnapshotSql } from './health.repository.js';
import type { PowerSource, Protocol } from './dto/device-models.dto.js';

export interface LockFacts {
  deviceId: string;
  propertyId: string;
  /** Its catalog model (the reference model, else the tenant's own). */
  modelId: string;
}

/** The lock's property and model; undefined when no such lock is visible to the tenant. */
export async function lockFacts(tx: TenantTx, deviceId: string): Promise<LockFacts | undefined> {
  const [row] = await tx.em.query<LockFacts[]>(
    `SELECT id AS "deviceId", property_id AS "propertyId",
            coalesce(reference_model_id, tenant_model_id) AS "modelId"
       FROM devices WHERE id = $1`,
    [deviceId],
  );
  return row;
}

/** What the diagnosis reads about a lock, as lockDiagnosisFactsSql answers it (json parsed). */
export interface LockDiagnosisFactsRow {
  property_id: string;
  model_id: string;
  /** HealthRow with its timestamps as ISO strings */
  health: Omit<HealthRow, 'battery_at' | 'last_seen_at'> & {
    battery_at: string | null;
    last_seen_at: string | null;
  };
  model: ModelRow;
  /** newest first */
  readings: { at: string; percent: number }[];
}

/**
 * The lock's facts out of a row that embedded lockDiagnosisFactsSql with a LEFT JOIN: null when
 * the tenant has no such lock (every column null).
 */
export function lockFactsOf(row: {
  [K in keyof LockDiagnosisFactsRow]?: LockDiagnosisFactsRow[K] | null;
}): LockDiagnosisFactsRow | null {
  const { property_id, model_id, health, model, readings } = row;
  return property_id && model_id && health && model && readings
    ? { property_id, model_id, health, model, readings }
    : null;
}

/**
 * A SELECT of one row: everything the diagnosis reads about a lock (its property, its catalog
 * model, its health snapshot and battery readings at `now`), columns as LockDiagnosisFactsRow;
 * no row when the tenant has no such lock. `device` and `now` are SQL expressions (parameters
 * of the caller's statement), so the caller reads them with its other facts in one statement.
 */
export function lockDiagnosisFactsSql(device: string, now: string): string {
  return `SELECT d.property_id, m.id AS model_id,
      (SELECT row_to_json(s) FROM (${healthSnapshotSql(device, now)}) s) AS health,
      ${modelJsonSql('m')} AS model,
      (SELECT coalesce(json_agg(r ORDER BY r.at DESC), '[]'::json) FROM (${batteryReadingsSql(device, now)}) r) AS readings
    FROM devices d JOIN catalog_models m ON m.id = coalesce(d.reference_model_id, d.tenant_model_id)
   WHERE d.id = ${device}`;
}

/**
 * A SELECT of active locks and the proactive alerts their health and telemetry raise, one row
 * per lock and alert kind (`reason` NULL when that kind is not raised): columns device_id,
 * battery, last_seen_at, jams, reason. The thresholds are SQL expressions (parameters of the
 * caller's statement), so the caller keeps one set-based statement.
 */
export function lockAlertsSql(p: {
  batteryPercent: string;
  offlineHours: string;
  jamsPerHour: string;
}): string {
  return `WITH jams AS (
      SELECT device_id, count(*)::int AS jams FROM telemetry_events
       WHERE type = 'jam' AND at > now() - interval '1 hour' GROUP BY device_id
    )
    SELECT d.id AS device_id, h.battery_percent AS battery, h.last_seen_at, coalesce(j.jams, 0) AS jams,
           unnest(ARRAY[
             CASE WHEN h.battery_percent <= ${p.batteryPercent} THEN 'low_battery' END,
             CASE WHEN h.last_seen_at < now() - make_interval(hours => ${p.offlineHours}) THEN 'offline' END,
             CASE WHEN j.jams >= ${p.jamsPerHour} THEN 'jam_burst' END]) AS reason
      FROM devices d
      JOIN device_health h ON h.tenant_id = d.tenant_id AND h.device_id = d.id
      LEFT JOIN jams j ON j.device_id = d.id
     WHERE d.status = 'active'`;
}

/** How many days back a work order counts a lock's jams. */
export const RECENT_JAM_DAYS = 30;

/** What a work order says about the lock and where it is. */
export interface LockSnapshot {
  propertyName: string;
  address: { postalCode?: string; city?: string } & Record<string, unknown>;
  unit: string | null;
  /** The property's own access notes and on-site contact (a work order may override them). */
  propertyAccessNotes: string | null;
  propertyContact: { name: string; phone: string } | null;
  manufacturer: string;
  model: string;
  serial: string;
  /** The firmware the lock last reported, else the one on record. */
  firmware: string | null;
  powerSource: PowerSource;
  /** The lock's own protocol, else its model's when the model speaks only one. */
  protocol: Protocol | null;
  /** Every protocol its model speaks. */
  modelProtocols: Protocol[];
  battery: { percent: number | null; at: string | null };
  online: { online: boolean | null; lastSeenAt: string | null };
  /** Jams reported by telemetry in the last RECENT_JAM_DAYS days, and the last one. */
  recentJams: { days: number; count: number; lastAt: string | null };
}

/**
 * A lock of `tx`'s tenant with its property, catalog model, health snapshot and recent jams, for
 * a work order; undefined when no such lock is visible. One statement.
 */
export async function lockSnapshot(
  tx: TenantTx,
  deviceId: string,
): Promise<LockSnapshot | undefined> {
  const [row] = await tx.em.query<LockSnapshot[]>(
    `SELECT p.name AS "propertyName", p.address, d.unit,
            p.access_notes AS "propertyAccessNotes",
            CASE WHEN p.contact_name IS NULL THEN NULL
                 ELSE json_build_object('name', p.contact_name, 'phone', p.contact_phone) END AS "propertyContact",
            m.manufacturer, m.model, d.serial,
            coalesce(h.firmware_version, d.firmware_version) AS firmware,
            m.power_source AS "powerSource",
            coalesce(d.protocol, CASE WHEN cardinality(m.protocols) = 1 THEN m.protocols[1] END) AS protocol,
            m.protocols AS "modelProtocols",
            json_build_object('percent', h.battery_percent,
                              'at', to_char(h.battery_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')) AS battery,
            json_build_object('online', h.online,
                              'lastSeenAt', to_char(h.last_seen_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')) AS online,
            (SELECT json_build_object('days', $2::int, 'count', count(*)::int,
                      'lastAt', to_char(max(e.at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
               FROM telemetry_events e
              WHERE e.tenant_id = d.tenant_id AND e.device_id = d.id AND e.type = 'jam'
                AND e.at > now() - make_interval(days => $2::int)) AS "recentJams"
       FROM devices d
       JOIN properties p ON p.tenant_id = d.tenant_id AND p.id = d.property_id
       JOIN catalog_models m ON m.id = coalesce(d.reference_model_id, d.tenant_model_id)
       LEFT JOIN device_health h ON h.tenant_id = d.tenant_id AND h.device_id = d.id
      WHERE d.id = $1`,
    [deviceId, RECENT_JAM_DAYS],
  );
  return row;
}
