import { UUID_PATTERN } from '../common/ids.js';
import { parseStrictIso } from '../common/validators.js';
import { FIRMWARE_PATTERN } from './firmware.js';
import { SERIAL_PATTERN } from './dto/devices.dto.js';
import { type RejectedEventDto, TELEMETRY_TYPES, type TelemetryType } from './dto/telemetry.dto.js';

/** Clocks drift; beyond this an event "from the future" is refused. */
export const MAX_FUTURE_SKEW_MS = 5 * 60_000;
export const MAX_EVENT_AGE_MS = 365 * 86_400_000;

export interface CheckedEvent {
  index: number;
  ref: { serial: string } | { deviceId: string };
  type: TelemetryType;
  at: Date;
  key: string;
  batteryPercent: number | null;
  signalDbm: number | null;
  online: boolean | null;
  firmwareVersion: string | null;
}

const FIELDS = new Set([
  'eventId',
  'serial',
  'deviceId',
  'type',
  'at',
  'batteryPercent',
  'signalDbm',
  'online',
  'firmwareVersion',
]);

/** One event's shape and values, checked on its own; problems go back in the answer, per event. */
export function checkEvent(
  raw: unknown,
  index: number,
  now: number,
): CheckedEvent | RejectedEventDto {
  const errors: { field: string; message: string }[] = [];
  const fail = (field: string, message: string) => errors.push({ field, message });
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    return { index, errors: [{ field: 'event', message: 'each event must be an object' }] };
  }
  const e = raw as Record<string, unknown>;
  for (const k of Object.keys(e)) if (!FIELDS.has(k)) fail(k, `unknown field ${k}`);

  const eventId = e.eventId;
  if (
    eventId !== undefined &&
    (typeof eventId !== 'string' || eventId.length < 1 || eventId.length > 200)
  ) {
    fail('eventId', 'eventId must be a string of 1-200 characters');
  }
  let ref: CheckedEvent['ref'] | undefined;
  if (e.deviceId !== undefined) {
    if (typeof e.deviceId !== 'string' || !UUID_PATTERN.test(e.deviceId))
      fail('deviceId', 'deviceId must be a UUID');
    else ref = { deviceId: e.deviceId.toLowerCase() };
  } else if (e.serial !== undefined) {
    if (typeof e.serial !== 'string' || !SERIAL_PATTERN.test(e.serial.trim()))
      fail('serial', 'serial is not a valid serial');
    else ref = { serial: e.serial.trim() };
  } else fail('serial', 'give serial or deviceId');

  const type = e.type;
  if (typeof type !== 'string' || !(TELEMETRY_TYPES as readonly string[]).includes(type)) {
    fail('type', `type must be one of ${TELEMETRY_TYPES.join(', ')}`);
  }
  const at = parseStrictIso(e.at, { kind: 'datetime' }) ?? undefined;
  if (at === undefined) {
    fail('at', 'at must be an ISO 8601 time with a zone, such as 2026-11-22T08:15:00Z');
  } else {
    if (at.getTime() > now + MAX_FUTURE_SKEW_MS) fail('at', 'at is in the future');
    else if (at.getTime() < now - MAX_EVENT_AGE_MS) fail('at', 'at is more than a year old');
  }

  const battery = e.batteryPercent;
  if (
    battery !== undefined &&
    (typeof battery !== 'number' || !Number.isFinite(battery) || battery < 0 || battery > 100)
  ) {
    fail('batteryPercent', 'batteryPercent must be a number from 0 to 100');
  } else if (battery === undefined && type === 'battery')
    fail('batteryPercent', 'a battery event needs batteryPercent');
  const signal = e.signalDbm;
  if (
    signal !== undefined &&
    (typeof signal !== 'number' || !Number.isFinite(signal) || signal < -150 || signal > 0)
  ) {
    fail('signalDbm', 'signalDbm must be a number from -150 to 0');
  } else if (signal === undefined && type === 'signal')
    fail('signalDbm', 'a signal event needs signalDbm');
  if (e.online !== undefined && typeof e.online !== 'boolean')
    fail('online', 'online must be true or false');
  const fw = e.firmwareVersion;
  if (fw !== undefined && (typeof fw !== 'string' || !FIRMWARE_PATTERN.test(fw))) {
    fail('firmwareVersion', 'firmwareVersion must be a version such as 2.10.0');
  } else if (fw === undefined && type === 'firmware')
    fail('firmwareVersion', 'a firmware event needs firmwareVersion');

  if (errors.length > 0 || !ref || !at) {
    return { index, ...(typeof eventId === 'string' ? { eventId } : {}), errors };
  }
  return {
    index,
    ref,
    type: type as TelemetryType,
    at,
    key: typeof eventId === 'string' ? `id:${eventId}` : `${String(type)}@${at.toISOString()}`,
    batteryPercent: typeof battery === 'number' ? Math.round(battery) : null,
    signalDbm: typeof signal === 'number' ? Math.round(signal) : null,
    online: typeof e.online === 'boolean' ? e.online : null,
    firmwareVersion: typeof fw === 'string' ? fw : null,
  };
}
