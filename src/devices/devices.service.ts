import { Inject, Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { UserActor } from '../auth/actor.js';
import { AppError, notFound } from '../common/errors.js';
import type { IdempotencyScope } from '../common/idempotency/idempotency.service.js';
import { uuidv7 } from '../common/ids.js';
import { decodeCursor, type Page, pageLimit, toPage } from '../common/pagination.js';
import { APP_CONFIG, type ResolvedConfig } from '../config/config.provider.js';
import { isUniqueViolation } from '../database/pg-errors.js';
import { TenantDb } from '../database/tenant-db.service.js';
import { csvRecords } from './csv.js';
import {
  type DeviceRecord,
  DeviceRowResolver,
  insertDevices,
  importColumnProblems,
  type RowError,
} from './device-rows.js';
import type { Protocol } from './dto/device-models.dto.js';
import type {
  CreateDeviceDto,
  DeviceStatus,
  DeviceView,
  ImportResultDto,
  ListDevicesQueryDto,
  UpdateDeviceDto,
} from './dto/devices.dto.js';
import { type DeviceHealthView, type HealthSettings, readDeviceHealth } from './health.js';

export const MAX_IMPORT_ROWS = 10_000;

interface DeviceRow {
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
}

const SELECT_DEVICES = `
  SELECT d.id, d.serial, m.id AS model_id, m.manufacturer, m.model AS model_name, d.property_id, d.unit,
         coalesce(h.firmware_version, d.firmware_version) AS firmware_version, d.protocol,
         d.installed_at::text AS installed_at,
         (d.installed_at + make_interval(months => m.warranty_months))::date::text AS warranty_expires,
         d.label, d.status, d.created_at, d.updated_at
    FROM devices d
    JOIN catalog_models m ON m.id = coalesce(d.reference_model_id, d.tenant_model_id)
    LEFT JOIN device_health h ON h.tenant_id = d.tenant_id AND h.device_id = d.id`;

function view(r: DeviceRow): DeviceView {
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
      .tenantTransaction(actor.tenantId, async ({ em }) => {
        const resolver = await DeviceRowResolver.load(em, [dto.propertyId]);
        const record = this.resolveOne(resolver, dto as unknown as Record<string, unknown>);
        const id = uuidv7();
        await insertDevices(em, actor.tenantId, [id], [record]);
        const out = await this.find(em, id);
        await idem?.complete(em, out);
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
      .tenantTransaction(actor.tenantId, async ({ em }) => {
        const resolver = await DeviceRowResolver.load(em);
        const errors: RowError[] = [];
        const records: DeviceRecord[] = [];
        const firstRowOfSerial = new Map<string, number>();
        rows.forEach((raw, i) => {
          if (raw === null) {
            errors.push({ row: i + 1, field: 'row', message: 'each row must be an object' });
            return;
          }
          const result = resolver.resolve(raw, i + 1, contentType === 'json');
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
        const existing = await em.query<{ serial: string }[]>(
          `SELECT serial FROM devices WHERE serial = ANY($1::text[])`,
          [serials],
        );
        for (const { serial } of existing) {
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
        await insertDevices(em, actor.tenantId, ids, records);
        const out = { imported: ids.length, ids };
        await idem?.complete(em, out);
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
    const after = q.cursor ? (decodeCursor(q.cursor, ['uuid'])[0] as string) : null;
    return this.db.tenantTransaction(actor.tenantId, async ({ em }) => {
      const rows = await em.query<DeviceRow[]>(
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
          after,
          q.propertyId ?? null,
          q.modelId ?? null,
          q.status ?? null,
          q.serial ?? null,
          q.health ?? null,
          this.config.lowBatteryPercent,
          this.config.deviceOfflineAfterMinutes,
          limit + 1,
        ],
      );
      return toPage(rows, limit, (r) => [r.id], view);
    });
  }

  get(actor: UserActor, id: string): Promise<DeviceView> {
    return this.db.tenantTransaction(actor.tenantId, ({ em }) => this.find(em, id));
  }

  update(actor: UserActor, id: string, dto: UpdateDeviceDto): Promise<DeviceView> {
    return this.db
      .tenantTransaction(actor.tenantId, async ({ em }) => {
        const current = await this.findRow(em, id, true);
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
        const resolver = await DeviceRowResolver.load(em, [merged.propertyId as string]);
        const r = this.resolveOne(resolver, merged);
        await em.query(
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
        if (dto.firmwareVersion !== undefined) {
          // A firmware set by hand replaces the last reported one until telemetry says otherwise.
          await em.query(`UPDATE device_health SET firmware_version = NULL WHERE device_id = $1`, [
            id,
          ]);
        }
        return this.find(em, id);
      })
      .catch((err: unknown) => {
        if (isUniqueViolation(err)) throw new AppError('serial_taken');
        throw err;
      });
  }

  /** Devices are retired, never erased: their telemetry and tickets keep pointing at them. */
  retire(actor: UserActor, id: string): Promise<void> {
    return this.db.tenantTransaction(actor.tenantId, async ({ em }) => {
      await this.find(em, id);
      await em.query(`UPDATE devices SET status = 'retired', updated_at = now() WHERE id = $1`, [
        id,
      ]);
    });
  }

  health(actor: UserActor, id: string): Promise<DeviceHealthView> {
    return this.db.tenantTransaction(actor.tenantId, ({ em }) =>
      readDeviceHealth(em, id, this.healthSettings),
    );
  }

  private resolveOne(resolver: DeviceRowResolver, raw: Record<string, unknown>): DeviceRecord {
    const result = resolver.resolve(raw, 0, false);
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

  private async find(em: EntityManager, id: string): Promise<DeviceView> {
    return view(await this.findRow(em, id));
  }

  private async findRow(em: EntityManager, id: string, lock = false): Promise<DeviceRow> {
    const [row] = await em.query<DeviceRow[]>(
      `${SELECT_DEVICES} WHERE d.id = $1 ${lock ? 'FOR UPDATE OF d' : ''}`,
      [id],
    );
    if (!row) throw notFound('Device');
    return row;
  }
}
