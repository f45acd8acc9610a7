/**
 * STAGED, not escalation's own SQL: the reads of tables other modules own that the escalation
 * module needs and whose owners do not export them yet (another helper is still rewriting
 * src/devices and src/tenancy, so they were not edited from here). Each
 * function says where it belongs; move it there and import it from there, and this file goes.
 * It declares no tables.
 */
import type { TenantTx } from '../database/tenant-db.service.js';

/** What a work order says about the lock and where it is. */
export interface LockSnapshot {
  propertyName: string;
  address: { postalCode?: string; city?: string } & Record<string, unknown>;
  unit: string | null;
  manufacturer: string;
  model: string;
  serial: string;
  /** The firmware the lock last reported, else the one on record. */
  firmware: string | null;
}

/**
 * A lock of `tx`'s tenant with its property and catalog model, for a work order; undefined when
 * no such lock is visible. Belongs in src/devices/lock-facts.repository.ts (devices, properties,
 * catalog_models, device_health are devices').
 */
export async function lockSnapshot(
  tx: TenantTx,
  deviceId: string,
): Promise<LockSnapshot | undefined> {
  const [row] = await tx.em.query<LockSnapshot[]>(
    `SELECT p.name AS "propertyName", p.address, d.unit, m.manufacturer, m.model, d.serial,
            coalesce(h.firmware_version, d.firmware_version) AS firmware
       FROM devices d
       JOIN properties p ON p.tenant_id = d.tenant_id AND p.id = d.property_id
       JOIN catalog_models m ON m.id = coalesce(d.reference_model_id, d.tenant_model_id)
       LEFT JOIN device_health h ON h.tenant_id = d.tenant_id AND h.device_id = d.id
      WHERE d.id = $1`,
    [deviceId],
  );
  return row;
}

export interface TenantCard {
  id: string;
  name: string;
  handle: string;
  kind: string;
}

/**
 * Tenants by id, as row-level security lets `tx`'s tenant see them (its own row and its linked
 * partners'), in no particular order. Belongs with the tenants table's owner (src/tenancy's
 * tenant-records.repository.ts, re-exported by its index.ts).
 */
export function tenantCards(tx: TenantTx, ids: readonly string[]): Promise<TenantCard[]> {
  return tx.em.query<TenantCard[]>(
    `SELECT id, name, handle, kind FROM tenants WHERE id = ANY($1::uuid[])`,
    [ids],
  );
}
