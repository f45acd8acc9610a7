import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { FieldErrorDto } from '../../common/problem.dto.js';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsDefined } from 'class-validator';

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
  @IsDefined({ message: 'events is required: the body is {"events": [ ...events ]}' })
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
  @ApiProperty({ type: [FieldErrorDto] })
  errors!: { field: string; message: string }[];
}

export class TelemetryResultDto {
  @ApiProperty({ description: 'New events stored and folded into health' }) accepted!: number;
  @ApiProperty({ description: 'Valid events already received before (redeliveries)' })
  duplicates!: number;
  @ApiProperty({ type: [RejectedEventDto], description: 'Invalid events, not stored' })
  rejected!: RejectedEventDto[];
}
