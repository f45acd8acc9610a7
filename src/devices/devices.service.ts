import { Inject, Injectable, Logger } from '@nestjs/common';
import type { UserActor } from '../auth/index.js';
import { AppError, notFound } from '../common/errors.js';
import type { IdempotencyScope } from '../common/idempotency/idempotency.service.js';
import { uuidv7 } from '../common/ids.js';
import { decodeCursor, type Page, pageLimit, toPage } from '../common/pagination.js';
import { APP_CONFIG, type ResolvedConfig } from '../config/config.provider.js';
import { isUniqueViolation } from '../database/pg-errors.js';
import { TenantDb, type TenantTx } from '../database/tenant-db.service.js';
import { csvRecords } from './csv.js';
import {
  type DeviceRecord,
  DeviceRowResolver,
  importColumnProblems,
  type RowError,
} from './device-rows.js';
import {
  type DeviceRow,
  existingSerials,
  findDevice,
  insertDevices,
  listDevices,
  retireDevice,
  updateDevice,
} from './devices.repository.js';
import type {
  CreateDeviceDto,
  DeviceView,
  ImportResultDto,
  ListDevicesQueryDto,
  UpdateDeviceDto,
} from './dto/devices.dto.js';
import type { DeviceHealthView } from './dto/health.dto.js';
import { type HealthSettings, healthSummary, readDeviceHealth } from './health.js';
import { clearReportedFirmware } from './health.repository.js';

export const MAX_IMPORT_ROWS = 10_000;

