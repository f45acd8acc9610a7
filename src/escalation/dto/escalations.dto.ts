import { ApiProperty, ApiPropertyOptional, OmitType } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, IsUUID, Length, MaxLength } from 'class-validator';
import { PageMetaDto, PageQueryDto } from '../../common/pagination.js';
import { IsStrictIsoDate, Trim } from '../../common/validators.js';
import { CAUSE_CODES, type CauseCode } from '../../diagnostics/index.js';

export const TARGETS = ['locksmith', 'manufacturer'] as const;
export type Target = (typeof TARGETS)[number];
export const ESCALATION_STATUSES = [
  'queued',
  'routed',
  'claimed',
  'scheduled',
  'resolved',
  'cancelled',
  'closed',
] as const;
export type EscalationStatus = (typeof ESCALATION_STATUSES)[number];

/** Why a queued escalation waits: what would let it be routed. */
export const WAITING_FOR = [
  /** no linked locksmith's postal codes or cities cover the property: link one, or widen an area */
  'no_linked_partner_covers_property',
  /** no linked manufacturer partner serves the lock's brand */
  'no_linked_partner_serves_brand',
  /** every linked partner that covers it declined it (or let it go stale) */
  'covering_partners_declined',
  /** the partners that cover it are at capacity: it is routed when one frees a slot */
  'partners_at_capacity',
] as const;
export type WaitingFor = (typeof WAITING_FOR)[number];

/** Everything the partner needs about the job, and nothing more (snapshotted when escalated). */
export interface WorkOrder {
  ticketNumber: string;
  customer: { name: string };
  property: {
    name: string;
    address: { postalCode?: string; city?: string } & Record<string, unknown>;
    unit: string | null;
  };
  lock: { manufacturer: string; model: string; serial: string; firmwareVersion: string | null };
  symptoms: string[];
  diagnosis: { likelyCauses: { code: string; probability: number }[]; recommendation: string };
  stepsTried: { step: string; outcome: string }[];
  /** The ticket's priority when it was escalated. */
  urgency: 'urgent' | 'high' | 'normal' | 'low';
  /** The agent's reason for escalating, when given. */
  escalationReason: string | null;
  accessNotes: string | null;
}

class CustomerNameDto {
  @ApiProperty() name!: string;
}

class SummaryAddressDto {
  @ApiProperty({ type: String, nullable: true }) postalCode!: string | null;
  @ApiProperty({ type: String, nullable: true }) city!: string | null;
}

class SummaryPropertyDto {
  @ApiProperty() name!: string;
  @ApiProperty({ type: String, nullable: true }) unit!: string | null;
  @ApiProperty({ type: SummaryAddressDto }) address!: SummaryAddressDto;
}

class SummaryLockDto {
  @ApiProperty() manufacturer!: string;
  @ApiProperty() model!: string;
  @ApiProperty() serial!: string;
}

class SummaryCauseDto {
  @ApiProperty() code!: string;
  @ApiProperty() probability!: number;
}

/**
 * What a list says about a work order: the fields of the work order a queue shows, under the
 * same names, plus its most likely cause. The whole work order: GET /v1/escalations/:id.
 */
export class WorkOrderSummary {
  @ApiProperty({ example: 'LD-42' }) ticketNumber!: string;
  @ApiProperty({ enum: ['urgent', 'high', 'normal', 'low'] }) urgency!: WorkOrder['urgency'];
  @ApiProperty({ type: CustomerNameDto }) customer!: CustomerNameDto;
  @ApiProperty({ type: SummaryPropertyDto }) property!: SummaryPropertyDto;
  @ApiProperty({ type: SummaryLockDto }) lock!: SummaryLockDto;
  @ApiProperty({ type: SummaryCauseDto, nullable: true }) topCause!: SummaryCauseDto | null;
}

export class EscalateDto {
  @ApiPropertyOptional({ enum: TARGETS, description: 'Defaults to the diagnosis’s recommendation' })
  @IsOptional()
  @IsIn(TARGETS)
  target?: Target;

  @ApiPropertyOptional({ maxLength: 2000 })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  reason?: string;

  @ApiPropertyOptional({ maxLength: 2000, example: 'Key safe code 4711; concierge on site 8-18' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  accessNotes?: string;
}

export class ListEscalationsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: TARGETS }) @IsOptional() @IsIn(TARGETS) queue?: Target;
  @ApiPropertyOptional({ enum: ESCALATION_STATUSES })
  @IsOptional()
  @IsIn(ESCALATION_STATUSES)
  status?: EscalationStatus;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() ticketId?: string;
}

