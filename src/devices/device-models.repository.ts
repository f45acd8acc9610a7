/**
 * The lock model catalog: the shared reference models, each tenant's own models and its
 * firmware overrides of reference models. Reads go through the `catalog_models` view (reference
 * + own, as the tenant sees them).
 */
import type { TenantTx } from '../database/tenant-db.service.js';
import { table } from '../database/table.js';
import type { PowerSource, Protocol } from './dto/device-models.dto.js';

/** The columns a reference model and a tenant's own model share. */
const MODEL_SPEC = {
  manufacturer: 'text',
  model: 'text',
  protocols: '_text',
  power_source: 'text',
  battery_type: 'text?',
  latest_firmware: 'text?',
  warranty_months: 'int4',
  has_key_cylinder: 'bool',
  has_keypad: 'bool',
  has_fingerprint: 'bool',
  has_backup_power: 'bool',
} as const;

export const REFERENCE_DEVICE_MODELS = table('reference_device_models', {
  id: 'uuid',
  ...MODEL_SPEC,
});

export const DEVICE_MODELS = table('device_models', {
  tenant_id: 'uuid',
  id: 'uuid',
  ...MODEL_SPEC,
  created_at: 'timestamptz',
  updated_at: 'timestamptz',
});

export const MODEL_FIRMWARE_OVERRIDES = table('model_firmware_overrides', {
  tenant_id: 'uuid',
  reference_model_id: 'uuid',
  latest_firmware: 'text',
  updated_at: 'timestamptz',
});

/** A model as the catalog (view `catalog_models`) shows it to the tenant. */
export interface ModelRow {
  id: string;
  source: 'reference' | 'tenant';
  manufacturer: string;
  model: string;
  protocols: Protocol[];
  power_source: PowerSource;
  battery_type: string | null;
  latest_firmware: string | null;
  warranty_months: number;
  has_key_cylinder: boolean;
  has_keypad: boolean;
  has_fingerprint: boolean;
  has_backup_power: boolean;
}

/** A tenant model's fields, as written. */
export interface ModelFields {
  manufacturer: string;
  model: string;
  protocols: Protocol[];
  powerSource: PowerSource;
  batteryType: string | null;
  latestFirmware: string | null;
  warrantyMonths: number;
  hasKeyCylinder: boolean;
  hasKeypad: boolean;
  hasFingerprint: boolean;
  hasBackupPower: boolean;
}

const MODEL_COLUMN_NAMES = [
  'id',
  'source',
  'manufacturer',
  'model',
  'protocols',
  'power_source',
  'battery_type',
  'latest_firmware',
  'warranty_months',
  'has_key_cylinder',
  'has_keypad',
  'has_fingerprint',
  'has_backup_power',
] as const;

const columns = (alias?: string) =>
  MODEL_COLUMN_NAMES.map((c) => (alias ? `${alias}.${c}` : c)).join(', ');

/** A json object of a catalog model row (`alias` is the catalog_models alias): a ModelRow once parsed. */
export const modelJsonSql = (alias: string) =>
  `json_build_object(${MODEL_COLUMN_NAMES.map((c) => `'${c}', ${alias}.${c}`).join(', ')})`;

/** Every model the tenant may use (reference + own). */
export function loadCatalog(tx: TenantTx): Promise<ModelRow[]> {
  return tx.em.query<ModelRow[]>(`SELECT ${columns()} FROM catalog_models`);
}

/** One catalog model; undefined when the tenant has no such model. */
export async function findModel(tx: TenantTx, id: string): Promise<ModelRow | undefined> {
  const [row] = await tx.em.query<ModelRow[]>(
    `SELECT ${columns()} FROM catalog_models WHERE id = $1`,
    [id],
  );
  return row;
}

/** The catalog model of a device (reference model, else the tenant's own). */
export async function modelOfDevice(tx: TenantTx, deviceId: string): Promise<ModelRow | undefined> {
  const [row] = await tx.em.query<ModelRow[]>(
    `SELECT ${columns('m')}
       FROM devices d JOIN catalog_models m ON m.id = coalesce(d.reference_model_id, d.tenant_model_id)
      WHERE d.id = $1`,
    [deviceId],
  );
  return row;
}

/**
 * Free-text manufacturer/model against the catalog: exact first, then the model name alone,
 * then a contains match.
 */
