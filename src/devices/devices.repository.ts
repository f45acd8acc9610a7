/** The tenant's locks (devices): every statement on that table. */
import type { TenantTx } from '../database/tenant-db.service.js';
import { table } from '../database/table.js';
import type { DeviceRecord } from './device-rows.js';
import type { Protocol } from './dto/device-models.dto.js';
import type { DeviceStatus, HealthFlag } from './dto/devices.dto.js';
import { insertEmptyHealth } from './health.repository.js';

export const DEVICES = table('devices', {
  tenant_id: 'uuid',
  id: 'uuid',
  serial: 'text',
  reference_model_id: 'uuid?',
  tenant_model_id: 'uuid?',
  property_id: 'uuid',
  unit: 'text?',
  firmware_version: 'text?',
  protocol: 'text?',
  installed_at: 'date?',
  label: 'text?',
  status: 'text',
  created_at: 'timestamptz',
  updated_at: 'timestamptz',
});

/** A device as the API shows it: with its model's names, warranty end and current firmware. */
export interface DeviceRow {
  id: string;
  serial: string;
  model_id: string;
  manufacturer: string;
  model_name: string;
  property_id: string;
  unit: string | null;
  firmware_version: string | null;
  protocol: Protocol | null;
  installed_at: string | null;
  warranty_expires: string | null;
  label: string | null;
  status: DeviceStatus;
  created_at: Date;
  updated_at: Date;
  // the health snapshot (device_health), for the health summary
  latest_firmware: string | null;
  behind: boolean | null;
  battery_percent: number | null;
  online: boolean | null;
  last_seen_at: Date | null;
  signal_dbm: number | null;
  door_ajar: boolean | null;
}

const SELECT_DEVICES = `
  SELECT d.id, d.serial, m.id AS model_id, m.manufacturer, m.model AS model_name, d.property_id, d.unit,
         coalesce(h.firmware_version, d.firmware_version) AS firmware_version, d.protocol,
         d.installed_at::text AS installed_at,
         (d.installed_at + make_interval(months => m.warranty_months))::date::text AS warranty_expires,
         d.label, d.status, d.created_at, d.updated_at, m.latest_firmware,
         version_key(coalesce(h.firmware_version, d.firmware_version)) < version_key(m.latest_firmware) AS behind,
         h.battery_percent, h.online, h.last_seen_at, h.signal_dbm, h.door_ajar
    FROM devices d
    JOIN catalog_models m ON m.id = coalesce(d.reference_model_id, d.tenant_model_id)
    LEFT JOIN device_health h ON h.tenant_id = d.tenant_id AND h.device_id = d.id`;

/** One device, optionally locked for update. */
export async function findDevice(
  tx: TenantTx,
  id: string,
  options: { lock?: boolean } = {},
): Promise<DeviceRow | undefined> {
  const [row] = await tx.em.query<DeviceRow[]>(
    `${SELECT_DEVICES} WHERE d.id = $1 ${options.lock ? 'FOR UPDATE OF d' : ''}`,
    [id],
  );
  return row;
}

export interface DeviceFilter {
  after?: string;
  propertyId?: string;
  modelId?: string;
  status?: string;
  serial?: string;
  health?: HealthFlag;
  lowBatteryPercent: number;
  offlineAfterMinutes: number;
  limit: number;
}

