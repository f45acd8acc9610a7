import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Max,
  MaxLength,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { ActorView } from '../../common/actor.dto.js';
import { PageMetaDto, PageQueryDto } from '../../common/pagination.js';
import { IsStrictIsoDate, Trim } from '../../common/validators.js';
import { AnswerDto, DiagnosisResponseDto } from '../../diagnostics/index.js';
import {
  CAUSE_CODES,
  type CauseCode,
  STEP_CODES,
  STEP_OUTCOMES,
  type StepCode,
  type StepOutcome,
  SYMPTOM_CODES,
  type SymptomCode,
} from '../../diagnostics/index.js';
import {
  PRIORITIES,
  type Priority,
  TICKET_STATUSES,
  type TicketStatus,
} from '../ticket-state.util.js';

export class CreateTicketDto {
  @ApiPropertyOptional({
    format: 'uuid',
    description:
      'The lock. Name it by exactly one of `deviceId`, `serial`, or `propertyId` with `unit`',
  })
  @IsOptional()
  @IsUUID()
  deviceId?: string;

  @ApiPropertyOptional({ example: 'YL-2A-0042', description: 'The lock’s serial (this tenant’s)' })
  @IsOptional()
  @Trim()
  @IsString()
  @Length(1, 100)
  serial?: string;

  @ApiPropertyOptional({
    format: 'uuid',
    description: 'With `unit`: the property whose unit has the lock (its one active lock)',
  })
  @IsOptional()
  @IsUUID()
  propertyId?: string;

  @ApiPropertyOptional({ example: '2A', description: 'With `propertyId` (case-insensitive)' })
  @IsOptional()
  @Trim()
  @IsString()
  @Length(1, 100)
  unit?: string;

  @ApiPropertyOptional({
    default: false,
    description:
      'Open a new ticket even when the lock has an open one (link them with POST /v1/tickets/:id/related). ' +
      'Without it, a report on a lock with an open ticket is added to that ticket (200, `existing: true`).',
  })
  @IsOptional()
  @IsBoolean()
  separate?: boolean;

  @ApiProperty({
    example: 'Keypad is dead, no lights, and the tenant of 2A is locked out',
    maxLength: 10000,
  })
  @Trim()
  @IsString()
  @Length(1, 10000)
  description!: string;

  @ApiPropertyOptional({ enum: SYMPTOM_CODES, isArray: true })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(30)
  @IsIn(SYMPTOM_CODES, { each: true })
  symptoms?: SymptomCode[];

  @ApiPropertyOptional({ enum: PRIORITIES, description: 'Overrides the derived priority' })
  @IsOptional()
  @IsIn(PRIORITIES)
  priority?: Priority;
}

export class UpdateTicketDto {
  @ApiPropertyOptional({ enum: TICKET_STATUSES })
  @IsOptional()
  @IsIn(TICKET_STATUSES)
  status?: TicketStatus;
  @ApiPropertyOptional({ enum: PRIORITIES }) @IsOptional() @IsIn(PRIORITIES) priority?: Priority;
  @ApiPropertyOptional({
    format: 'uuid',
    nullable: true,
    description: 'An agent or admin; null unassigns',
  })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsUUID()
  assigneeId?: string | null;
  @ApiPropertyOptional({
    maxLength: 2000,
    description:
      'Required with `status: open` on a solved ticket (a reopen, as POST /v1/tickets/:id/reopen); ' +
      'allowed only then',
  })
  @IsOptional()
  @Trim()
  @IsString()
  @Length(1, 2000)
  reason?: string;
}

export class ReopenDto {
  @ApiProperty({ maxLength: 2000, example: 'The keypad died again this morning' })
  @Trim()
  @Length(1, 2000, { message: 'reason is required: 1 to 2000 characters' })
  @IsString({ message: 'reason is required: 1 to 2000 characters' })
  reason!: string;
}

export class RateDto {
  @ApiProperty({ minimum: 1, maximum: 5, example: 5, description: 'A whole number, 1 to 5' })
  @IsInt({ message: 'score must be a whole number from 1 to 5' })
  @Min(1, { message: 'score must be a whole number from 1 to 5' })
  @Max(5, { message: 'score must be a whole number from 1 to 5' })
  score!: number;
  @ApiPropertyOptional({ maxLength: 2000, example: 'Fixed on the first visit' })
  @IsOptional()
  @Trim()
  @IsString()
  @Length(1, 2000)
  comment?: string;
}

