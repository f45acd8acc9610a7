import { Body, Controller, Get, Headers, Patch, Post, Query, Res, HttpCode } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiResponse,
  ApiPreconditionFailedResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { UserActor } from '../auth/index.js';
import { CurrentUser, Roles, CustomerOnly } from '../auth/index.js';
import { ApiBodyAndId, ApiNotFound, ApiValidation } from '../common/api-docs.js';
import { ifNoneMatchMatches, parseIfMatch, withEtag } from '../common/etag.js';
import { IdParam } from '../common/id-param.js';
import { IdempotencyContext, Idempotent } from '../common/idempotency/idempotent.decorator.js';
import type { IdempotencyScope } from '../common/idempotency/idempotency.service.js';
import { type Page, PageQueryDto } from '../common/pagination.js';
import { ProblemDto } from '../common/problem.dto.js';
import {
  CommentView,
  CommentPageDto,
  CreateCommentDto,
  CreateTicketDto,
  ListTicketsQueryDto,
  RecordAnswersDto,
  RecordStepDto,
  ResolveDto,
  TicketDiagnosisPageDto,
  TicketEventPageDto,
  type TicketEventView,
  type TicketListItemView,
  TicketPageDto,
  TicketView,
  UpdateTicketDto,
} from './dto/tickets.dto.js';
import { TicketCommentsService } from './ticket-comments.service.js';
import { TicketLifecycle } from './ticket-lifecycle.service.js';
import { TicketStepsService } from './ticket-steps.service.js';
import { TicketTimeline } from './ticket-timeline.service.js';
import { TicketsService } from './tickets.service.js';

const CUSTOMER = ['admin', 'manager', 'agent'] as const;
const DESK = ['admin', 'agent'] as const;

@ApiTags('tickets')
@Controller('tickets')
@CustomerOnly()
export class TicketsController {
  constructor(
    private readonly tickets: TicketsService,
    private readonly ticketComments: TicketCommentsService,
    private readonly steps: TicketStepsService,
    private readonly lifecycle: TicketLifecycle,
    private readonly timeline: TicketTimeline,
  ) {}

  @Post()
  @Roles(...CUSTOMER)
  @Idempotent({ answerInEffect: true })
  @ApiOperation({ summary: 'Report a faulty lock; the answer carries the diagnosis' })
  @ApiCreatedResponse({ type: TicketView })
  @ApiValidation()
  @ApiNotFound('Device')
  async create(
    @CurrentUser() actor: UserActor,
    @Body() dto: CreateTicketDto,
    @Res({ passthrough: true }) reply: FastifyReply,
    @IdempotencyContext() idem?: IdempotencyScope,
  ): Promise<TicketView> {
    return withEtag(reply, await this.tickets.create(actor, dto, idem));
  }

  @Get()
  @Roles(...CUSTOMER)
  @ApiOperation({
    summary:
      'List tickets, newest first, by status, priority, assignee, device, property, SLA, dates, text; ' +
      'items carry a diagnosis summary (the full diagnosis: GET /v1/tickets/:id)',
  })
  @ApiOkResponse({ type: TicketPageDto })
  @ApiValidation()
  list(
    @CurrentUser() actor: UserActor,
    @Query() q: ListTicketsQueryDto,
  ): Promise<Page<TicketListItemView>> {
    return this.tickets.list(actor, q);
  }

  @Get(':id')
  @Roles(...CUSTOMER)
  @ApiOperation({
    summary: 'One ticket with its diagnosis, steps tried and SLA (ETag: its version)',
  })
  @ApiOkResponse({ type: TicketView })
  @ApiNotFound('Ticket')
  async get(
    @CurrentUser() actor: UserActor,
    @IdParam('Ticket') id: string,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Headers('if-none-match') ifNoneMatch?: string,
  ): Promise<TicketView | undefined> {
    if (ifNoneMatch === undefined) return withEtag(reply, await this.tickets.get(actor, id));
    // The version decides a 304 before the ticket, its diagnosis and its steps are read.
    const found = await this.tickets.get(actor, id, (v) =>
      ifNoneMatchMatches(ifNoneMatch, `"${v}"`),
    );
    if (typeof found !== 'number') return withEtag(reply, found);
    void reply.header('etag', `"${found}"`).code(304);
    return undefined;
  }