/** A page of devices in id order, filtered (health filters use the given thresholds). */
export function listDevices(tx: TenantTx, f: DeviceFilter): Promise<DeviceRow[]> {
  return tx.em.query<DeviceRow[]>(
    `${SELECT_DEVICES}
      WHERE ($1::uuid IS NULL OR d.id > $1)
        AND ($2::uuid IS NULL OR d.property_id = $2)
        AND ($3::uuid IS NULL OR d.reference_model_id = $3 OR d.tenant_model_id = $3)
        AND ($4::text IS NULL OR d.status = $4)
        AND ($5::text IS NULL OR d.serial = $5)
        AND CASE $6::text
              WHEN 'lowBattery' THEN h.battery_percent <= $7
              WHEN 'offline' THEN h.last_seen_at IS NOT NULL
                AND (h.online IS FALSE OR h.last_seen_at < now() - make_interval(mins => $8))
              WHEN 'firmwareOutdated' THEN
                version_key(coalesce(h.firmware_version, d.firmware_version)) < version_key(m.latest_firmware)
              ELSE true
            END
      ORDER BY d.id
      LIMIT $9`,
    [
      f.after ?? null,
      f.propertyId ?? null,
      f.modelId ?? null,
      f.status ?? null,
      f.serial ?? null,
      f.health ?? null,
      f.lowBatteryPercent,
      f.offlineAfterMinutes,
      f.limit,
    ],
  );
}

/** Which of these serials the tenant's fleet already has. */
export async function existingSerials(tx: TenantTx, serials: readonly string[]): Promise<string[]> {
  const rows = await tx.em.query<{ serial: string }[]>(
    `SELECT serial FROM devices WHERE serial = ANY($1::text[])`,
    [serials],
  );
  return rows.map((r) => r.serial);
}

/** The devices named by serial or id (a telemetry batch's), with their status. */
export function devicesBySerialOrId(
  tx: TenantTx,
  ref: { serials: readonly string[]; ids: readonly string[] },
): Promise<{ id: string; serial: string; status: string }[]> {
  return tx.em.query<{ id: string; serial: string; status: string }[]>(
    `SELECT id, serial, status FROM devices WHERE serial = ANY($1::text[])
     UNION SELECT id, serial, status FROM devices WHERE id = ANY($2::uuid[])`,
    [ref.serials, ref.ids],
  );
}

/** Set-based insert of many devices and their empty health snapshots: two statements whatever the count. */
export async function insertDevices(
  tx: TenantTx,
  ids: readonly string[],
  records: readonly DeviceRecord[],
): Promise<void> {
  const col = <T>(f: (r: DeviceRecord) => T) => records.map(f);
  await tx.em.query(
    `INSERT INTO devices (tenant_id, id, serial, reference_model_id, tenant_model_id, property_id, unit,
       firmware_version, protocol, installed_at, label, status)
     SELECT $1, * FROM unnest($2::uuid[], $3::text[], $4::uuid[], $5::uuid[], $6::uuid[], $7::text[], $8::text[],
       $9::text[], $10::date[], $11::text[], $12::text[])`,
    [
      tx.tenantId,
      ids,
      col((r) => r.serial),
      col((r) => (r.model.source === 'reference' ? r.model.id : null)),
      col((r) => (r.model.source === 'tenant' ? r.model.id : null)),
      col((r) => r.propertyId),
      col((r) => r.unit),
      col((r) => r.firmwareVersion),
      col((r) => r.protocol),
      col((r) => r.installedAt),
      col((r) => r.label),
      col((r) => r.status),
    ],
  );
  await insertEmptyHealth(tx, ids);
}

/** Replaces every field of a device. */
export async function updateDevice(tx: TenantTx, id: string, r: DeviceRecord): Promise<void> {
  await tx.em.query(
    `UPDATE devices SET serial = $2, reference_model_id = $3, tenant_model_id = $4, property_id = $5, unit = $6,
       firmware_version = $7, protocol = $8, installed_at = $9, label = $10, status = $11, updated_at = now()
     WHERE id = $1`,
    [
      id,
      r.serial,
      r.model.source === 'reference' ? r.model.id : null,
      r.model.source === 'tenant' ? r.model.id : null,
      r.propertyId,
      r.unit,
      r.firmwareVersion,
      r.protocol,
      r.installedAt,
      r.label,
      r.status,
    ],
  );
}

/** Devices are retired, never erased: their telemetry and tickets keep pointing at them. */
export async function retireDevice(tx: TenantTx, id: string): Promise<void> {
  await tx.em.query(`UPDATE devices SET status = 'retired', updated_at = now() WHERE id = $1`, [
    id,
  ]);
}
