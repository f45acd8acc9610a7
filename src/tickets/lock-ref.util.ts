/** How a report names its lock, checked: exactly one of deviceId, serial, or propertyId with unit. */
import { AppError } from '../common/errors.js';
import type { LockRef } from './tickets.repository.js';

export interface LockRefFields {
  deviceId?: string;
  serial?: string;
  propertyId?: string;
  unit?: string;
}

const CHOICES = 'give exactly one of deviceId, serial, or propertyId with unit';

function invalid(fields: string[], message: string): AppError {
  return new AppError('validation_failed', `Name the lock: ${CHOICES}.`, {
    errors: fields.map((field) => ({ field, message })),
  });
}

/** The lock a report names, or a 400 naming the choices. */
export function lockRefOf(f: LockRefFields): LockRef {
  const given = [
    f.deviceId !== undefined && 'deviceId',
    f.serial !== undefined && 'serial',
    (f.propertyId !== undefined || f.unit !== undefined) && 'propertyId/unit',
  ].filter((x): x is string => x !== false);
  if (given.length !== 1) {
    const named = (['deviceId', 'serial', 'propertyId', 'unit'] as const).filter(
      (k) => f[k] !== undefined,
    );
    throw invalid(given.length === 0 ? ['deviceId', 'serial', 'propertyId'] : named, CHOICES);
  }
  if (f.deviceId !== undefined) return { kind: 'device', deviceId: f.deviceId };
  if (f.serial !== undefined) return { kind: 'serial', serial: f.serial };
  if (f.propertyId === undefined)
    throw invalid(['propertyId'], 'is needed with unit (or name the lock by deviceId or serial)');
  if (f.unit === undefined)
    throw invalid(['unit'], 'is needed with propertyId (or name the lock by deviceId or serial)');
  return { kind: 'unit', propertyId: f.propertyId, unit: f.unit };
}
