import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { UserActor } from '../auth/actor.js';
import { AppError, notFound } from '../common/errors.js';
import type { IdempotencyScope } from '../common/idempotency/idempotency.service.js';
import { uuidv7 } from '../common/ids.js';
import { decodeCursor, type Page, pageLimit, toPage } from '../common/pagination.js';
import { isForeignKeyViolation, isUniqueViolation } from '../database/pg-errors.js';
import { TenantDb } from '../database/tenant-db.service.js';
import type {
  CreateDeviceModelDto,
  DeviceModelView,
  ListDeviceModelsQueryDto,
  PowerSource,
  Protocol,
  UpdateDeviceModelDto,
} from './dto/device-models.dto.js';

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

export const MODEL_COLUMNS = `id, source, manufacturer, model, protocols, power_source, battery_type, latest_firmware,
  warranty_months, has_key_cylinder, has_keypad, has_fingerprint, has_backup_power`;

export function modelView(r: ModelRow): DeviceModelView {
  return {
    id: r.id,
    source: r.source,
    manufacturer: r.manufacturer,
    model: r.model,
    protocols: r.protocols,
    powerSource: r.power_source,
    batteryType: r.battery_type,
    latestFirmware: r.latest_firmware,
    warrantyMonths: r.warranty_months,
    hasKeyCylinder: r.has_key_cylinder,
    hasKeypad: r.has_keypad,
    hasFingerprint: r.has_fingerprint,
    hasBackupPower: r.has_backup_power,
  };
}

/** Every model the tenant may use (reference + own), keyed by id and by "manufacturer|model". */
export async function loadCatalog(em: EntityManager): Promise<ModelRow[]> {
  return em.query<ModelRow[]>(`SELECT ${MODEL_COLUMNS} FROM catalog_models`);
}

export async function findModel(em: EntityManager, id: string): Promise<ModelRow> {
  const [row] = await em.query<ModelRow[]>(
    `SELECT ${MODEL_COLUMNS} FROM catalog_models WHERE id = $1`,
    [id],
  );
  if (!row) throw notFound('Device model');
  return row;
}

@Injectable()
export class DeviceModelsService {
  constructor(private readonly db: TenantDb) {}

