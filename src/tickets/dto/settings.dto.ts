import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsInt, IsObject, IsOptional, Max, Min, ValidateNested } from 'class-validator';
import { Omittable } from '../../common/validators.js';
import {
  type BusinessHours,
  MAX_HOLIDAYS,
  MAX_INTERVALS_PER_DAY,
  MIN_OPEN_MINUTES_PER_WEEK,
} from '../sla.util.js';

export class ProactiveDto {
  @ApiPropertyOptional({
    description:
      'Read-only: a maintenance ticket opens at or below this battery level, the same level that ' +
      'flags a lock `lowBattery`: the app’s LOW_BATTERY_PERCENT (default 20). A PUT may repeat ' +
      'it (what GET answered) but not change it (400).',
    default: 20,
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(99)
  batteryPercent?: number;
  @ApiProperty({ description: 'Open one when a lock has been silent this long', default: 24 })
  @IsInt()
  @Min(1)
  @Max(24 * 90)
  offlineHours!: number;
  @ApiProperty({ description: 'Open one when a lock jams this often within an hour', default: 3 })
  @IsInt()
  @Min(1)
  @Max(1000)
  jamsPerHour!: number;
}

export class DeskSettingsDto {
  @ApiPropertyOptional({
    description:
      'Time zone and weekly hours; SLA clocks run only inside them. Only `timeZone`, `days` ' +
      `(keys 0 = Sunday to 6, each a list of at most ${MAX_INTERVALS_PER_DAY} ` +
      '`{start, end}` "HH:MM" intervals in ascending order, not overlapping; "24:00" may end one) ' +
      `and \`holidays\` (at most ${MAX_HOLIDAYS} "YYYY-MM-DD" local dates). Open at least ` +
      `${MIN_OPEN_MINUTES_PER_WEEK} minutes a week.`,
    example: {
      timeZone: 'Europe/Lisbon',
      days: {
        0: [],
        1: [{ start: '09:00', end: '17:00' }],
        2: [{ start: '09:00', end: '17:00' }],
        3: [],
        4: [],
        5: [],
        6: [],
      },
      holidays: ['2026-12-25'],
    },
  })
  @Omittable()
  @IsObject()
  businessHours?: BusinessHours;

  @ApiPropertyOptional({ description: 'Days a solved ticket may be reopened', default: 7 })
  @Omittable()
  @IsInt()
  @Min(0)
  @Max(365)
  reopenWindowDays?: number;

  @ApiPropertyOptional({
    description: 'Automatic assignment skips agents with this many open tickets',
    default: 25,
  })
  @Omittable()
  @IsInt()
  @Min(1)
  @Max(10000)
  maxOpenPerAgent?: number;

  @ApiPropertyOptional({
    description: 'Round-robin new tickets among available agents',
    default: false,
  })
  @Omittable()
  @IsBoolean()
  autoAssign?: boolean;

  @ApiPropertyOptional({ type: ProactiveDto })
  @Omittable()
  @ValidateNested()
  @Type(() => ProactiveDto)
  proactive?: ProactiveDto;
}

export class SlaTargetDto {
  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'Business minutes to the first public answer',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(525_600)
  firstResponseMinutes!: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Business minutes to solved' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(525_600)
  resolutionMinutes!: number | null;
}

export class SlaPoliciesDto {
  @ApiPropertyOptional({ type: SlaTargetDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => SlaTargetDto)
  urgent?: SlaTargetDto;
  @ApiPropertyOptional({ type: SlaTargetDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => SlaTargetDto)
  high?: SlaTargetDto;
  @ApiPropertyOptional({ type: SlaTargetDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => SlaTargetDto)
  normal?: SlaTargetDto;
  @ApiPropertyOptional({ type: SlaTargetDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => SlaTargetDto)
  low?: SlaTargetDto;
}