export class LeaseDto {
  @ApiProperty({ format: 'uuid', description: 'The lease token your claim answered' })
  @IsUUID()
  leaseToken!: string;
}

export class ScheduleDto extends LeaseDto {
  @ApiProperty({
    example: '2026-11-23T09:30:00Z',
    description:
      'The visit: in the future and within ESCALATION_VISIT_HORIZON_DAYS (60 by default)',
  })
  @IsStrictIsoDate({ kind: 'datetime' })
  at!: string;
}

export class DeclineDto {
  @ApiProperty({ maxLength: 2000 }) @Trim() @IsString() @Length(1, 2000) reason!: string;
}

export class CancelEscalationDto {
  @ApiProperty({ maxLength: 2000, example: 'The tenant found the spare key' })
  @Trim()
  @Length(1, 2000, { message: 'reason is required: 1 to 2000 characters' })
  @IsString({ message: 'reason is required: 1 to 2000 characters' })
  reason!: string;
}

export class RerouteDto {
  @ApiProperty({
    format: 'uuid',
    description: 'A linked partner of the escalation’s kind (its tenantId in GET /v1/partners)',
  })
  @IsUUID('all', { message: 'partnerId is required: the tenantId of a linked partner' })
  partnerId!: string;
}

export class ResolveEscalationDto extends LeaseDto {
  @ApiProperty({ enum: CAUSE_CODES }) @IsIn(CAUSE_CODES) confirmedCause!: CauseCode;
  @ApiProperty({ maxLength: 5000 }) @Trim() @IsString() @Length(1, 5000) notes!: string;
}

export class PartnerRef {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'Alfama Locks' }) name!: string;
}

export class EscalationView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid', description: 'The customer tenant' }) customerTenantId!: string;
  @ApiProperty({ format: 'uuid' }) ticketId!: string;
  @ApiProperty({ enum: TARGETS }) queue!: Target;
  @ApiProperty({ type: String, nullable: true, format: 'uuid' }) partnerTenantId!: string | null;
  @ApiProperty({
    type: PartnerRef,
    nullable: true,
    description: 'The partner it is (or was, once ended) routed to; null while queued',
  })
  partner!: PartnerRef | null;
  @ApiProperty({
    enum: ESCALATION_STATUSES,
    description:
      'queued (waits: see waitingFor) → routed → claimed → scheduled → resolved; cancelled by the customer; ' +
      'closed when its ticket is solved or closed on the desk',
  })
  status!: EscalationStatus;
  @ApiProperty() urgent!: boolean;
  @ApiProperty({
    enum: WAITING_FOR,
    nullable: true,
    description: 'While queued: what it waits for',
  })
  waitingFor!: WaitingFor | null;
  @ApiProperty({ type: String, nullable: true, description: 'Why it waits in the queue, in words' })
  waitingReason!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description:
      'Why it was cancelled (the customer’s reason) or closed (ticket_solved, ticket_closed)',
  })
  endReason!: string | null;
  @ApiProperty({ type: Object, description: 'Everything the partner needs, and nothing more' })
  workOrder!: unknown;
  @ApiProperty({ type: String, nullable: true }) leaseExpiresAt!: string | null;
  @ApiPropertyOptional({ format: 'uuid', description: 'Only in the answer to a claim' })
  leaseToken?: string;
  @ApiProperty({ type: String, nullable: true }) scheduledAt!: string | null;
  @ApiProperty({ enum: CAUSE_CODES, nullable: true }) confirmedCause!: CauseCode | null;
  @ApiProperty({ type: String, nullable: true }) notes!: string | null;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
}

/** An escalation as lists show it: the work order's summary, no resolution notes. */
export class EscalationListItem extends OmitType(EscalationView, [
  'workOrder',
  'notes',
  'leaseToken',
] as const) {
  @ApiProperty({
    type: WorkOrderSummary,
    description: 'The work order’s summary; the whole one: GET /v1/escalations/:id',
  })
  workOrder!: WorkOrderSummary;
}

export class EscalationPageDto extends PageMetaDto {
  @ApiProperty({ type: [EscalationListItem] }) data!: EscalationListItem[];
}

export class EscalatedTicketRef {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'on_hold' }) status!: string;
  @ApiProperty({ description: 'The ticket’s new version (If-Match for PATCH)' }) version!: number;
}

/** The answer to escalating a ticket: the escalation, and the ticket it put on hold. */
export class EscalateAnswer extends EscalationView {
  @ApiProperty({ type: EscalatedTicketRef }) ticket!: EscalatedTicketRef;
}
