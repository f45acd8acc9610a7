import { Logger } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsInt, IsObject, IsOptional, Max, Min, ValidateNested } from 'class-validator';
import type { EntityManager } from 'typeorm';
import { Omittable } from '../common/validators.js';
import {
  ALWAYS_OPEN,
  type BusinessHours,
  MAX_HOLIDAYS,
  MAX_INTERVALS_PER_DAY,
  MIN_OPEN_MINUTES_PER_WEEK,
  pickBusinessHours,
  validateBusinessHours,
} from './sla.util.js';
import { PRIORITIES, type Priority } from './ticket-state.util.js';

export interface ProactiveThresholds {
  batteryPercent: number;
  offlineHours: number;
  jamsPerHour: number;
}

export interface DeskSettings {
  businessHours: BusinessHours;
  reopenWindowDays: number;
  maxOpenPerAgent: number;
  autoAssign: boolean;
  lastAssigneeId: string | null;
  proactive: ProactiveThresholds;
}

export interface SlaTarget {
  firstResponseMinutes: number | null;
  resolutionMinutes: number | null;
}

/** Business minutes, used until a tenant sets its own policies. */
export const DEFAULT_SLA: Record<Priority, SlaTarget> = {
  urgent: { firstResponseMinutes: 30, resolutionMinutes: 240 },
  high: { firstResponseMinutes: 60, resolutionMinutes: 480 },
  normal: { firstResponseMinutes: 240, resolutionMinutes: 1440 },
  low: { firstResponseMinutes: 480, resolutionMinutes: 4320 },
};

export const DEFAULT_PROACTIVE: ProactiveThresholds = {
  batteryPercent: 15,
  offlineHours: 24,
  jamsPerHour: 3,
};

export function defaultDeskSettings(): DeskSettings {
  return {
    businessHours: ALWAYS_OPEN('UTC'),
    reopenWindowDays: 7,
    maxOpenPerAgent: 25,
    autoAssign: false,
    lastAssigneeId: null,
    proactive: DEFAULT_PROACTIVE,
  };
}

interface SettingsRow {
  business_hours: BusinessHours;
  reopen_window_days: number;
  max_open_per_agent: number;
  auto_assign: boolean;
  last_assignee_id: string | null;
  proactive: ProactiveThresholds;
}

const logger = new Logger('DeskSettings');
/** Stored hours already found valid (each request loads them; validating 500 holidays each time is waste). */
const validStoredHours = new Set<string>();

/**
 * Business hours as stored, reduced to the known fields and checked against today's limits.
 * Rows written before the limits existed may break them (1 minute a week, thousands of
 * holidays, junk fields): such hours are replaced by 24x7 UTC, with a warning, rather than
 * letting them slow every SLA computation; an admin sees the hours in effect and can set valid ones.
 */
export function storedBusinessHours(stored: unknown): BusinessHours {
  const picked = pickBusinessHours(stored);
  const key = JSON.stringify(picked);
  if (validStoredHours.has(key)) return picked as BusinessHours;
  const problems = validateBusinessHours(picked);
  if (problems.length === 0) {
    if (validStoredHours.size >= 1_000) validStoredHours.clear();
    validStoredHours.add(key);
    return picked as BusinessHours;
  }
  logger.warn(
    { problems: problems.slice(0, 5) },
    'stored business hours break the current limits; using 24x7 UTC until they are set again',
  );
  return ALWAYS_OPEN('UTC');
}

export async function loadDeskSettings(em: EntityManager, lock = false): Promise<DeskSettings> {
  const [row] = await em.query<SettingsRow[]>(
    `SELECT * FROM desk_settings ${lock ? 'FOR UPDATE' : ''}`,
  );
  if (!row) return defaultDeskSettings();
  return {
    businessHours: storedBusinessHours(row.business_hours),
    reopenWindowDays: row.reopen_window_days,
    maxOpenPerAgent: row.max_open_per_agent,
    autoAssign: row.auto_assign,
    lastAssigneeId: row.last_assignee_id,
    proactive: { ...DEFAULT_PROACTIVE, ...row.proactive },
  };
}

export async function loadSlaTarget(em: EntityManager, priority: Priority): Promise<SlaTarget> {
  const [row] = await em.query<
    { first_response_minutes: number | null; resolution_minutes: number | null }[]
  >(`SELECT first_response_minutes, resolution_minutes FROM sla_policies WHERE priority = $1`, [
    priority,
  ]);
  return row
    ? {
        firstResponseMinutes: row.first_response_minutes,
        resolutionMinutes: row.resolution_minutes,
      }
    : DEFAULT_SLA[priority];
}

export async function loadSlaPolicies(em: EntityManager): Promise<Record<Priority, SlaTarget>> {
  const rows = await em.query<
    {
      priority: Priority;
      first_response_minutes: number | null;
      resolution_minutes: number | null;
    }[]
  >(`SELECT priority, first_response_minutes, resolution_minutes FROM sla_policies`);
  const out = { ...DEFAULT_SLA };
  for (const r of rows)
    out[r.priority] = {
      firstResponseMinutes: r.first_response_minutes,
      resolutionMinutes: r.resolution_minutes,
    };
  return out;
}

export class ProactiveDto {
  @ApiProperty({
    description: 'Open a maintenance ticket at or below this battery level',
    default: 15,
  })
  @IsInt()
  @Min(1)
  @Max(99)
  batteryPercent!: number;
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

export { PRIORITIES };
