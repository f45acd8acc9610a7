import { UUID_PATTERN } from '../common/ids.js';
import { parseStrictIso } from '../common/validators.js';
import type { TenantTx } from '../database/tenant-db.service.js';
import { loadCatalog, type ModelRow } from './device-models.repository.js';
import { PROTOCOLS, type Protocol } from './dto/device-models.dto.js';
import { DEVICE_STATUSES, type DeviceStatus, SERIAL_PATTERN } from './dto/devices.dto.js';
import { FIRMWARE_PATTERN } from './firmware.js';
import { type PropertyRef, propertyRefs } from './properties.repository.js';

/** A device as stored, after every reference has been resolved. */
export interface DeviceRecord {
  serial: string;
  model: ModelRow;
  propertyId: string;
  unit: string | null;
  firmwareVersion: string | null;
  protocol: Protocol | null;
  installedAt: string | null;
  label: string | null;
  status: DeviceStatus;
}

export interface RowError {
  row: number;
  field: string;
  message: string;
}

/** What a row may name a model or a property by: ids, or names. */
const IMPORT_FIELDS = new Set([
  'serial',
  'modelId',
  'manufacturer',
  'model',
  'propertyId',
  'propertyName',
  'unit',
  'firmwareVersion',
  'protocol',
  'installedAt',
  'label',
  'status',
]);

/**
 * Problems with a CSV import's header: every column must be a known field, once. An unknown
 * column is refused rather than ignored (a misspelt "unti" would silently drop every unit).
 */
export function importColumnProblems(header: string[]): { field: string; message: string }[] {
  const problems: { field: string; message: string }[] = [];
  const seen = new Set<string>();
  const known = [...IMPORT_FIELDS].join(', ');
  header.forEach((name, i) => {
    const shown = name.length > 50 ? `${name.slice(0, 50)}…` : name;
    if (name === '') {
      problems.push({ field: `columns[${i}]`, message: `column ${i + 1} has no name` });
    } else if (!IMPORT_FIELDS.has(name)) {
      problems.push({ field: shown, message: `unknown column ${shown} (known: ${known})` });
    } else if (seen.has(name)) {
      problems.push({ field: name, message: `column ${name} appears twice` });
    }
    seen.add(name);
  });
  return problems.slice(0, 50);
}

/** Lookups for one batch: the tenant's catalog and properties, loaded once. */
export class DeviceRowResolver {
  private constructor(
    private readonly modelsById: Map<string, ModelRow>,
    private readonly modelsByName: Map<string, ModelRow>,
    private readonly propertiesById: Map<string, PropertyRef>,
    private readonly propertiesByName: Map<string, PropertyRef[]>,
  ) {}

  /** The tenant's catalog and these properties (every property when none are given). */
  static async load(
    tx: TenantTx,
    options: { propertyIds?: string[] } = {},
  ): Promise<DeviceRowResolver> {
    const models = await loadCatalog(tx);
    const properties = await propertyRefs(tx, {
      ids: options.propertyIds?.filter((id) => UUID_PATTERN.test(id)),
    });
    const byName = new Map<string, PropertyRef[]>();
    for (const p of properties) {
      const key = p.name.trim().toLowerCase();
      byName.set(key, [...(byName.get(key) ?? []), p]);
    }
    return new DeviceRowResolver(
      new Map(models.map((m) => [m.id, m])),
      new Map(models.map((m) => [`${m.manufacturer.toLowerCase()}|${m.model.toLowerCase()}`, m])),
      new Map(properties.map((p) => [p.id, p])),
      byName,
    );
  }