  create(
    actor: UserActor,
    dto: CreateDeviceModelDto,
    idem?: IdempotencyScope,
  ): Promise<DeviceModelView> {
    return this.db
      .tenantTransaction(actor.tenantId, async ({ em }) => {
        const id = uuidv7();
        await em.query(
          `INSERT INTO device_models (tenant_id, id, manufacturer, model, protocols, power_source, battery_type,
             latest_firmware, warranty_months, has_key_cylinder, has_keypad, has_fingerprint, has_backup_power)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
          [
            actor.tenantId,
            id,
            dto.manufacturer,
            dto.model,
            dto.protocols,
            dto.powerSource,
            dto.batteryType ?? null,
            dto.latestFirmware ?? null,
            dto.warrantyMonths ?? 12,
            dto.hasKeyCylinder ?? true,
            dto.hasKeypad ?? false,
            dto.hasFingerprint ?? false,
            dto.hasBackupPower ?? false,
          ],
        );
        const out = modelView(await findModel(em, id));
        await idem?.complete(em, out);
        return out;
      })
      .catch((err: unknown) => {
        if (isUniqueViolation(err, 'device_models_tenant_name_key'))
          throw new AppError('model_taken');
        throw err;
      });
  }

  list(actor: UserActor, q: ListDeviceModelsQueryDto): Promise<Page<DeviceModelView>> {
    const limit = pageLimit(q);
    const after = q.cursor ? decodeCursor(q.cursor, ['text', 'text', 'uuid']) : null;
    return this.db.tenantTransaction(actor.tenantId, async ({ em }) => {
      const rows = await em.query<ModelRow[]>(
        `SELECT ${MODEL_COLUMNS} FROM catalog_models
          WHERE ($1::text IS NULL OR lower(manufacturer) = lower($1))
            AND ($2::text IS NULL OR strpos(lower(manufacturer || ' ' || model), lower($2)) > 0)
            AND ($3::text IS NULL OR source = $3)
            AND ($4::text IS NULL OR (lower(manufacturer), lower(model), id) > ($4, $5, $6::uuid))
          ORDER BY lower(manufacturer), lower(model), id
          LIMIT $7`,
        [
          q.manufacturer ?? null,
          q.q ?? null,
          q.source ?? null,
          after?.[0] ?? null,
          after?.[1] ?? null,
          after?.[2] ?? null,
          limit + 1,
        ],
      );
      return toPage(
        rows,
        limit,
        (r) => [r.manufacturer.toLowerCase(), r.model.toLowerCase(), r.id],
        modelView,
      );
    });
  }

  get(actor: UserActor, id: string): Promise<DeviceModelView> {
    return this.db.tenantTransaction(actor.tenantId, async ({ em }) =>
      modelView(await findModel(em, id)),
    );
  }

  update(actor: UserActor, id: string, dto: UpdateDeviceModelDto): Promise<DeviceModelView> {
    return this.db
      .tenantTransaction(actor.tenantId, async ({ em }) => {
        const current = await findModel(em, id);
        if (current.source === 'reference') {
          const others = Object.keys(dto).filter((k) => k !== 'latestFirmware');
          if (others.length > 0) {
            throw new AppError(
              'model_read_only',
              `Only latestFirmware can change on a reference model, not ${others.join(', ')}.`,
            );
          }
          if (dto.latestFirmware === undefined || dto.latestFirmware === null) {
            await em.query(`DELETE FROM model_firmware_overrides WHERE reference_model_id = $1`, [
              id,
            ]);
          } else {
            await em.query(
              `INSERT INTO model_firmware_overrides (tenant_id, reference_model_id, latest_firmware)
               VALUES ($1, $2, $3)
               ON CONFLICT (tenant_id, reference_model_id)
               DO UPDATE SET latest_firmware = EXCLUDED.latest_firmware, updated_at = now()`,
              [actor.tenantId, id, dto.latestFirmware],
            );
          }
        } else {
          await em.query(
            `UPDATE device_models SET manufacturer = $2, model = $3, protocols = $4, power_source = $5,
               battery_type = $6, latest_firmware = $7, warranty_months = $8, has_key_cylinder = $9,
               has_keypad = $10, has_fingerprint = $11, has_backup_power = $12, updated_at = now()
             WHERE id = $1`,
            [
              id,
              dto.manufacturer ?? current.manufacturer,
              dto.model ?? current.model,
              dto.protocols ?? current.protocols,
              dto.powerSource ?? current.power_source,
              dto.batteryType === undefined ? current.battery_type : dto.batteryType,
              dto.latestFirmware === undefined ? current.latest_firmware : dto.latestFirmware,
              dto.warrantyMonths ?? current.warranty_months,
              dto.hasKeyCylinder ?? current.has_key_cylinder,
              dto.hasKeypad ?? current.has_keypad,
              dto.hasFingerprint ?? current.has_fingerprint,
              dto.hasBackupPower ?? current.has_backup_power,
            ],
          );
        }
        return modelView(await findModel(em, id));
      })
      .catch((err: unknown) => {
        if (isUniqueViolation(err, 'device_models_tenant_name_key'))
          throw new AppError('model_taken');
        throw err;
      });
  }

  remove(actor: UserActor, id: string): Promise<void> {
    return this.db
      .tenantTransaction(actor.tenantId, async ({ em }) => {
        const current = await findModel(em, id);
        if (current.source === 'reference')
          throw new AppError('model_read_only', 'Reference models cannot be removed.');
        await em.query(`DELETE FROM device_models WHERE id = $1`, [id]);
      })
      .catch((err: unknown) => {
        if (isForeignKeyViolation(err)) throw new AppError('model_in_use');
        throw err;
      });
  }
}