  @Patch(':id')
  @Roles(...DESK)
  @ApiOperation({ summary: 'Change status, priority or assignee (If-Match required)' })
  @ApiHeader({
    name: 'If-Match',
    required: true,
    description: 'The ticket’s version (ETag), quotes optional',
  })
  @ApiOkResponse({ type: TicketView })
  @ApiBodyAndId('Ticket')
  @ApiConflictResponse({
    type: ProblemDto,
    description: 'Illegal status change (`allowed` lists the legal ones)',
  })
  @ApiPreconditionFailedResponse({ type: ProblemDto, description: 'Stale If-Match' })
  @ApiResponse({ status: 428, type: ProblemDto, description: 'If-Match missing' })
  async update(
    @CurrentUser() actor: UserActor,
    @IdParam('Ticket') id: string,
    @Body() dto: UpdateTicketDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TicketView> {
    return withEtag(
      reply,
      await this.tickets.update(actor, id, parseIfMatch(ifMatch, 'ticket'), dto),
    );
  }

  @Post(':id/comments')
  @Roles(...CUSTOMER)
  @ApiOperation({ summary: 'Comment; internal notes (agents, admins) are never shown to managers' })
  @ApiCreatedResponse({ type: CommentView })
  @ApiBodyAndId('Ticket')
  comment(
    @CurrentUser() actor: UserActor,
    @IdParam('Ticket') id: string,
    @Body() dto: CreateCommentDto,
  ): Promise<CommentView> {
    return this.ticketComments.comment(actor, id, dto);
  }

  @Get(':id/comments')
  @Roles(...CUSTOMER)
  @ApiOperation({ summary: 'Comments, oldest first (managers see public ones only)' })
  @ApiOkResponse({ type: CommentPageDto })
  @ApiValidation()
  @ApiNotFound('Ticket')
  comments(
    @CurrentUser() actor: UserActor,
    @IdParam('Ticket') id: string,
    @Query() q: PageQueryDto,
  ): Promise<Page<CommentView>> {
    return this.ticketComments.comments(actor, id, q);
  }

  @Post(':id/steps')
  @Roles(...DESK)
  @HttpCode(200)
  @ApiOperation({
    summary: 'Record a troubleshooting step’s outcome; answers the ticket with its re-diagnosis',
  })
  @ApiOkResponse({ type: TicketView })
  @ApiBodyAndId('Ticket')
  async step(
    @CurrentUser() actor: UserActor,
    @IdParam('Ticket') id: string,
    @Body() dto: RecordStepDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TicketView> {
    return withEtag(reply, await this.steps.recordStep(actor, id, dto));
  }

  @Post(':id/answers')
  @Roles(...CUSTOMER)
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Record answers to the diagnosis’s questions; answers the ticket with its re-diagnosis',
  })
  @ApiOkResponse({ type: TicketView })
  @ApiBodyAndId('Ticket')
  async answers(
    @CurrentUser() actor: UserActor,
    @IdParam('Ticket') id: string,
    @Body() dto: RecordAnswersDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TicketView> {
    return withEtag(reply, await this.steps.recordAnswers(actor, id, dto));
  }

  @Post(':id/resolve')
  @Roles(...DESK)
  @HttpCode(200)
  @ApiOperation({
    summary: 'Solve with the confirmed cause; teaches this tenant’s priors for the lock’s model',
  })
  @ApiOkResponse({ type: TicketView })
  @ApiBodyAndId('Ticket')
  @ApiConflictResponse({
    type: ProblemDto,
    description: 'Already solved or closed (`allowed` lists the legal status changes)',
  })
  async resolve(
    @CurrentUser() actor: UserActor,
    @IdParam('Ticket') id: string,
    @Body() dto: ResolveDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TicketView> {
    return withEtag(reply, await this.lifecycle.resolve(actor, id, dto));
  }

  @Get(':id/events')
  @Roles(...CUSTOMER)
  @ApiOperation({ summary: 'The timeline: every change, who, before/after, when' })
  @ApiOkResponse({ type: TicketEventPageDto })
  @ApiNotFound('Ticket')
  events(
    @CurrentUser() actor: UserActor,
    @IdParam('Ticket') id: string,
    @Query() q: PageQueryDto,
  ): Promise<Page<TicketEventView>> {
    return this.timeline.events(actor, id, q);
  }

  @Get(':id/diagnoses')
  @Roles(...CUSTOMER)
  @ApiOperation({
    summary: 'The diagnosis history: at creation and after each step',
    description: 'The whole history in one page (`nextCursor` is always null).',
  })
  @ApiOkResponse({ type: TicketDiagnosisPageDto })
  @ApiNotFound('Ticket')
  diagnoses(@CurrentUser() actor: UserActor, @IdParam('Ticket') id: string) {
    return this.tickets.diagnoses(actor, id);
  }
}
