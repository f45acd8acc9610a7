import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { BatteryForecast } from '../forecast.js';
import type { PowerSource, Protocol } from './device-models.dto.js';

/** The flags one health snapshot shows, without the event history (no jam count). */
export class HealthSummaryFlagsDto {
  @ApiProperty() lowBattery!: boolean;
  @ApiProperty({
    description: 'Heard from before, but offline or silent for longer than the offline window',
  })
  offline!: boolean;
  @ApiProperty() firmwareOutdated!: boolean;
  @ApiProperty({ description: 'No telemetry ever received' }) neverSeen!: boolean;
  @ApiProperty({ description: 'Signal weaker than -85 dBm' }) weakSignal!: boolean;
  @ApiProperty() doorAjar!: boolean;
}

export class HealthFlagsDto extends HealthSummaryFlagsDto {
  @ApiProperty({ description: 'Jam events in the last 24 h' }) jamming!: boolean;
}

/** What a device answer and each device list item say about its health (the detail is GET /v1/devices/:id/health). */
export class DeviceHealthSummaryDto {
  @ApiProperty({ type: Number, nullable: true }) batteryPercent!: number | null;
  @ApiProperty({ type: Boolean, nullable: true, description: 'null: never heard from' }) online!:
    boolean | null;
  @ApiProperty({ type: String, nullable: true }) lastSeenAt!: string | null;
  @ApiProperty({ type: HealthSummaryFlagsDto }) flags!: HealthSummaryFlagsDto;
}

export class WarrantyDto {
  @ApiProperty({ type: String, nullable: true }) expiresAt!: string | null;
  @ApiProperty({ enum: ['active', 'expired', 'unknown'] }) state!: 'active' | 'expired' | 'unknown';
}

export class BatteryForecastDto {
  @ApiProperty({ type: Number, nullable: true, description: 'Estimated days until 10%' })
  daysUntil10Percent!: number | null;
  @ApiPropertyOptional({ example: '2026-12-30' }) at10PercentOn?: string;
  @ApiPropertyOptional({ description: 'Percent per day, least squares' }) drainPerDay?: number;
  @ApiPropertyOptional({ description: 'Why there is no estimate' }) reason?: string;
  @ApiProperty({ description: 'Readings the estimate used' }) readings!: number;
}

export class DeviceHealthView {
  @ApiProperty({ format: 'uuid' }) deviceId!: string;
  @ApiProperty() serial!: string;
  @ApiProperty({ type: Number, nullable: true }) batteryPercent!: number | null;
  @ApiProperty({ type: String, nullable: true }) batteryReportedAt!: string | null;
  @ApiProperty({ type: Boolean, nullable: true, description: 'null: never heard from' }) online!:
    boolean | null;
  @ApiProperty({ type: String, nullable: true }) lastSeenAt!: string | null;
  @ApiProperty({ type: Number, nullable: true }) signalDbm!: number | null;
  @ApiProperty({ type: String, nullable: true }) firmwareVersion!: string | null;
  @ApiProperty({ type: String, nullable: true }) latestFirmware!: string | null;
  @ApiProperty({
    type: Boolean,
    nullable: true,
    description: 'null when either version is unknown',
  })
  firmwareBehindLatest!: boolean | null;
  @ApiProperty() jamEvents24h!: number;
  @ApiProperty() failedCodeAttempts24h!: number;
  @ApiProperty({ type: Boolean, nullable: true }) doorAjar!: boolean | null;
  @ApiProperty({ enum: ['battery', 'wired', 'rechargeable'] }) powerSource!: PowerSource;
  @ApiProperty({ type: String, nullable: true }) protocol!: Protocol | null;
  @ApiProperty({ type: WarrantyDto }) warranty!: WarrantyDto;
  @ApiProperty({ type: HealthFlagsDto }) flags!: HealthFlagsDto;
  @ApiProperty({ type: BatteryForecastDto }) batteryForecast!: BatteryForecast;
}
