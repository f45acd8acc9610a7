import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, IsUUID, Length } from 'class-validator';
import { PageMetaDto, PageQueryDto } from '../../common/pagination.js';
import { Trim } from '../../common/validators.js';
import { CAUSE_CODES, type CauseCode } from '../../diagnostics/index.js';

export const INCIDENT_STATES = ['open', 'acknowledged', 'resolved'] as const;
export const INCIDENT_KINDS = ['cause', 'telemetry'] as const;

export class ListIncidentsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: INCIDENT_STATES })
  @IsOptional()
  @IsIn(INCIDENT_STATES)
  state?: (typeof INCIDENT_STATES)[number];

  @ApiPropertyOptional({
    format: 'uuid',
    description: 'Only the incidents this ticket belongs to (what a ticket’s page shows)',
  })
  @IsOptional()
  @IsUUID()
  ticketId?: string;
}

export class ResolveIncidentDto {
  @ApiProperty({ enum: CAUSE_CODES, description: 'The cause confirmed for the whole cluster' })
  @IsIn(CAUSE_CODES)
  confirmedCause!: CauseCode;
  @ApiProperty({ example: 'Vendor hotfix 2.1.1 rolled out to every affected lock.' })
  @Trim()
  @IsString()
  @Length(1, 5000)
  resolution!: string;
}

/** An incident as lists show it. */
export class IncidentSummaryView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'Acme Bolt 9, firmware 2.1.0: tickets with top cause firmware_outdated' })
  title!: string;
  @ApiProperty({ enum: INCIDENT_STATES }) state!: string;
  @ApiProperty({
    enum: INCIDENT_KINDS,
    description: '`cause`: tickets sharing a top cause; `telemetry`: locks sharing an anomaly',
  })
  kind!: string;
  @ApiProperty({
    example: 'firmware_outdated',
    description:
      'The shared top cause (a cause code), or the telemetry event type (jam, offline, code_failed)',
  })
  signal!: string;
  @ApiProperty({ format: 'uuid' }) modelId!: string;
  @ApiProperty({ type: String, nullable: true, example: 'Acme Bolt 9' }) modelName!: string | null;
  @ApiProperty({ type: String, nullable: true, example: '2.1.0' }) firmwareVersion!: string | null;
  @ApiProperty({
    enum: CAUSE_CODES,
    nullable: true,
    description: 'The shared top cause; for telemetry, the most frequent top cause of its tickets',
  })
  suspectedCause!: string | null;
  @ApiProperty() lockCount!: number;
  @ApiProperty() ticketCount!: number;
  @ApiProperty({ description: 'The last test’s one-sided Poisson p-value' }) pValue!: number;
  @ApiProperty() firstSeenAt!: string;
  @ApiProperty() lastSeenAt!: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
}

export class IncidentPageDto extends PageMetaDto {
  @ApiProperty({ type: [IncidentSummaryView] }) data!: IncidentSummaryView[];
}

/** The figures of the last test of the cluster (see the detection rule in the README). */
export class IncidentEvidenceView {
  @ApiProperty() testedAt!: string;
  @ApiProperty({ description: 'Start of the window counted' }) windowStart!: string;
  @ApiProperty({ example: 7 }) windowDays!: number;
  @ApiProperty({ example: 90 }) baselineDays!: number;
  @ApiProperty({ description: 'Lock-days with the signal in the window (the test’s k)' })
  lockDays!: number;
  @ApiProperty({ description: 'Distinct locks with the signal in the window' })
  locksAffected!: number;
  @ApiProperty({ description: 'Active locks of the model on this firmware' }) groupLocks!: number;
  @ApiProperty({ description: 'Active locks of the model' }) modelLocks!: number;
  @ApiProperty({ description: 'Lock-days with the signal on the model in the baseline' })
  baselineLockDaysWithSignal!: number;
  @ApiProperty() baselineLockDays!: number;
  @ApiProperty({ description: 'Base rate per lock-day, with the prior pseudo-count' })
  baseRate!: number;
  @ApiProperty({ description: 'Rate per lock-day in the window' }) rate!: number;
  @ApiProperty({ type: Number, nullable: true }) rateRatio!: number | null;
  @ApiProperty({ description: 'Expected lock-days at the base rate (the test’s lambda)' })
  expected!: number;
  @ApiProperty() pValue!: number;
  @ApiProperty({ example: 0.0001 }) alpha!: number;
  @ApiProperty({ example: 5 }) minLocks!: number;
}

export class IncidentTicketView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'LD-1042' }) number!: string;
  @ApiProperty({ format: 'uuid' }) deviceId!: string;
  @ApiProperty({ example: 'open' }) status!: string;
  @ApiProperty({ type: String, nullable: true, example: 'firmware_outdated' })
  topCause!: string | null;
  @ApiProperty() createdAt!: string;
}

export class IncidentLockView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'YL-2A-0042' }) serial!: string;
  @ApiProperty() firstSeenAt!: string;
  @ApiProperty() lastSeenAt!: string;
}

export class IncidentView extends IncidentSummaryView {
  @ApiProperty({ type: IncidentEvidenceView }) evidence!: IncidentEvidenceView;
  @ApiProperty({
    type: [IncidentTicketView],
    description: 'Its tickets, oldest first (the first 500)',
  })
  tickets!: IncidentTicketView[];
  @ApiProperty({
    type: [IncidentLockView],
    description: 'Its locks, first seen first (the first 500)',
  })
  locks!: IncidentLockView[];
  @ApiProperty({ enum: CAUSE_CODES, nullable: true }) confirmedCause!: string | null;
  @ApiProperty({ type: String, nullable: true }) resolution!: string | null;
  @ApiProperty({ type: String, nullable: true }) acknowledgedAt!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'uuid' }) acknowledgedBy!: string | null;
  @ApiProperty({ type: String, nullable: true }) resolvedAt!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'uuid' }) resolvedBy!: string | null;
  @ApiProperty({
    description: 'Tickets solved by this resolve (resolve answers only)',
    required: false,
  })
  ticketsResolved?: number;
  @ApiProperty() version!: number;
}
