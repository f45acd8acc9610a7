import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { PageMetaDto, PageQueryDto } from '../../common/pagination.js';

export const MAX_PLAN_DAYS = 365;
export const DEFAULT_PLAN_DAYS = 30;

export class MaintenancePlanQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    minimum: 1,
    maximum: MAX_PLAN_DAYS,
    default: DEFAULT_PLAN_DAYS,
    description: 'The horizon: what falls due from today (UTC) to today + days',
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && /^\d{1,6}$/.test(value) ? Number(value) : value,
  )
  @IsInt({ message: `days must be a whole number between 1 and ${MAX_PLAN_DAYS}` })
  @Min(1, { message: `days must be a whole number between 1 and ${MAX_PLAN_DAYS}` })
  @Max(MAX_PLAN_DAYS, { message: `days must be a whole number between 1 and ${MAX_PLAN_DAYS}` })
  days?: number;
}

export class BatteryReasonDto {
  @ApiProperty({ description: 'Estimated days until 10% (the health endpoint’s forecast)' })
  daysUntil10Percent!: number;
  @ApiProperty({ example: '2026-12-30', description: 'The day the battery reaches 10% (UTC)' })
  dueOn!: string;
  @ApiProperty({ description: 'Percent per day, least squares' }) drainPerDay!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'Last reported level' })
  batteryPercent!: number | null;
}

export class FirmwareReasonDto {
  @ApiProperty({ example: '2.9.1' }) current!: string;
  @ApiProperty({ example: '2.10.0', description: 'The model’s latest firmware' }) latest!: string;
}

export class WarrantyReasonDto {
  @ApiProperty({ example: '2026-12-14', description: 'Last day of the warranty' })
  expiresOn!: string;
}

/** Why a lock is in the plan: at least one member is set. */
export class MaintenanceReasonsDto {
  @ApiProperty({
    type: BatteryReasonDto,
    nullable: true,
    description: 'The battery reaches 10% within the horizon',
  })
  battery!: BatteryReasonDto | null;
  @ApiProperty({
    type: FirmwareReasonDto,
    nullable: true,
    description: 'The firmware is behind the model’s latest (no date of its own)',
  })
  firmware!: FirmwareReasonDto | null;
  @ApiProperty({
    type: WarrantyReasonDto,
    nullable: true,
    description: 'The warranty ends within the horizon',
  })
  warranty!: WarrantyReasonDto | null;
}

export class PlanLockDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() serial!: string;
  @ApiProperty({ type: String, nullable: true }) unit!: string | null;
  @ApiProperty({ format: 'uuid' }) modelId!: string;
  @ApiProperty({ example: 'Yale Assure Lock 2 Keypad' }) model!: string;
  @ApiProperty({
    type: String,
    nullable: true,
    example: '2026-12-30',
    description: 'The earliest date among its reasons; null when only its firmware is behind',
  })
  dueOn!: string | null;
  @ApiProperty({ type: MaintenanceReasonsDto }) reasons!: MaintenanceReasonsDto;
}

export class PlanBatteriesDto {
  @ApiProperty({
    type: String,
    nullable: true,
    example: 'AA',
    description: 'Battery type; null when the model records none (check the lock)',
  })
  type!: string | null;
  @ApiProperty({
    type: Number,
    nullable: true,
    example: 8,
    description: 'Batteries to bring (the model’s count per lock, summed); null when unknown',
  })
  count!: number | null;
  @ApiProperty({ description: 'Locks that take them' }) locks!: number;
}

export class PlanFirmwareDto {
  @ApiProperty({ format: 'uuid' }) modelId!: string;
  @ApiProperty({ example: 'Yale Assure Lock 2 Keypad' }) model!: string;
  @ApiProperty({ example: '2.9.1' }) from!: string;
  @ApiProperty({ example: '2.10.0' }) to!: string;
  @ApiProperty({ description: 'Locks of this model on `from`' }) locks!: number;
}

/** One visit: a property with the locks to see, the batteries to bring and the updates to make. */
export class PropertyVisitDto {
  @ApiProperty({ format: 'uuid' }) propertyId!: string;
  @ApiProperty() propertyName!: string;
  @ApiProperty({
    example: '2026-12-30',
    description:
      'The earliest due date among its locks; the last day of the horizon when only firmware is behind',
  })
  visitBy!: string;
  @ApiProperty({ type: [PlanLockDto], description: 'By due date (undated last), then serial' })
  locks!: PlanLockDto[];
  @ApiProperty({ type: [PlanBatteriesDto], description: 'For the locks with a battery reason' })
  batteries!: PlanBatteriesDto[];
  @ApiProperty({ type: [PlanFirmwareDto] }) firmware!: PlanFirmwareDto[];
}

export class MaintenancePlanDto extends PageMetaDto {
  @ApiProperty({ example: 30 }) days!: number;
  @ApiProperty({ example: '2026-11-28', description: 'First day of the horizon (today, UTC)' })
  from!: string;
  @ApiProperty({ example: '2026-12-28', description: 'Last day of the horizon' }) until!: string;
  @ApiProperty({ example: '2026-11-28T08:15:00.000Z' }) generatedAt!: string;
  @ApiProperty({
    type: [PropertyVisitDto],
    description: 'One visit per property, by visitBy then property name',
  })
  data!: PropertyVisitDto[];
}
