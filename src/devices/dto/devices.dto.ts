import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, IsUUID, Length, Matches } from 'class-validator';
import { PageMetaDto, PageQueryDto } from '../../common/pagination.js';
import { IsStrictIsoDate, Trim } from '../../common/validators.js';
import { FIRMWARE_PATTERN } from '../firmware.js';
import { PROTOCOLS, type Protocol } from './device-models.dto.js';
import { DeviceHealthSummaryDto } from './health.dto.js';

export const DEVICE_STATUSES = ['active', 'retired'] as const;
export type DeviceStatus = (typeof DEVICE_STATUSES)[number];
export const HEALTH_FLAGS = ['lowBattery', 'offline', 'firmwareOutdated'] as const;
export type HealthFlag = (typeof HEALTH_FLAGS)[number];
export const SERIAL_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,99}$/;

export class CreateDeviceDto {
  @ApiProperty({ example: 'YRD410-0001234', description: 'Unique in your fleet' })
  @Trim()
  @Matches(SERIAL_PATTERN, { message: 'serial must be 1-100 letters, digits or . _ : / -' })
  serial!: string;

  @ApiProperty({ format: 'uuid', description: 'A model from GET /v1/device-models' })
  @IsUUID()
  modelId!: string;

  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  propertyId!: string;

  @ApiPropertyOptional({
    example: '2A',
    description: 'One of the property’s units, when it lists them',
  })
  @IsOptional()
  @Trim()
  @IsString()
  @Length(1, 50)
  unit?: string;

  @ApiPropertyOptional({ example: '2.9.1' })
  @IsOptional()
  @Matches(FIRMWARE_PATTERN, { message: 'firmwareVersion must be a version such as 2.10.0' })
  firmwareVersion?: string;

  @ApiPropertyOptional({
    enum: PROTOCOLS,
    description: 'The protocol this lock actually uses; one the model supports',
  })
  @IsOptional()
  @IsIn(PROTOCOLS)
  protocol?: Protocol;

  @ApiPropertyOptional({
    example: '2025-03-14',
    description: 'Installation date; the warranty runs from it',
  })
  @IsOptional()
  @IsStrictIsoDate({ kind: 'date' })
  installedAt?: string;

  @ApiPropertyOptional({ example: 'Front door' })
  @IsOptional()
  @Trim()
  @IsString()
  @Length(1, 100)
  label?: string;

  @ApiPropertyOptional({ enum: DEVICE_STATUSES, default: 'active' })
  @IsOptional()
  @IsIn(DEVICE_STATUSES)
  status?: DeviceStatus;
}

export class UpdateDeviceDto extends PartialType(CreateDeviceDto) {}

export class ListDevicesQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() propertyId?: string;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() modelId?: string;
  @ApiPropertyOptional({ enum: DEVICE_STATUSES })
  @IsOptional()
  @IsIn(DEVICE_STATUSES)
  status?: DeviceStatus;
  @ApiPropertyOptional({ enum: HEALTH_FLAGS, description: 'Only locks with this health flag' })
  @IsOptional()
  @IsIn(HEALTH_FLAGS)
  health?: HealthFlag;
  @ApiPropertyOptional({ description: 'Exact serial' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  serial?: string;
}

export class DeviceModelRefDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() manufacturer!: string;
  @ApiProperty() model!: string;
}

export class DeviceView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() serial!: string;
  @ApiProperty({ format: 'uuid' }) modelId!: string;
  @ApiProperty({ type: DeviceModelRefDto }) model!: DeviceModelRefDto;
  @ApiProperty({ format: 'uuid' }) propertyId!: string;
  @ApiProperty({ type: String, nullable: true }) unit!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'As last reported by telemetry, else as registered',
  })
  firmwareVersion!: string | null;
  @ApiProperty({ enum: PROTOCOLS, nullable: true }) protocol!: Protocol | null;
  @ApiProperty({ type: String, nullable: true, example: '2025-03-14' }) installedAt!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'installedAt + the model’s warranty months',
  })
  warrantyExpiresAt!: string | null;
  @ApiProperty({ type: String, nullable: true }) label!: string | null;
  @ApiProperty({ enum: DEVICE_STATUSES }) status!: DeviceStatus;
  @ApiProperty({
    type: DeviceHealthSummaryDto,
    description:
      'From the health snapshot; forecast, event counts and warranty: GET /v1/devices/:id/health',
  })
  health!: DeviceHealthSummaryDto;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
}

export class DevicePageDto extends PageMetaDto {
  @ApiProperty({ type: [DeviceView] }) data!: DeviceView[];
}

export class ImportResultDto {
  @ApiProperty({ example: 10000 }) imported!: number;
  @ApiProperty({ type: [String], description: 'New device ids, in row order' }) ids!: string[];
}

/**
 * One lock of an import (a JSON item or a CSV row): the model by `modelId` or by `manufacturer`
 * + `model`, the property by `propertyId` or by `propertyName`; the rest as for one lock.
 */
export class ImportDeviceRow {
  @ApiProperty({ example: 'YRD410-0001234', description: 'Unique in your fleet and in the file' })
  serial!: string;
  @ApiPropertyOptional({ format: 'uuid', description: 'Or `manufacturer` + `model`' })
  modelId?: string;
  @ApiPropertyOptional({ example: 'Yale' }) manufacturer?: string;
  @ApiPropertyOptional({ example: 'Assure Lock 2 Keypad' }) model?: string;
  @ApiPropertyOptional({ format: 'uuid', description: 'Or `propertyName`' }) propertyId?: string;
  @ApiPropertyOptional({ example: 'Harbor View' }) propertyName?: string;
  @ApiPropertyOptional({ example: '1A', description: 'One of the property’s units' })
  unit?: string;
  @ApiPropertyOptional({ example: '2.9.1' }) firmwareVersion?: string;
  @ApiPropertyOptional({ example: 'ble', description: 'One the model supports' })
  protocol?: string;
  @ApiPropertyOptional({ example: '2026-03-01', description: 'A calendar date' })
  installedAt?: string;
  @ApiPropertyOptional({ example: 'Front door' }) label?: string;
  @ApiPropertyOptional({ enum: DEVICE_STATUSES, default: 'active' })
  status?: DeviceStatus;
}