  /**
   * Checks one row of any origin (JSON values or CSV strings) and resolves
   * its model and property. Every problem is reported, not just the first.
   */
  resolve(
    raw: Record<string, unknown>,
    options: {
      /** The row's number in the import (1-based; 0 for a single device). */
      row: number;
      /** Unknown fields are errors (JSON rows; a CSV header is checked on its own). */
      strictFields: boolean;
    },
  ): DeviceRecord | RowError[] {
    const { row, strictFields } = options;
    const errors: RowError[] = [];
    const fail = (field: string, message: string) => errors.push({ row, field, message });
    const text = (field: string): string | null => {
      const v = raw[field];
      if (v === undefined || v === null) return null;
      if (typeof v !== 'string') {
        fail(field, `${field} must be a string`);
        return null;
      }
      const t = v.trim();
      return t === '' ? null : t;
    };

    if (strictFields) {
      for (const key of Object.keys(raw))
        if (!IMPORT_FIELDS.has(key)) fail(key, `unknown field ${key}`);
    }

    const serial = text('serial');
    if (serial === null) fail('serial', 'serial is required');
    else if (!SERIAL_PATTERN.test(serial))
      fail('serial', 'serial must be 1-100 letters, digits or . _ : / -');

    let model: ModelRow | undefined;
    const modelId = text('modelId');
    const manufacturer = text('manufacturer');
    const modelName = text('model');
    if (modelId !== null) {
      model = this.modelsById.get(modelId.toLowerCase());
      if (!model) fail('modelId', 'no such model in your catalog');
    } else if (manufacturer !== null && modelName !== null) {
      model = this.modelsByName.get(`${manufacturer.toLowerCase()}|${modelName.toLowerCase()}`);
      if (!model) fail('model', `no model "${modelName}" by "${manufacturer}" in your catalog`);
    } else {
      fail('modelId', 'give modelId, or manufacturer and model');
    }

    let property: PropertyRef | undefined;
    const propertyId = text('propertyId');
    const propertyName = text('propertyName');
    if (propertyId !== null) {
      property = this.propertiesById.get(propertyId.toLowerCase());
      if (!property) fail('propertyId', 'no such property');
    } else if (propertyName !== null) {
      const matches = this.propertiesByName.get(propertyName.toLowerCase()) ?? [];
      if (matches.length === 1) property = matches[0];
      else if (matches.length === 0) fail('propertyName', `no property named "${propertyName}"`);
      else
        fail(
          'propertyName',
          `${matches.length} properties are named "${propertyName}"; use propertyId`,
        );
    } else {
      fail('propertyId', 'give propertyId or propertyName');
    }

    const unit = text('unit');
    if (unit !== null && unit.length > 50) fail('unit', 'unit must be at most 50 characters');
    if (property && property.units.length > 0 && unit !== null && !property.units.includes(unit)) {
      fail('unit', `unit "${unit}" is not one of the property's units`);
    }

    const firmwareVersion = text('firmwareVersion');
    if (firmwareVersion !== null && !FIRMWARE_PATTERN.test(firmwareVersion)) {
      fail('firmwareVersion', 'firmwareVersion must be a version such as 2.10.0');
    }

    const protocol = text('protocol');
    if (protocol !== null) {
      if (!(PROTOCOLS as readonly string[]).includes(protocol))
        fail('protocol', `protocol must be one of ${PROTOCOLS.join(', ')}`);
      else if (model && !model.protocols.includes(protocol as Protocol)) {
        fail('protocol', `${model.manufacturer} ${model.model} does not support ${protocol}`);
      }
    }

    const installedAt = text('installedAt');
    if (installedAt !== null) {
      const d = parseStrictIso(installedAt, { kind: 'date' });
      if (!d) {
        fail('installedAt', 'installedAt must be a date like 2025-03-14, from 1970 on');
      } else if (d.getTime() > Date.now() + 86_400_000) {
        fail('installedAt', 'installedAt is in the future');
      }
    }

    const label = text('label');
    if (label !== null && label.length > 100) fail('label', 'label must be at most 100 characters');

    const status = text('status') ?? 'active';
    if (!(DEVICE_STATUSES as readonly string[]).includes(status))
      fail('status', 'status must be active or retired');

    if (errors.length > 0 || !model || !property || serial === null) return errors;
    return {
      serial,
      model,
      propertyId: property.id,
      unit,
      firmwareVersion,
      protocol: protocol as Protocol | null,
      installedAt,
      label,
      status: status as DeviceStatus,
    };
  }
}
