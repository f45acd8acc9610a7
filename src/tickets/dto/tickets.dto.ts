import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  MaxLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
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
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  deviceId!: string;

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
  @ApiProperty({ format: 'uuid' }) by!: string;
  @ApiProperty() at!: string;
}

export class TicketEscalationPartner {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'Alfama Locks' }) name!: string;
}

/** The ticket's current escalation, as the ticket shows it (the whole one: GET /v1/escalations/:id). */
export class TicketEscalationView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({
    enum: ['queued', 'routed', 'claimed', 'scheduled', 'resolved', 'cancelled', 'closed'],
  })
  status!: string;
  @ApiProperty({ enum: ['locksmith', 'manufacturer'] }) queue!: string;
  @ApiProperty({ type: TicketEscalationPartner, nullable: true })
  partner!: TicketEscalationPartner | null;
  @ApiProperty({
    type: String,
    nullable: true,
    example: 'no_linked_partner_covers_property',
    description: 'While queued: what it waits for',
  })
  waitingFor!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'The partner’s scheduled visit' })
  scheduledAt!: string | null;
  @ApiProperty() updatedAt!: string;
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
  @ApiProperty({ format: 'uuid' }) authorId!: string;
  @ApiProperty() body!: string;
  @ApiProperty() internal!: boolean;
  @ApiProperty() createdAt!: string;
}

export class TicketEventView {
  @ApiProperty() id!: string;
  @ApiProperty({ example: 'status_changed' }) type!: string;
  @ApiProperty({ enum: ['user', 'api_key', 'system', 'partner'] }) actorType!: string;
  @ApiProperty({ type: String, nullable: true }) actorId!: string | null;
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