export class CreateCommentDto {
  @ApiProperty({ maxLength: 10000 }) @Trim() @IsString() @Length(1, 10000) body!: string;
  @ApiPropertyOptional({
    default: false,
    description: 'Internal notes are for agents and admins only',
  })
  @IsOptional()
  @IsBoolean()
  internal?: boolean;
}

export class RecordStepDto {
  @ApiProperty({ enum: STEP_CODES }) @IsIn(STEP_CODES) step!: StepCode;
  @ApiProperty({ enum: STEP_OUTCOMES }) @IsIn(STEP_OUTCOMES) outcome!: StepOutcome;
  @ApiPropertyOptional({ maxLength: 2000 })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  note?: string;
}

export class RecordAnswersDto {
  @ApiProperty({
    type: [AnswerDto],
    description: 'Answers to the diagnosis’s `questions`: `{symptom, present}`',
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(SYMPTOM_CODES.length)
  @ValidateNested({ each: true })
  @Type(() => AnswerDto)
  answers!: AnswerDto[];
}

export class EscalateDto {
  @ApiPropertyOptional({
    enum: ['locksmith', 'manufacturer'],
    description: 'Defaults to the diagnosis’s recommendation',
  })
  @IsOptional()
  @IsIn(['locksmith', 'manufacturer'])
  target?: 'locksmith' | 'manufacturer';
  @ApiPropertyOptional({ maxLength: 2000 })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  reason?: string;
}

export class ResolveDto {
  @ApiProperty({ enum: CAUSE_CODES }) @IsIn(CAUSE_CODES) confirmedCause!: CauseCode;
  @ApiProperty({ example: 'Replaced the four AA cells; the lock works again.' })
  @Trim()
  @IsString()
  @Length(1, 5000)
  resolution!: string;
}

export class ListTicketsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: TICKET_STATUSES })
  @IsOptional()
  @IsIn(TICKET_STATUSES)
  status?: TicketStatus;
  @ApiPropertyOptional({ enum: PRIORITIES }) @IsOptional() @IsIn(PRIORITIES) priority?: Priority;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() assigneeId?: string;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() deviceId?: string;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() propertyId?: string;
  @ApiPropertyOptional({ enum: ['true', 'false'] })
  @IsOptional()
  @IsIn(['true', 'false'])
  slaBreached?: 'true' | 'false';
  @ApiPropertyOptional({ example: '2026-11-01T00:00:00Z' })
  @IsOptional()
  @IsStrictIsoDate()
  createdFrom?: string;
  @ApiPropertyOptional({ example: '2026-12-01T00:00:00Z' })
  @IsOptional()
  @IsStrictIsoDate()
  createdTo?: string;
  @ApiPropertyOptional({
    description: 'Full text over number (LD-1042), description and public comments',
  })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  q?: string;
}

export class SlaView {
  @ApiProperty({ type: String, nullable: true }) firstResponseDueAt!: string | null;
  @ApiProperty({ type: String, nullable: true }) resolutionDueAt!: string | null;
  @ApiProperty() breached!: boolean;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Set while the clock is stopped (pending, on_hold)',
  })
  pausedAt!: string | null;
}

export class StepTriedView {
  @ApiProperty({ enum: STEP_CODES }) step!: StepCode;
  @ApiProperty({ enum: STEP_OUTCOMES }) outcome!: StepOutcome;
  @ApiProperty({ type: String, nullable: true }) note!: string | null;
  @ApiProperty({ type: ActorView, description: 'Who performed it' }) by!: ActorView;
  @ApiProperty() at!: string;
}

export class TicketVisitWindow {
  @ApiProperty({ example: '2026-11-23T09:00:00.000Z' }) from!: string;
  @ApiProperty({ example: '2026-11-23T12:00:00.000Z' }) to!: string;
}

/** The ticket's current escalation, as the ticket shows it (the whole one: GET /v1/escalations/:id). */
export class TicketEscalationView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({
    enum: ['queued', 'routed', 'claimed', 'scheduled', 'resolved', 'cancelled', 'closed'],
  })
  status!: string;
  @ApiProperty({ enum: ['locksmith', 'manufacturer'] }) queue!: string;
  @ApiProperty({ type: ActorView, nullable: true, description: 'The partner company' })
  partner!: ActorView | null;
  @ApiProperty({
    type: String,
    nullable: true,
    example: 'no_linked_partner_covers_property',
    description: 'While queued: what it waits for',
  })
  waitingFor!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'The partner’s scheduled visit' })
  scheduledAt!: string | null;
  @ApiProperty({
    type: TicketVisitWindow,
    nullable: true,
    description: 'The visit window the partner booked',
  })
  visitWindow!: TicketVisitWindow | null;
  @ApiProperty() updatedAt!: string;
}

