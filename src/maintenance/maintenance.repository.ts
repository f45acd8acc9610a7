/** The reads of the maintenance plan: every active lock of the tenant with its battery history. */
import type { TenantTx } from '../database/tenant-db.service.js';

export interface PlanLockRow {
  id: string;
  serial: string;
  unit: string | null;
  property_id: string;
  property_name: string;
  model_id: string;
  model_name: string;
  battery_type: string | null;
  firmware_version: string | null;
  latest_firmware: string | null;
  behind: boolean;
  warranty_expires: string | null;
  battery_percent: number | null;
  /** Battery readings of the window, newest first: epoch milliseconds and percents. */
  reading_ms: number[] | null;
  reading_pct: number[] | null;
}

/** Readings per lock the forecast sees, as on GET /v1/devices/:id/health. */
export const READINGS_PER_LOCK = 500;

/**
 * Every active lock of `tx`'s tenant with its property, model (battery type, latest firmware,
 * warranty end), current firmware (the firmware rule of version_key) and its battery readings of
 * [since, until), newest first and at most READINGS_PER_LOCK: one statement. The readings come
 * from one pass over the partial battery index (telemetry_battery_idx) of the tenant, grouped per
 * lock, not one probe per lock; `since` and `until` are values so the planner prunes the months.
 */
export function planLocks(tx: TenantTx, since: Date, until: Date): Promise<PlanLockRow[]> {
  return tx.em.query<PlanLockRow[]>(
    `WITH readings AS (
       SELECT device_id, array_agg(ms ORDER BY at DESC) AS reading_ms,
              array_agg(battery_percent ORDER BY at DESC) AS reading_pct
         FROM (SELECT device_id, at, battery_percent,
                      (extract(epoch FROM at) * 1000)::float8 AS ms,
                      row_number() OVER (PARTITION BY device_id ORDER BY at DESC) AS n
                 FROM telemetry_events
                WHERE tenant_id = $1 AND battery_percent IS NOT NULL AND at > $2 AND at < $3) e
        WHERE n <= $4
        GROUP BY device_id
     )
     SELECT d.id, d.serial, d.unit, d.property_id, p.name AS property_name,
            m.id AS model_id, m.manufacturer || ' ' || m.model AS model_name, m.battery_type,
            coalesce(h.firmware_version, d.firmware_version) AS firmware_version, m.latest_firmware,
            coalesce(version_key(coalesce(h.firmware_version, d.firmware_version)) < version_key(m.latest_firmware), false) AS behind,
            (d.installed_at + make_interval(months => m.warranty_months))::date::text AS warranty_expires,
            h.battery_percent, r.reading_ms, r.reading_pct
       FROM devices d
       JOIN properties p ON p.tenant_id = d.tenant_id AND p.id = d.property_id
       JOIN catalog_models m ON m.id = coalesce(d.reference_model_id, d.tenant_model_id)
       LEFT JOIN device_health h ON h.tenant_id = d.tenant_id AND h.device_id = d.id
       LEFT JOIN readings r ON r.device_id = d.id
      WHERE d.status = 'active'`,
    [tx.tenantId, since, until, READINGS_PER_LOCK],
  );
}