export async function matchCatalogModel(
  tx: TenantTx,
  q: { manufacturer?: string; model?: string },
): Promise<ModelRow | undefined> {
  const [row] = await tx.em.query<ModelRow[]>(
    `SELECT ${columns()} FROM catalog_models
      WHERE ($1::text IS NULL OR lower(manufacturer) = lower($1) OR strpos(lower(manufacturer), lower($1)) > 0)
        AND ($2::text IS NULL OR strpos(lower(model), lower($2)) > 0 OR strpos(lower($2), lower(model)) > 0)
      ORDER BY (lower(model) = lower(coalesce($2, ''))) DESC, (lower(manufacturer) = lower(coalesce($1, ''))) DESC,
               source DESC, length(model)
      LIMIT 1`,
    [q.manufacturer ?? null, q.model ?? null],
  );
  return row;
}

/** A page of the catalog in (manufacturer, model, id) order, case-insensitively. */
export function listModels(
  tx: TenantTx,
  q: {
    manufacturer?: string;
    text?: string;
    source?: string;
    after?: readonly unknown[];
    limit: number;
  },
): Promise<ModelRow[]> {
  return tx.em.query<ModelRow[]>(
    `SELECT ${columns()} FROM catalog_models
      WHERE ($1::text IS NULL OR lower(manufacturer) = lower($1))
        AND ($2::text IS NULL OR strpos(lower(manufacturer || ' ' || model), lower($2)) > 0)
        AND ($3::text IS NULL OR source = $3)
        AND ($4::text IS NULL OR (lower(manufacturer), lower(model), id) > ($4, $5, $6::uuid))
      ORDER BY lower(manufacturer), lower(model), id
      LIMIT $7`,
    [
      q.manufacturer ?? null,
      q.text ?? null,
      q.source ?? null,
      q.after?.[0] ?? null,
      q.after?.[1] ?? null,
      q.after?.[2] ?? null,
      q.limit,
    ],
  );
}

const FIELD_PARAMS = (f: ModelFields) => [
  f.manufacturer,
  f.model,
  f.protocols,
  f.powerSource,
  f.batteryType,
  f.latestFirmware,
  f.warrantyMonths,
  f.hasKeyCylinder,
  f.hasKeypad,
  f.hasFingerprint,
  f.hasBackupPower,
];

/** A new model of `tx`'s tenant. */
export async function insertTenantModel(
  tx: TenantTx,
  id: string,
  fields: ModelFields,
): Promise<void> {
  await tx.em.query(
    `INSERT INTO device_models (tenant_id, id, manufacturer, model, protocols, power_source, battery_type,
       latest_firmware, warranty_months, has_key_cylinder, has_keypad, has_fingerprint, has_backup_power)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
    [tx.tenantId, id, ...FIELD_PARAMS(fields)],
  );
}

/** Replaces every field of a tenant model. */
export async function updateTenantModel(
  tx: TenantTx,
  id: string,
  fields: ModelFields,
): Promise<void> {
  await tx.em.query(
    `UPDATE device_models SET manufacturer = $2, model = $3, protocols = $4, power_source = $5,
       battery_type = $6, latest_firmware = $7, warranty_months = $8, has_key_cylinder = $9,
       has_keypad = $10, has_fingerprint = $11, has_backup_power = $12, updated_at = now()
     WHERE id = $1`,
    [id, ...FIELD_PARAMS(fields)],
  );
}

/** Removes a tenant model (a foreign-key violation while devices use it). */
export async function deleteTenantModel(tx: TenantTx, id: string): Promise<void> {
  await tx.em.query(`DELETE FROM device_models WHERE id = $1`, [id]);
}

/** The tenant's own latest firmware for a reference model. */
export async function setFirmwareOverride(
  tx: TenantTx,
  referenceModelId: string,
  latestFirmware: string,
): Promise<void> {
  await tx.em.query(
    `INSERT INTO model_firmware_overrides (tenant_id, reference_model_id, latest_firmware)
     VALUES ($1, $2, $3)
     ON CONFLICT (tenant_id, reference_model_id)
     DO UPDATE SET latest_firmware = EXCLUDED.latest_firmware, updated_at = now()`,
    [tx.tenantId, referenceModelId, latestFirmware],
  );
}

/** Back to the reference model's own latest firmware. */
export async function clearFirmwareOverride(tx: TenantTx, referenceModelId: string): Promise<void> {
  await tx.em.query(`DELETE FROM model_firmware_overrides WHERE reference_model_id = $1`, [
    referenceModelId,
  ]);
}