export class RatingView {
  @ApiProperty({ minimum: 1, maximum: 5 }) score!: number;
  @ApiProperty({ type: String, nullable: true }) comment!: string | null;
  @ApiProperty({ type: ActorView, description: 'Who rated it' }) ratedBy!: ActorView;
  @ApiProperty() ratedAt!: string;
  @ApiProperty({
    type: ActorView,
    nullable: true,
    description:
      'The partner company whose escalation solved the ticket: the rating is part of its record',
  })
  partner!: ActorView | null;
}

/** The answer to rating a ticket: the rating, and the ticket's new version. */
export class RateAnswer extends RatingView {
  @ApiProperty({ description: 'The ticket’s new version (its ETag)' }) ticketVersion!: number;
}

/** A fleet incident the ticket belongs to, as the ticket shows it. */
export class TicketIncidentView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'Yale Assure Lock 2 Keypad 1.2.0: software_glitch on 30 locks' })
  title!: string;
  @ApiProperty({ enum: ['open', 'acknowledged', 'resolved'] }) state!: string;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The cause the cluster points at (a cause code), when it points at one',
  })
  suspectedCause!: string | null;
}

/** A related ticket, as a ticket lists it. */
export class RelatedTicketView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'LD-1043' }) number!: string;
  @ApiProperty({ enum: TICKET_STATUSES }) status!: TicketStatus;
}

export class LinkTicketDto {
  @ApiProperty({ format: 'uuid', description: 'The ticket to link as related' })
  @IsUUID()
  ticketId!: string;
}

export class RelatedTicketsView {
  @ApiProperty({ type: [RelatedTicketView] }) related!: RelatedTicketView[];
}

export class TicketView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'LD-1042' }) number!: string;
  @ApiProperty({ format: 'uuid' }) deviceId!: string;
  @ApiProperty({ format: 'uuid' }) propertyId!: string;
  @ApiProperty({ type: String, nullable: true, format: 'uuid' }) reporterId!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'uuid' }) assigneeId!: string | null;
  @ApiProperty({ enum: TICKET_STATUSES }) status!: TicketStatus;
  @ApiProperty({ enum: PRIORITIES }) priority!: Priority;
  @ApiProperty({ enum: ['reported', 'proactive'] }) source!: 'reported' | 'proactive';
  @ApiProperty({ type: String, nullable: true, description: 'Why a proactive ticket was opened' })
  reason!: string | null;
  @ApiProperty({ enum: SYMPTOM_CODES, isArray: true }) symptoms!: SymptomCode[];
  @ApiProperty() description!: string;
  @ApiProperty({ type: DiagnosisResponseDto }) diagnosis!: DiagnosisResponseDto;
  @ApiPropertyOptional({ type: [StepTriedView], description: 'On single-ticket answers' })
  stepsTried?: StepTriedView[];
  @ApiPropertyOptional({
    type: TicketEscalationView,
    nullable: true,
    description: 'On GET /v1/tickets/:id: the current escalation (the open one, else the last)',
  })
  escalation?: TicketEscalationView | null;
  @ApiPropertyOptional({
    type: ActorView,
    nullable: true,
    description:
      'On GET /v1/tickets/:id, confirm and reopen: who solved it (a person, or the partner company ' +
      'whose escalation solved it); null unless solved or closed',
  })
  resolvedBy?: ActorView | null;
  @ApiPropertyOptional({
    type: RatingView,
    nullable: true,
    description: 'On GET /v1/tickets/:id, confirm and reopen: the customer’s rating, once rated',
  })
  rating?: RatingView | null;
  @ApiPropertyOptional({
    type: [RelatedTicketView],
    description: 'On GET /v1/tickets/:id: the tickets linked as related (both ways), by number',
  })
  related?: RelatedTicketView[];
  @ApiPropertyOptional({
    type: [TicketIncidentView],
    description: 'On GET /v1/tickets/:id: the fleet incidents the ticket belongs to',
  })
  incidents?: TicketIncidentView[];
  @ApiPropertyOptional({
    description:
      'On POST /v1/tickets: true when the lock already had an open ticket and the report was ' +
      'added to it (this is that ticket; status 200), false for a new ticket (201)',
  })
  existing?: boolean;
  @ApiProperty({ enum: CAUSE_CODES, nullable: true }) confirmedCause!: CauseCode | null;
  @ApiProperty({ type: String, nullable: true }) resolution!: string | null;
  @ApiProperty({ description: 'Send as If-Match to PATCH; also the ETag' }) version!: number;
  @ApiProperty({ type: SlaView }) sla!: SlaView;
  @ApiProperty({ type: String, nullable: true }) firstRespondedAt!: string | null;
  @ApiProperty({ type: String, nullable: true }) solvedAt!: string | null;
  @ApiProperty({ type: String, nullable: true }) closedAt!: string | null;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
}

