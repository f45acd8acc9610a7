import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { IsStrictIsoDate } from '../../common/validators.js';
import { GROUP_BYS, type GroupBy } from '../reports.repository.js';

export class ReportQueryDto {
  @ApiPropertyOptional({
    description:
      'Start of the period, inclusive: a date (UTC midnight) or a time with a zone. Default: 30 days before `to`.',
    example: '2026-11-01',
  })
  @IsOptional()
  @IsStrictIsoDate()
  from?: string;

  @ApiPropertyOptional({
    description:
      'End of the period: a time with a zone (exclusive), or a date (the whole day included). Default: now.',
    example: '2026-11-30',
  })
  @IsOptional()
  @IsStrictIsoDate()
  to?: string;

  @ApiPropertyOptional({
    enum: GROUP_BYS,
    description:
      'The dimension rows are grouped by; each report names the ones it takes and its default.',
  })
  @IsOptional()
  @IsIn(GROUP_BYS)
  groupBy?: GroupBy;
}

export class ScorecardQueryDto {
  @ApiPropertyOptional({ description: 'As for reports. Default: 90 days before `to`.' })
  @IsOptional()
  @IsStrictIsoDate()
  from?: string;

  @ApiPropertyOptional({ description: 'As for reports. Default: now.' })
  @IsOptional()
  @IsStrictIsoDate()
  to?: string;
}

class ReportHead {
  @ApiProperty({ example: 'tickets' }) report!: string;
  @ApiProperty({ example: '2026-11-01T00:00:00.000Z' }) from!: string;
  @ApiProperty({ example: '2026-12-01T00:00:00.000Z', description: 'Exclusive' }) to!: string;
  @ApiProperty({ enum: GROUP_BYS }) groupBy!: GroupBy;
}

// ---- tickets ----

export class VolumeFigures {
  @ApiProperty({ description: 'Tickets created in the period' }) tickets!: number;
  @ApiProperty({ description: 'Of them, not solved or closed now' }) open!: number;
  @ApiProperty({ description: 'Of them, solved now' }) solved!: number;
  @ApiProperty({ description: 'Of them, escalated at least once' }) escalated!: number;
}
export class VolumeRowDto extends VolumeFigures {
  @ApiProperty() key!: string;
  @ApiProperty() label!: string;
}
export class VolumeReportDto extends ReportHead {
  @ApiProperty({ type: [VolumeRowDto] }) rows!: VolumeRowDto[];
  @ApiProperty({ type: VolumeFigures }) total!: VolumeFigures;
}

// ---- sla ----

export class SlaFigures {
  @ApiProperty() tickets!: number;
  @ApiProperty({ description: 'Tickets with a first response' }) responded!: number;
  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'Median minutes from creation to first response (elapsed time)',
  })
  firstResponseMedianMinutes!: number | null;
  @ApiProperty() solved!: number;
  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'Median minutes from creation to solved (elapsed time)',
  })
  resolutionMedianMinutes!: number | null;
  @ApiProperty({ description: 'Tickets with an SLA target (their priority has a policy)' })
  slaTickets!: number;
  @ApiProperty({ description: 'Solved or closed without a breach' }) slaMet!: number;
  @ApiProperty({ description: 'Breached (first response or resolution late)' })
  slaBreached!: number;
  @ApiProperty({ description: 'Still open and not breached yet' }) slaPending!: number;
  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'slaMet / (slaMet + slaBreached), 0..1; null when none is decided',
  })
  slaAttainment!: number | null;
}
export class SlaRowDto extends SlaFigures {
  @ApiProperty() key!: string;
  @ApiProperty() label!: string;
}
export class SlaReportDto extends ReportHead {
  @ApiProperty({ type: [SlaRowDto] }) rows!: SlaRowDto[];
  @ApiProperty({ type: SlaFigures }) total!: SlaFigures;
}

// ---- outcomes ----

export class OutcomeFigures {
  @ApiProperty() tickets!: number;
  @ApiProperty() solved!: number;
  @ApiProperty({ description: 'Solved with no escalation ever' }) solvedWithoutEscalation!: number;
  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'solvedWithoutEscalation / solved, 0..1',
  })
  deflectionRate!: number | null;
  @ApiProperty({ description: 'Tickets with a step tried (outcome fixed or not_fixed)' })
  stepped!: number;
  @ApiProperty({ description: 'Of them, the first step tried fixed it' }) firstStepFixed!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'firstStepFixed / stepped, 0..1' })
  firstStepSuccessRate!: number | null;
}
export class OutcomeRowDto extends OutcomeFigures {
  @ApiProperty() key!: string;
  @ApiProperty() label!: string;
}
export class OutcomeReportDto extends ReportHead {
  @ApiProperty({ type: [OutcomeRowDto] }) rows!: OutcomeRowDto[];
  @ApiProperty({ type: OutcomeFigures }) total!: OutcomeFigures;
}

// ---- repeat failures ----

export class RepeatFigures {
  @ApiProperty({
    description: 'Locks with 3+ tickets within 90 days, the third or a later one in the period',
  })
  repeatLocks!: number;
  @ApiProperty({ description: 'Their tickets created in the period' }) tickets!: number;
  @ApiProperty({ description: 'The most tickets one of them had within 90 days' })
  maxTicketsIn90Days!: number;
}
export class RepeatRowDto extends RepeatFigures {
  @ApiProperty() key!: string;
  @ApiProperty() label!: string;
}
export class RepeatReportDto extends ReportHead {
  @ApiProperty({ type: [RepeatRowDto] }) rows!: RepeatRowDto[];
  @ApiProperty({ type: RepeatFigures }) total!: RepeatFigures;
}

// ---- mtbf ----

export class MtbfFigures {
  @ApiProperty({ description: 'Locks in service during the period' }) locks!: number;
  @ApiProperty({ description: 'Their days in service within the period' }) deviceDays!: number;
  @ApiProperty({ description: 'Reported tickets (failures) created in the period' })
  failures!: number;
  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'deviceDays / failures; null without failures',
  })
  mtbfDays!: number | null;
}
export class MtbfRowDto extends MtbfFigures {
  @ApiProperty() key!: string;
  @ApiProperty() label!: string;
}
export class MtbfReportDto extends ReportHead {
  @ApiProperty({ type: [MtbfRowDto] }) rows!: MtbfRowDto[];
  @ApiProperty({ type: MtbfFigures }) total!: MtbfFigures;
}

/** Any report: a head, rows (key, label, figures) and the total. */
export interface Report<F extends object> {
  report: string;
  from: string;
  to: string;
  groupBy: GroupBy;
  rows: (F & { key: string; label: string })[];
  total: F;
}