function view(r: DeviceRow, health: HealthSettings, now: Date): DeviceView {
  return {
    id: r.id,
    serial: r.serial,
    modelId: r.model_id,
    model: { id: r.model_id, manufacturer: r.manufacturer, model: r.model_name },
    propertyId: r.property_id,
    unit: r.unit,
    firmwareVersion: r.firmware_version,
    protocol: r.protocol,
    installedAt: r.installed_at,
    warrantyExpiresAt: r.warranty_expires,
    label: r.label,
    status: r.status,
    health: healthSummary(r, health, now),
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

function rejected(errors: RowError[], detail: string): AppError {
  return new AppError('import_rejected', detail, {
    errors: errors.map((e) => ({
      field: e.row > 0 ? `rows[${e.row}].${e.field}` : e.field,
      message: e.message,
    })),
    rows: errors,
  });
}

/** A serial already in the fleet, from PostgreSQL's unique-violation detail. */
function takenSerial(err: unknown): string | undefined {
  const detail = (err as { driverError?: { detail?: string } }).driverError?.detail ?? '';
  return /\(tenant_id, serial\)=\([^,]+, (.+)\) already exists/.exec(detail)?.[1];
}

@Injectable()
export class DevicesService {
  private readonly logger = new Logger('Devices');

  constructor(
    private readonly db: TenantDb,
    @Inject(APP_CONFIG) private readonly config: ResolvedConfig,
  ) {}

  get healthSettings(): HealthSettings {
    return {
      offlineAfterMinutes: this.config.deviceOfflineAfterMinutes,
      lowBatteryPercent: this.config.lowBatteryPercent,
    };
  }

  create(actor: UserActor, dto: CreateDeviceDto, idem?: IdempotencyScope): Promise<DeviceView> {
    return this.db
      .tenantTransaction(actor.tenantId, async (tx) => {
        const resolver = await DeviceRowResolver.load(tx, { propertyIds: [dto.propertyId] });
        const record = this.resolveOne(resolver, dto as unknown as Record<string, unknown>);
        const id = uuidv7();
        await insertDevices(tx, [id], [record]);
        const out = await this.find(tx, id);
        await idem?.complete(tx, out);
        return out;
      })
      .catch((err: unknown) => {
        if (isUniqueViolation(err))
          throw new AppError('serial_taken', `Serial ${dto.serial} is already in your fleet.`);
        throw err;
      });
  }

  /**
   * All-or-nothing: every row is checked (types, references, units, protocols,
   * duplicate serials in the file and in the fleet); one bad row rejects the
   * batch with every bad row listed, and nothing is written.
   */
  import(
    actor: UserActor,
    body: unknown,
    contentType: string,
    idem?: IdempotencyScope,
  ): Promise<ImportResultDto> {
    const rows = this.importRows(body, contentType);
    const started = Date.now();
    return this.db
      .tenantTransaction(actor.tenantId, async (tx) => {
        const resolver = await DeviceRowResolver.load(tx);
        const errors: RowError[] = [];
        const records: DeviceRecord[] = [];
        const firstRowOfSerial = new Map<string, number>();
        rows.forEach((raw, i) => {
          if (raw === null) {
            errors.push({ row: i + 1, field: 'row', message: 'each row must be an object' });
            return;
          }
          const result = resolver.resolve(raw, {
            row: i + 1,
            strictFields: contentType === 'json',
          });
          if (Array.isArray(result)) {
            errors.push(...result);
            return;
          }
          const first = firstRowOfSerial.get(result.serial);
          if (first !== undefined) {
            errors.push({
              row: i + 1,
              field: 'serial',
              message: `serial ${result.serial} repeats row ${first}`,
            });
            return;
          }
          firstRowOfSerial.set(result.serial, i + 1);
          records.push(result);
        });
        const serials = [...firstRowOfSerial.keys()];
        for (const serial of await existingSerials(tx, serials)) {
          errors.push({
            row: firstRowOfSerial.get(serial)!,
            field: 'serial',
            message: `serial ${serial} is already in your fleet`,
          });
        }
        if (errors.length > 0) {
          errors.sort((a, b) => a.row - b.row);
          throw rejected(
            errors,
            `${new Set(errors.map((e) => e.row)).size} of ${rows.length} rows are invalid; nothing was imported.`,
          );
        }
        const ids = records.map(() => uuidv7());
        await insertDevices(tx, ids, records);
        const out = { imported: ids.length, ids };
        await idem?.complete(tx, out);
        this.logger.log(
          { tenantId: actor.tenantId, rows: ids.length, ms: Date.now() - started },
          'devices imported',
        );
        return out;
      })
      .catch((err: unknown) => {
        if (isUniqueViolation(err)) {
          // A concurrent import took a serial between our check and our insert.
          const serial = takenSerial(err) ?? 'a serial';
          throw rejected(
            [{ row: 0, field: 'serial', message: `${serial} was added to your fleet meanwhile` }],
            'Retry the import.',
          );
        }
        throw err;
      });
  }

  list(actor: UserActor, q: ListDevicesQueryDto): Promise<Page<DeviceView>> {
    const limit = pageLimit(q);
    const after = q.cursor ? (decodeCursor(q.cursor, ['uuid'])[0] as string) : undefined;
    // A list may lag a moment: the read pool (a replica when DATABASE_READ_URL is set).
    return this.db.tenantRead(actor.tenantId, async (tx) => {
      const rows = await listDevices(tx, {
        after,
        propertyId: q.propertyId,
        modelId: q.modelId,
        status: q.status,
        serial: q.serial,
        health: q.health,
        lowBatteryPercent: this.config.lowBatteryPercent,
        offlineAfterMinutes: this.config.deviceOfflineAfterMinutes,
        limit: limit + 1,
      });
      const now = new Date();
      return toPage(
        rows,
        limit,
        (r) => [r.id],
        (r) => view(r, this.healthSettings, now),
      );
    });
  }

  get(actor: UserActor, id: string): Promise<DeviceView> {
    return this.db.tenantTransaction(actor.tenantId, (tx) => this.find(tx, id));
  }

  update(actor: UserActor, id: string, dto: UpdateDeviceDto): Promise<DeviceView> {
    return this.db
      .tenantTransaction(actor.tenantId, async (tx) => {
        const current = await this.findRow(tx, id, { lock: true });
        const merged: Record<string, unknown> = {
          serial: current.serial,
          modelId: current.model_id,
          propertyId: current.property_id,
          unit: current.unit,
          firmwareVersion: current.firmware_version,
          protocol: current.protocol,
          installedAt: current.installed_at,
          label: current.label,
          status: current.status,
          ...dto,
        };
        // A unit belongs to a property: moving property without a unit clears it.
        if (
          dto.propertyId !== undefined &&
          dto.propertyId !== current.property_id &&
          dto.unit === undefined
        ) {
          merged.unit = null;
        }
        const resolver = await DeviceRowResolver.load(tx, {
          propertyIds: [merged.propertyId as string],
        });
        await updateDevice(tx, id, this.resolveOne(resolver, merged));
        if (dto.firmwareVersion !== undefined) {
          // A firmware set by hand replaces the last reported one until telemetry says otherwise.
          await clearReportedFirmware(tx, id);
        }
        return this.find(tx, id);
      })
      .catch((err: unknown) => {
        if (isUniqueViolation(err)) throw new AppError('serial_taken');
        throw err;
      });
  }

  /** Devices are retired, never erased: their telemetry and tickets keep pointing at them. */
  retire(actor: UserActor, id: string): Promise<void> {
    return this.db.tenantTransaction(actor.tenantId, async (tx) => {
      await this.find(tx, id);
      await retireDevice(tx, id);
    });
  }

  /** A report: from the read pool (see list). */
  health(actor: UserActor, id: string): Promise<DeviceHealthView> {
    return this.db.tenantRead(actor.tenantId, (tx) =>
      readDeviceHealth(tx, id, this.healthSettings),
    );
  }

  private resolveOne(resolver: DeviceRowResolver, raw: Record<string, unknown>): DeviceRecord {
    const result = resolver.resolve(raw, { row: 0, strictFields: false });
    if (Array.isArray(result)) {
      throw new AppError('validation_failed', 'One or more fields are invalid.', {
        errors: result.map((e) => ({ field: e.field, message: e.message })),
      });
    }
    return result;
  }

  private importRows(body: unknown, contentType: string): (Record<string, unknown> | null)[] {
    let rows: unknown;
    if (contentType === 'csv') {
      if (typeof body !== 'string')
        throw new AppError('bad_request', 'Send the CSV as the request body.');
      let csv: ReturnType<typeof csvRecords>;
      try {
        csv = csvRecords(body);
      } catch (e) {
        throw new AppError('bad_request', `The CSV cannot be read: ${(e as Error).message}.`);
      }
      const columnProblems = importColumnProblems(csv.header);
      if (columnProblems.length > 0) {
        throw new AppError('validation_failed', 'The CSV header names unknown columns.', {
          errors: columnProblems,
        });
      }
      rows = csv.records;
    } else {
      const devices = (body as { devices?: unknown } | null)?.devices;
      const extra =
        body && typeof body === 'object' ? Object.keys(body).filter((k) => k !== 'devices') : [];
      if (!Array.isArray(devices) || extra.length > 0) {
        throw new AppError('validation_failed', 'Send {"devices": [...]} or text/csv.', {
          errors: [
            ...(Array.isArray(devices)
              ? []
              : [{ field: 'devices', message: 'devices must be an array' }]),
            ...extra.map((k) => ({ field: k, message: `unknown field ${k}` })),
          ],
        });
      }
      rows = devices;
    }
    const list = rows as unknown[];
    if (list.length === 0)
      throw new AppError('validation_failed', 'The import has no rows.', {
        errors: [{ field: 'devices', message: 'at least one row is required' }],
      });
    if (list.length > MAX_IMPORT_ROWS) {
      throw new AppError(
        'payload_too_large',
        `At most ${MAX_IMPORT_ROWS} rows per import; this one has ${list.length}.`,
      );
    }
    return list.map((r) =>
      r && typeof r === 'object' && !Array.isArray(r) ? (r as Record<string, unknown>) : null,
    );
  }

  private async find(tx: TenantTx, id: string): Promise<DeviceView> {
    return view(await this.findRow(tx, id), this.healthSettings, new Date());
  }

  private async findRow(
    tx: TenantTx,
    id: string,
    options: { lock?: boolean } = {},
  ): Promise<DeviceRow> {
    const row = await findDevice(tx, id, options);
    if (!row) throw notFound('Device');
    return row;
  }
}
