import { ApiProperty, ApiPropertyOptional, OmitType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { ActorView } from '../../common/actor.dto.js';
import { PageMetaDto, PageQueryDto } from '../../common/pagination.js';
import { IsStrictIsoDate, Trim } from '../../common/validators.js';
import { CAUSE_CODES, type CauseCode } from '../../diagnostics/index.js';
import { ContactDto } from '../../devices/index.js';

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

class CustomerNameDto {
  @ApiProperty() name!: string;
}

class WorkOrderAddress {
  @ApiPropertyOptional({ example: '12 Harbor Street' }) line1?: string;
  @ApiPropertyOptional({ example: 'Building B' }) line2?: string;
  @ApiPropertyOptional({ example: 'Lisbon' }) city?: string;
  @ApiPropertyOptional({ example: '1100-148' }) postalCode?: string;
  @ApiPropertyOptional({ example: 'Lisboa' }) region?: string;
  @ApiPropertyOptional({ example: 'PT' }) country?: string;
}

class WorkOrderProperty {
  @ApiProperty({ example: 'Harbor View Apartments' }) name!: string;
  @ApiProperty({ type: WorkOrderAddress }) address!: {
    postalCode?: string;
    city?: string;
  } & Record<string, unknown>;
  @ApiProperty({ type: String, nullable: true, example: '1A' }) unit!: string | null;
}

class WorkOrderBattery {
  @ApiProperty({ type: Number, nullable: true, example: 35, description: 'Last reported, 0-100' })
  percent!: number | null;
  @ApiProperty({ type: String, nullable: true, description: 'When it was reported' })
  at!: string | null;
}

class WorkOrderOnline {
  @ApiProperty({ type: Boolean, nullable: true, description: 'Last reported connection state' })
  online!: boolean | null;
  @ApiProperty({ type: String, nullable: true, description: 'When the lock was last heard from' })
  lastSeenAt!: string | null;
}

class WorkOrderJams {
  @ApiProperty({ example: 30, description: 'The window, in days before the escalation' })
  days!: number;
  @ApiProperty({ example: 3, description: 'Jams the lock reported in the window' }) count!: number;
  @ApiProperty({ type: String, nullable: true, description: 'The last one in the window' })
  lastAt!: string | null;
}

class WorkOrderLock {
  @ApiProperty({ example: 'Yale' }) manufacturer!: string;
  @ApiProperty({ example: 'Assure Lock 2 Keypad' }) model!: string;
  @ApiProperty({ example: 'SN-1042' }) serial!: string;
  @ApiProperty({ type: String, nullable: true, example: '2.9.1' })
  firmwareVersion!: string | null;
  @ApiProperty({ type: String, nullable: true, enum: ['battery', 'wired', 'rechargeable'] })
  powerSource!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    example: 'bluetooth',
    description: 'The lock’s protocol, else its model’s when the model speaks only one',
  })
  protocol!: string | null;
  @ApiProperty({ type: [String], example: ['bluetooth'], description: 'What its model speaks' })
  modelProtocols!: string[];
  @ApiProperty({ type: WorkOrderBattery }) battery!: WorkOrderBattery;
  @ApiProperty({ type: WorkOrderOnline }) online!: WorkOrderOnline;
  @ApiProperty({ type: WorkOrderJams }) recentJams!: WorkOrderJams;
}

class WorkOrderCause {
  @ApiProperty({ example: 'broken_key_stuck' }) code!: string;
  @ApiProperty({ example: 0.62 }) probability!: number;
  @ApiProperty({ type: String, nullable: true, example: 'mechanical' }) category!: string | null;
  @ApiProperty({ type: [String], example: ['symptom: key broken in lock'] }) evidence!: string[];
}

class WorkOrderDiagnosis {
  @ApiProperty({ type: [WorkOrderCause], description: 'The top three, ranked' })
  likelyCauses!: WorkOrderCause[];
  @ApiProperty({ description: 'What the partner is asked to do' }) recommendation!: string;
}

class WorkOrderStep {
  @ApiProperty({ example: 'check_battery_level' }) step!: string;
  @ApiProperty({ example: 'not_fixed' }) outcome!: string;
  @ApiProperty({ type: String, nullable: true, description: 'What the person who tried it wrote' })
  note!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'When it was tried' })
  at!: string | null;
}

export class WorkOrderContact {
  @ApiProperty({ example: 'Rui Costa (concierge)' }) name!: string;
  @ApiProperty({ example: '+351 912 345 678' }) phone!: string;
}

/**
 * Everything the partner needs about the job, and nothing more (snapshotted when escalated).
 * Work orders snapshotted before a field existed answer it as null (or empty).
 */