export class CauseSummaryView {
  @ApiProperty({ enum: CAUSE_CODES }) code!: CauseCode;
  @ApiProperty({ example: 0.62 }) probability!: number;
}

export class EscalationSummaryView {
  @ApiProperty() recommended!: boolean;
  @ApiProperty({ enum: ['locksmith', 'manufacturer'], nullable: true }) target!:
    'locksmith' | 'manufacturer' | null;
}

/** What a list shows of a ticket's current diagnosis (the full one: GET /v1/tickets/:id). */
export class DiagnosisSummaryView {
  @ApiProperty({ type: [CauseSummaryView], description: 'The top three causes, ranked' })
  causes!: CauseSummaryView[];
  @ApiProperty({ enum: STEP_CODES, nullable: true, description: 'The first step of the plan' })
  nextStep!: StepCode | null;
  @ApiProperty({ type: EscalationSummaryView }) escalation!: EscalationSummaryView;
  @ApiProperty({ example: 'fit-5de9c77202' }) modelVersion!: string;
}

/** A ticket as lists show it: no description, the diagnosis summarized. */
export class TicketListItemView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'LD-1042' }) number!: string;
  @ApiProperty({ enum: TICKET_STATUSES }) status!: TicketStatus;
  @ApiProperty({ enum: PRIORITIES }) priority!: Priority;
  @ApiProperty({ enum: ['reported', 'proactive'] }) source!: 'reported' | 'proactive';
  @ApiProperty({ type: String, nullable: true, description: 'Why a proactive ticket was opened' })
  reason!: string | null;
  @ApiProperty({ format: 'uuid' }) deviceId!: string;
  @ApiProperty({ example: 'YL-2A-0042' }) deviceSerial!: string;
  @ApiProperty({ format: 'uuid' }) propertyId!: string;
  @ApiProperty({ example: 'Harbour View' }) propertyName!: string;
  @ApiProperty({ type: String, nullable: true, format: 'uuid' }) assigneeId!: string | null;
  @ApiProperty({ type: DiagnosisSummaryView }) diagnosis!: DiagnosisSummaryView;
  @ApiProperty({ enum: CAUSE_CODES, nullable: true }) confirmedCause!: CauseCode | null;
  @ApiProperty() version!: number;
  @ApiProperty({ type: SlaView }) sla!: SlaView;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
}

export class TicketPageDto extends PageMetaDto {
  @ApiProperty({ type: [TicketListItemView] }) data!: TicketListItemView[];
}

export class CommentView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ type: ActorView, description: 'Who wrote it' }) author!: ActorView;
  @ApiProperty() body!: string;
  @ApiProperty() internal!: boolean;
  @ApiProperty() createdAt!: string;
}

export class TicketEventView {
  @ApiProperty() id!: string;
  @ApiProperty({ example: 'status_changed' }) type!: string;
  @ApiProperty({
    type: ActorView,
    description: 'Who acted: a person, a partner company (never its person), or the system',
  })
  actor!: ActorView;
  @ApiProperty({ type: Object, nullable: true }) before!: unknown;
  @ApiProperty({ type: Object, nullable: true }) after!: unknown;
  @ApiProperty() createdAt!: string;
}

export class TicketEventPageDto extends PageMetaDto {
  @ApiProperty({ type: [TicketEventView] }) data!: TicketEventView[];
}

export class CommentPageDto extends PageMetaDto {
  @ApiProperty({ type: [CommentView] }) data!: CommentView[];
}

export class TicketDiagnosisView {
  @ApiProperty({
    example: 'created',
    description: 'what caused it: `created`, a step outcome or answers',
  })
  trigger!: string;
  @ApiProperty({ type: DiagnosisResponseDto }) diagnosis!: DiagnosisResponseDto;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

/** The whole history is one page (a ticket has a few diagnoses): `nextCursor` is always null. */
export class TicketDiagnosisPageDto extends PageMetaDto {
  @ApiProperty({ type: [TicketDiagnosisView] }) data!: TicketDiagnosisView[];
}
