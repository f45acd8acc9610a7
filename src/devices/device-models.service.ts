import { Injectable } from '@nestjs/common';
import type { UserActor } from '../auth/index.js';
import { AppError, notFound } from '../common/errors.js';
import type { IdempotencyScope } from '../common/idempotency/idempotency.service.js';
import { uuidv7 } from '../common/ids.js';
import { decodeCursor, type Page, pageLimit, toPage } from '../common/pagination.js';
import { isForeignKeyViolation, isUniqueViolation } from '../database/pg-errors.js';
import { TenantDb, type TenantTx } from '../database/tenant-db.service.js';
import {
  clearFirmwareOverride,
  deleteTenantModel,
  findModel as findModelRow,
  insertTenantModel,
  listModels,
  type ModelRow,
  setFirmwareOverride,
  updateTenantModel,
} from './device-models.repository.js';
import type {
  CreateDeviceModelDto,
  DeviceModelView,
  ListDeviceModelsQueryDto,
  UpdateDeviceModelDto,
} from './dto/device-models.dto.js';

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

/** A catalog model, or 404. */
export async function findModel(tx: TenantTx, id: string): Promise<ModelRow> {
  const row = await findModelRow(tx, id);
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
      .tenantTransaction(actor.tenantId, async (tx) => {
        const id = uuidv7();
        await insertTenantModel(tx, id, {
          manufacturer: dto.manufacturer,
          model: dto.model,
          protocols: dto.protocols,
          powerSource: dto.powerSource,
          batteryType: dto.batteryType ?? null,
          latestFirmware: dto.latestFirmware ?? null,
          warrantyMonths: dto.warrantyMonths ?? 12,
          hasKeyCylinder: dto.hasKeyCylinder ?? true,
          hasKeypad: dto.hasKeypad ?? false,
          hasFingerprint: dto.hasFingerprint ?? false,
          hasBackupPower: dto.hasBackupPower ?? false,
        });
        const out = modelView(await findModel(tx, id));
        await idem?.complete(tx, out);
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
    return this.db.tenantTransaction(actor.tenantId, async (tx) => {
      const rows = await listModels(tx, {
        manufacturer: q.manufacturer,
        text: q.q,
        source: q.source,
        after: after ?? undefined,
        limit: limit + 1,
      });
      return toPage(
        rows,
        limit,
        (r) => [r.manufacturer.toLowerCase(), r.model.toLowerCase(), r.id],
        modelView,
      );
    });
  }

  get(actor: UserActor, id: string): Promise<DeviceModelView> {
    return this.db.tenantTransaction(actor.tenantId, async (tx) =>
      modelView(await findModel(tx, id)),
    );
  }

  update(actor: UserActor, id: string, dto: UpdateDeviceModelDto): Promise<DeviceModelView> {
    return this.db
      .tenantTransaction(actor.tenantId, async (tx) => {
        const current = await findModel(tx, id);
        if (current.source === 'reference') {
          const others = Object.keys(dto).filter((k) => k !== 'latestFirmware');
          if (others.length > 0) {
            throw new AppError(
              'model_read_only',
              `Only latestFirmware can change on a reference model, not ${others.join(', ')}.`,
            );
          }
          if (dto.latestFirmware === undefined || dto.latestFirmware === null) {
            await clearFirmwareOverride(tx, id);
          } else {
            await setFirmwareOverride(tx, id, dto.latestFirmware);
          }
        } else {
          await updateTenantModel(tx, id, {
            manufacturer: dto.manufacturer ?? current.manufacturer,
            model: dto.model ?? current.model,
            protocols: dto.protocols ?? current.protocols,
            powerSource: dto.powerSource ?? current.power_source,
            batteryType: dto.batteryType === undefined ? current.battery_type : dto.batteryType,
            latestFirmware:
              dto.latestFirmware === undefined ? current.latest_firmware : dto.latestFirmware,
            warrantyMonths: dto.warrantyMonths ?? current.warranty_months,
            hasKeyCylinder: dto.hasKeyCylinder ?? current.has_key_cylinder,
            hasKeypad: dto.hasKeypad ?? current.has_keypad,
            hasFingerprint: dto.hasFingerprint ?? current.has_fingerprint,
            hasBackupPower: dto.hasBackupPower ?? current.has_backup_power,
          });
        }
        return modelView(await findModel(tx, id));
      })
      .catch((err: unknown) => {
        if (isUniqueViolation(err, 'device_models_tenant_name_key'))
          throw new AppError('model_taken');
        throw err;
      });
  }

  remove(actor: UserActor, id: string): Promise<void> {
    return this.db
      .tenantTransaction(actor.tenantId, async (tx) => {
        const current = await findModel(tx, id);
        if (current.source === 'reference')
          throw new AppError('model_read_only', 'Reference models cannot be removed.');
        await deleteTenantModel(tx, id);
      })
      .catch((err: unknown) => {
        if (isForeignKeyViolation(err)) throw new AppError('model_in_use');
        throw err;
      });
  }
}