export class WorkOrder {
  @ApiProperty({ example: 'LD-42' }) ticketNumber!: string;
  @ApiProperty({ type: CustomerNameDto }) customer!: { name: string };
  @ApiProperty({ description: 'What the reporter wrote' }) description!: string;
  @ApiProperty({ type: WorkOrderProperty }) property!: WorkOrderProperty;
  @ApiProperty({ type: WorkOrderLock }) lock!: WorkOrderLock;
  @ApiProperty({ type: [String] }) symptoms!: string[];
  @ApiProperty({ type: WorkOrderDiagnosis }) diagnosis!: WorkOrderDiagnosis;
  @ApiProperty({ type: [WorkOrderStep], description: 'Every step tried, oldest first' })
  stepsTried!: WorkOrderStep[];
  @ApiProperty({
    enum: ['urgent', 'high', 'normal', 'low'],
    description: 'The ticket’s priority when it was escalated',
  })
  urgency!: 'urgent' | 'high' | 'normal' | 'low';
  @ApiProperty({ type: String, nullable: true, description: 'The agent’s reason for escalating' })
  escalationReason!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Given at escalation, else the property’s',
  })
  accessNotes!: string | null;
  @ApiProperty({
    type: WorkOrderContact,
    nullable: true,
    description: 'The on-site contact: given at escalation, else the property’s',
  })
  contact!: WorkOrderContact | null;
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

  @ApiPropertyOptional({
    maxLength: 2000,
    example: 'Key safe code 4711; concierge on site 8-18',
    description: 'For this job; defaults to the property’s access notes',
  })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  accessNotes?: string;

  @ApiPropertyOptional({
    type: ContactDto,
    description: 'The on-site contact for this job; defaults to the property’s',
  })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => ContactDto)
  contact?: ContactDto;
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

/** A UTC instant written with `Z`: 2026-11-23T09:30:00Z. */
const INSTANT_Z = /Z$/;

export class VisitWindowDto {
  @ApiProperty({ example: '2026-11-23T09:00:00Z', description: 'Start of the visit window (UTC)' })
  @Matches(INSTANT_Z, { message: 'visitWindow.from must be a UTC time ending in Z' })
  @IsStrictIsoDate(
    { kind: 'datetime' },
    { message: 'visitWindow.from must be a time such as 2026-11-23T09:00:00Z' },
  )
  from!: string;

  @ApiProperty({
    example: '2026-11-23T12:00:00Z',
    description:
      'End of the visit window (UTC): after `from`, in the future, within ESCALATION_VISIT_HORIZON_DAYS',
  })
  @Matches(INSTANT_Z, { message: 'visitWindow.to must be a UTC time ending in Z' })
  @IsStrictIsoDate(
    { kind: 'datetime' },
    { message: 'visitWindow.to must be a time such as 2026-11-23T12:00:00Z' },
  )
  to!: string;
}

export class ScheduleDto extends LeaseDto {
  @ApiPropertyOptional({
    type: VisitWindowDto,
    description: 'When the visit will happen: `{from, to}`. Send this or `at`.',
  })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => VisitWindowDto)
  visitWindow?: VisitWindowDto;

  @ApiPropertyOptional({
    example: '2026-11-23T09:30:00Z',
    deprecated: true,
    description:
      'Older clients: the visit’s start; the window is `at` to `at` + VISIT_SLOT_HOURS (2 h). In the future and ' +
      'within ESCALATION_VISIT_HORIZON_DAYS (60 by default). Send this or `visitWindow`.',
  })
  @IsOptional()
  @IsStrictIsoDate({ kind: 'datetime' })
  at?: string;
}

export class VisitWindowView {
  @ApiProperty({ example: '2026-11-23T09:00:00.000Z' }) from!: string;
  @ApiProperty({ example: '2026-11-23T12:00:00.000Z' }) to!: string;
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

export class EscalationView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid', description: 'The customer tenant' }) customerTenantId!: string;
  @ApiProperty({ format: 'uuid' }) ticketId!: string;
  @ApiProperty({ enum: TARGETS }) queue!: Target;
  @ApiProperty({ type: String, nullable: true, format: 'uuid' }) partnerTenantId!: string | null;
  @ApiProperty({
    type: ActorView,
    nullable: true,
    description:
      'The partner company it is (or was, once ended) routed to (`kind: partner`); null while queued',
  })
  partner!: ActorView | null;
  @ApiProperty({
    type: ActorView,
    nullable: true,
    description:
      'Who holds (or held) the claim, and so resolved it: the partner company as the customer sees it, ' +
      'the partner’s own person (`kind: user`) as the partner sees it; null until claimed',
  })
  claimedBy!: ActorView | null;
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
  @ApiProperty({ type: WorkOrder, description: 'Everything the partner needs, and nothing more' })
  workOrder!: WorkOrder;
  @ApiProperty({ type: String, nullable: true }) leaseExpiresAt!: string | null;
  @ApiPropertyOptional({ format: 'uuid', description: 'Only in the answer to a claim' })
  leaseToken?: string;
  @ApiProperty({ type: String, nullable: true, description: 'The visit window’s start' })
  scheduledAt!: string | null;
  @ApiProperty({
    type: VisitWindowView,
    nullable: true,
    description: 'The booked visit window, once scheduled',
  })
  visitWindow!: VisitWindowView | null;
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
