import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray } from 'class-validator';
import { UUID_PATTERN } from '../common/ids.js';
import { parseStrictIso } from '../common/validators.js';
import { FIRMWARE_PATTERN } from './firmware.js';
import { SERIAL_PATTERN } from './dto/devices.dto.js';

export const TELEMETRY_TYPES = [
  'battery',
  'signal',
  'online',
  'offline',
  'heartbeat',
  'jam',
  'code_failed',
  'firmware',
  'lock',
  'unlock',
  'door_ajar',
] as const;
export type TelemetryType = (typeof TELEMETRY_TYPES)[number];
export const MAX_TELEMETRY_BATCH = 5000;
/** Clocks drift; beyond this an event "from the future" is refused. */
export const MAX_FUTURE_SKEW_MS = 5 * 60_000;
export const MAX_EVENT_AGE_MS = 365 * 86_400_000;

export class TelemetryEventDto {
  @ApiPropertyOptional({
    description: 'Your id for the event; redelivery with the same id is not counted twice',
  })
  eventId?: string;
  @ApiPropertyOptional({ description: 'The lock’s serial (or deviceId)' }) serial?: string;
  @ApiPropertyOptional({ format: 'uuid' }) deviceId?: string;
  @ApiProperty({ enum: TELEMETRY_TYPES }) type!: TelemetryType;
  @ApiProperty({ example: '2026-11-22T08:15:00Z' }) at!: string;
  @ApiPropertyOptional({ minimum: 0, maximum: 100, description: 'Required for type battery' })
  batteryPercent?: number;
  @ApiPropertyOptional({ minimum: -150, maximum: 0, description: 'Required for type signal' })
  signalDbm?: number;
  @ApiPropertyOptional() online?: boolean;
  @ApiPropertyOptional({ example: '2.10.0', description: 'Required for type firmware' })
  firmwareVersion?: string;
}

export class TelemetryBatchDto {
  @ApiProperty({ type: [TelemetryEventDto], maxItems: MAX_TELEMETRY_BATCH })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_TELEMETRY_BATCH, {
    message: `events may hold at most ${MAX_TELEMETRY_BATCH} events`,
  })
  events!: unknown[];
}

export class RejectedEventDto {
  @ApiProperty({ description: 'Position in the batch, from 0' }) index!: number;
  @ApiPropertyOptional() eventId?: string;
  @ApiProperty({ example: [{ field: 'batteryPercent', message: 'batteryPercent must be 0-100' }] })
  errors!: { field: string; message: string }[];
}

export class TelemetryResultDto {
  @ApiProperty({ description: 'New events stored and folded into health' }) accepted!: number;
  @ApiProperty({ description: 'Valid events already received before (redeliveries)' })
  duplicates!: number;
  @ApiProperty({ type: [RejectedEventDto], description: 'Invalid events, not stored' })
  rejected!: RejectedEventDto[];
}

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

/**
 * Stores new events (redeliveries are skipped by the unique event key) and
 * folds only those into each device's snapshot, in one statement. Every
 * snapshot field moves only to a reading at least as recent as the one it
 * holds, so late events never move it backwards.
 */
export const INGEST_SQL = `
WITH input AS (
  SELECT * FROM unnest($2::uuid[], $3::text[], $4::timestamptz[], $5::text[], $6::smallint[], $7::smallint[],
                       $8::boolean[], $9::text[])
    AS t(device_id, type, at, event_key, battery_percent, signal_dbm, online, firmware_version)
), ins AS (
  INSERT INTO telemetry_events (tenant_id, device_id, type, at, event_key, battery_percent, signal_dbm, online,
                                firmware_version)
  SELECT $1, device_id, type, at, event_key, battery_percent, signal_dbm, online, firmware_version FROM input
  ON CONFLICT (tenant_id, device_id, event_key) DO NOTHING
  RETURNING device_id, type, at, battery_percent, signal_dbm, online, firmware_version
), facts AS (
  SELECT device_id, at, battery_percent, signal_dbm, firmware_version,
         coalesce(online, type <> 'offline') AS online_now,
         CASE type WHEN 'door_ajar' THEN true WHEN 'lock' THEN false END AS door
    FROM ins
), agg AS (
  SELECT device_id, max(at) AS seen,
         (array_agg(battery_percent ORDER BY at DESC) FILTER (WHERE battery_percent IS NOT NULL))[1] AS battery,
         max(at) FILTER (WHERE battery_percent IS NOT NULL) AS battery_at,
         (array_agg(signal_dbm ORDER BY at DESC) FILTER (WHERE signal_dbm IS NOT NULL))[1] AS signal,
         max(at) FILTER (WHERE signal_dbm IS NOT NULL) AS signal_at,
         (array_agg(online_now ORDER BY at DESC))[1] AS online,
         (array_agg(firmware_version ORDER BY at DESC) FILTER (WHERE firmware_version IS NOT NULL))[1] AS firmware,
         max(at) FILTER (WHERE firmware_version IS NOT NULL) AS firmware_at,
         (array_agg(door ORDER BY at DESC) FILTER (WHERE door IS NOT NULL))[1] AS door,
         max(at) FILTER (WHERE door IS NOT NULL) AS door_at
    FROM facts GROUP BY device_id
), folded AS (
  UPDATE device_health h SET
    battery_percent = CASE WHEN a.battery_at >= h.battery_at OR (h.battery_at IS NULL AND a.battery_at IS NOT NULL)
                           THEN a.battery ELSE h.battery_percent END,
    battery_at = greatest(h.battery_at, a.battery_at),
    signal_dbm = CASE WHEN a.signal_at >= h.signal_at OR (h.signal_at IS NULL AND a.signal_at IS NOT NULL)
                      THEN a.signal ELSE h.signal_dbm END,
    signal_at = greatest(h.signal_at, a.signal_at),
    online = CASE WHEN h.online_at IS NULL OR a.seen >= h.online_at THEN a.online ELSE h.online END,
    online_at = greatest(h.online_at, a.seen),
    last_seen_at = greatest(h.last_seen_at, a.seen),
    firmware_version = CASE WHEN a.firmware_at >= h.firmware_at OR (h.firmware_at IS NULL AND a.firmware_at IS NOT NULL)
                            THEN a.firmware ELSE h.firmware_version END,
    firmware_at = greatest(h.firmware_at, a.firmware_at),
    door_ajar = CASE WHEN a.door_at >= h.door_at OR (h.door_at IS NULL AND a.door_at IS NOT NULL)
                     THEN a.door ELSE h.door_ajar END,
    door_at = greatest(h.door_at, a.door_at),
    updated_at = now()
  FROM agg a
  WHERE h.tenant_id = $1 AND h.device_id = a.device_id
  RETURNING 1
)
SELECT (SELECT count(*) FROM ins)::int AS inserted, (SELECT count(*) FROM folded)::int AS devices`;
