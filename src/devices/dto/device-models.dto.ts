import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import {
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
} from 'class-validator';
import { PageMetaDto, PageQueryDto } from '../../common/pagination.js';
import { Trim } from '../../common/validators.js';
import { FIRMWARE_PATTERN } from '../firmware.js';

export const PROTOCOLS = ['wifi', 'bluetooth', 'zigbee', 'zwave', 'thread'] as const;
export type Protocol = (typeof PROTOCOLS)[number];
export const POWER_SOURCES = ['battery', 'wired', 'rechargeable'] as const;
export type PowerSource = (typeof POWER_SOURCES)[number];

export class CreateDeviceModelDto {
  @ApiProperty({ example: 'Acme Locks' })
  @Trim()
  @IsString()
  @Length(1, 100)
  manufacturer!: string;

  @ApiProperty({ example: 'Bolt 3000' })
  @Trim()
  @IsString()
  @Length(1, 100)
  model!: string;

  @ApiProperty({ enum: PROTOCOLS, isArray: true, example: ['wifi', 'bluetooth'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(PROTOCOLS, { each: true })
  protocols!: Protocol[];

  @ApiProperty({ enum: POWER_SOURCES })
  @IsIn(POWER_SOURCES)
  powerSource!: PowerSource;

  @ApiPropertyOptional({ example: '4x AA' })
  @IsOptional()
  @IsString()
  @Length(1, 50)
  batteryType?: string;

  @ApiPropertyOptional({
    example: '2.10.0',
    description: 'The newest firmware you know of; compared semantically',
  })
  @IsOptional()
  @Matches(FIRMWARE_PATTERN, { message: 'latestFirmware must be a version such as 2.10.0' })
  latestFirmware?: string;

  @ApiPropertyOptional({ default: 12, minimum: 0, maximum: 600 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(600)
  warrantyMonths?: number;

  @ApiPropertyOptional({ default: true }) @IsOptional() @IsBoolean() hasKeyCylinder?: boolean;
  @ApiPropertyOptional({ default: false }) @IsOptional() @IsBoolean() hasKeypad?: boolean;
  @ApiPropertyOptional({ default: false }) @IsOptional() @IsBoolean() hasFingerprint?: boolean;
  @ApiPropertyOptional({ default: false, description: 'USB / 9 V terminals for emergency power' })
  @IsOptional()
  @IsBoolean()
  hasBackupPower?: boolean;
}

/** On a reference model only `latestFirmware` may change (your tracked version; null clears it). */
export class UpdateDeviceModelDto extends PartialType(CreateDeviceModelDto) {}

export class ListDeviceModelsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ example: 'Yale' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  manufacturer?: string;

  @ApiPropertyOptional({ description: 'Part of the manufacturer or model name' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  q?: string;

  @ApiPropertyOptional({ enum: ['reference', 'tenant'] })
  @IsOptional()
  @IsIn(['reference', 'tenant'])
  source?: 'reference' | 'tenant';
}

export class DeviceModelView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({
    enum: ['reference', 'tenant'],
    description: 'Built-in reference data or your own',
  })
  source!: 'reference' | 'tenant';
  @ApiProperty() manufacturer!: string;
  @ApiProperty() model!: string;
  @ApiProperty({ enum: PROTOCOLS, isArray: true }) protocols!: Protocol[];
  @ApiProperty({ enum: POWER_SOURCES }) powerSource!: PowerSource;
  @ApiProperty({ type: String, nullable: true }) batteryType!: string | null;
  @ApiProperty({ type: String, nullable: true }) latestFirmware!: string | null;
  @ApiProperty() warrantyMonths!: number;
  @ApiProperty() hasKeyCylinder!: boolean;
  @ApiProperty() hasKeypad!: boolean;
  @ApiProperty() hasFingerprint!: boolean;
  @ApiProperty() hasBackupPower!: boolean;
}

export class DeviceModelPageDto extends PageMetaDto {
  @ApiProperty({ type: [DeviceModelView] }) data!: DeviceModelView[];
}
