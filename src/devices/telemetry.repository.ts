/** Telemetry events (append-only) and their folding into each lock's health snapshot. */
import type { DataSource } from 'typeorm';
import type { TenantTx } from '../database/tenant-db.service.js';
import { table } from '../database/table.js';

export const TELEMETRY_EVENTS = table('telemetry_events', {
  tenant_id: 'uuid',
  id: 'int8',
  device_id: 'uuid',
  type: 'text',
  at: 'timestamptz',
  received_at: 'timestamptz',
  event_key: 'text',
  battery_percent: 'int2?',
  signal_dbm: 'int2?',
  online: 'bool?',
  firmware_version: 'text?',
});

/** One checked event of a known device, as stored. */
export interface TelemetryInsert {
  deviceId: string;
  type: string;
  at: Date;
  key: string;
  batteryPercent: number | null;
  signalDbm: number | null;
  online: boolean | null;
  firmwareVersion: string | null;
}

/**
 * Stores new events (redeliveries are skipped by the unique event key and time: the table is
 * partitioned by month of `at`, and a unique key of a partitioned table includes its partition
 * key) and
 * folds only those into each device's snapshot, in one statement. Every
 * snapshot field moves only to a reading at least as recent as the one it
 * holds, so late events never move it backwards.
 */
const INGEST_SQL = `
WITH input AS (
  SELECT * FROM unnest($2::uuid[], $3::text[], $4::timestamptz[], $5::text[], $6::smallint[], $7::smallint[],
                       $8::boolean[], $9::text[])
    AS t(device_id, type, at, event_key, battery_percent, signal_dbm, online, firmware_version)
), ins AS (
  INSERT INTO telemetry_events (tenant_id, device_id, type, at, event_key, battery_percent, signal_dbm, online,
                                firmware_version)
  SELECT $1, device_id, type, at, event_key, battery_percent, signal_dbm, online, firmware_version FROM input
  ON CONFLICT (tenant_id, device_id, event_key, at) DO NOTHING
  RETURNING device_id, type, at, battery_percent, signal_dbm, online, firmware_version
), facts AS (
  SELECT device_id, at, battery_percent, signal_dbm, firmware_version,
         coalesce(online, type <> 'offline') AS online_now,
         CASE type WHEN 'door_ajar' THEN true WHEN 'lock' THEN false END AS door
    FROM ins
), agg AS (
  SELECT device_id, max(at) AS seen,
         (array_agg(battery_percent ORDER BY at DESC) FILTER (WHERE battery_percent IS NOT NULL))[1] AS battery,
         max(at) FILTER (WHERE battery_percent IS NOT NULL) AS battery_at,
         (array_agg(signal_dbm ORDER BY at DESC) FILTER (WHERE signal_dbm IS NOT NULL))[1] AS signal,
         max(at) FILTER (WHERE signal_dbm IS NOT NULL) AS signal_at,
         (array_agg(online_now ORDER BY at DESC))[1] AS online,
         (array_agg(firmware_version ORDER BY at DESC) FILTER (WHERE firmware_version IS NOT NULL))[1] AS firmware,
         max(at) FILTER (WHERE firmware_version IS NOT NULL) AS firmware_at,
         (array_agg(door ORDER BY at DESC) FILTER (WHERE door IS NOT NULL))[1] AS door,
         max(at) FILTER (WHERE door IS NOT NULL) AS door_at
    FROM facts GROUP BY device_id
), folded AS (
  UPDATE device_health h SET
    battery_percent = CASE WHEN a.battery_at >= h.battery_at OR (h.battery_at IS NULL AND a.battery_at IS NOT NULL)
                           THEN a.battery ELSE h.battery_percent END,
    battery_at = greatest(h.battery_at, a.battery_at),
    signal_dbm = CASE WHEN a.signal_at >= h.signal_at OR (h.signal_at IS NULL AND a.signal_at IS NOT NULL)
                      THEN a.signal ELSE h.signal_dbm END,
    signal_at = greatest(h.signal_at, a.signal_at),
    online = CASE WHEN h.online_at IS NULL OR a.seen >= h.online_at THEN a.online ELSE h.online END,
    online_at = greatest(h.online_at, a.seen),
    last_seen_at = greatest(h.last_seen_at, a.seen),
    firmware_version = CASE WHEN a.firmware_at >= h.firmware_at OR (h.firmware_at IS NULL AND a.firmware_at IS NOT NULL)
                            THEN a.firmware ELSE h.firmware_version END,
    firmware_at = greatest(h.firmware_at, a.firmware_at),
    door_ajar = CASE WHEN a.door_at >= h.door_at OR (h.door_at IS NULL AND a.door_at IS NOT NULL)
                     THEN a.door ELSE h.door_ajar END,
    door_at = greatest(h.door_at, a.door_at),
    updated_at = now()
  FROM agg a
  WHERE h.tenant_id = $1 AND h.device_id = a.device_id
  RETURNING 1
)
SELECT (SELECT count(*) FROM ins)::int AS inserted, (SELECT count(*) FROM folded)::int AS devices`;

/** Stores the events of `tx`'s tenant and folds the new ones into health: answers how many were new. */
export async function ingestTelemetry(
  tx: TenantTx,
  rows: readonly TelemetryInsert[],
): Promise<number> {
  const [result] = await tx.em.query<{ inserted: number }[]>(INGEST_SQL, [
    tx.tenantId,
    rows.map((r) => r.deviceId),
    rows.map((r) => r.type),
    rows.map((r) => r.at),
    rows.map((r) => r.key),
    rows.map((r) => r.batteryPercent),
    rows.map((r) => r.signalDbm),
    rows.map((r) => r.online),
    rows.map((r) => r.firmwareVersion),
  ]);
  return result!.inserted;
}

/** What one round of partition upkeep did (see telemetry_partitions_maintain). */
export interface PartitionUpkeep {
  created: number;
  dropped: number;
  moved: number;
  /** Another instance held the upkeep lock: this round did nothing. */
  skipped: boolean;
}

/**
 * Creates the monthly partitions of telemetry_events up to `monthsAhead` months after the current
 * one (moving their rows out of the DEFAULT partition) and drops the months that ended more than
 * `retentionDays` ago. A SECURITY DEFINER function (migrations/1764002500000-TelemetryPartitions)
 * does it as the table's owner, under a transaction-scoped advisory lock: one instance at a time.
 */
export async function maintainTelemetryPartitions(
  ds: DataSource,
  retentionDays: number,
  monthsAhead: number,
): Promise<PartitionUpkeep> {
  const [row] = await ds.query<
    [{ created: number; dropped: number; moved: string; skipped: boolean }]
  >(`SELECT created, dropped, moved, skipped FROM telemetry_partitions_maintain($1, $2)`, [
    retentionDays,
    monthsAhead,
  ]);
  return {
    created: row.created,
    dropped: row.dropped,
    moved: Number(row.moved),
    skipped: row.skipped,
  };
}
