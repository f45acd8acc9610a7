import {
  applyDecorators,
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  Patch,
  Post,
  Query,
  Res,
  HttpCode,
} from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiUnprocessableEntityResponse,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiResponse,
  ApiPreconditionFailedResponse,
  ApiPreconditionRequiredResponse,
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
  LinkTicketDto,
  ListTicketsQueryDto,
  RateAnswer,
  RateDto,
  ReopenDto,
  RelatedTicketsView,
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
import { TicketFeedbackService } from './ticket-feedback.service.js';
import { TicketLifecycle } from './ticket-lifecycle.service.js';
import { TicketLinks } from './ticket-links.service.js';
import { TicketStepsService } from './ticket-steps.service.js';
import { TicketTimeline } from './ticket-timeline.service.js';
import { TicketsService } from './tickets.service.js';

const CUSTOMER = ['admin', 'manager', 'agent'] as const;
const DESK = ['admin', 'agent'] as const;
/** The reporter's side: confirm, reopen and rate a solved ticket. */
const REPORTER = ['admin', 'manager'] as const;

const IfMatchRequired = () =>
  applyDecorators(
    ApiHeader({
      name: 'If-Match',
      required: true,
      description: 'The ticket’s version (ETag), quotes optional',
    }),
    ApiPreconditionRequiredResponse({ type: ProblemDto, description: 'No If-Match' }),
    ApiPreconditionFailedResponse({ type: ProblemDto, description: 'Stale If-Match' }),
  );

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
    private readonly feedback: TicketFeedbackService,
    private readonly links: TicketLinks,
  ) {}

  @Post()
  @Roles(...CUSTOMER)
  @Idempotent({ answerInEffect: true })
  @ApiOperation({
    summary:
      'Report a faulty lock by deviceId, serial, or propertyId + unit; the answer carries the ' +
      'diagnosis. A lock with an open ticket: the report is added to it (200, existing: true) ' +
      'unless `separate: true`',
  })
  @ApiCreatedResponse({ type: TicketView, description: 'A new ticket (`existing: false`)' })
  @ApiOkResponse({
    type: TicketView,
    description:
      'The lock’s open ticket, the report added to it as a public comment (`existing: true`)',
  })
  @ApiValidation()
  @ApiNotFound('Device, serial or property')
  @ApiConflictResponse({
    type: ProblemDto,
    description: 'Several active locks in that unit (`locks` lists them: id, serial, unit, label)',
  })
  @ApiUnprocessableEntityResponse({
    type: ProblemDto,
    description: 'The property has no active lock in that unit; or an Idempotency-Key reused',
  })
  async create(
    @CurrentUser() actor: UserActor,
    @Body() dto: CreateTicketDto,
    @Res({ passthrough: true }) reply: FastifyReply,
    @IdempotencyContext() idem?: IdempotencyScope,
  ): Promise<TicketView> {
    const view = await this.tickets.create(actor, dto, idem);
    if (view.existing) void reply.status(200);
    return withEtag(reply, view);
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
    // The tag decides a 304 before the ticket, its diagnosis and its steps are read.
    const found =
      ifNoneMatch === undefined
        ? await this.tickets.get(actor, id)
        : await this.tickets.get(actor, id, (tag) => ifNoneMatchMatches(ifNoneMatch, tag));
    if (typeof found !== 'string') {
      void reply.header('etag', found.tag);
      return found.view;
    }
    void reply.header('etag', found).code(304);
    return undefined;
  }

  @Patch(':id')
  @Roles(...DESK)
  @ApiOperation({
    summary: 'Change status, priority or assignee (If-Match required)',
    description:
      'Reopening a solved ticket (`status: open`) needs `reason` and is allowed within the reopen window, ' +
      'as POST /v1/tickets/:id/reopen; `reason` is refused on any other change.',
  })
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

  @Post(':id/confirm')
  @Roles(...REPORTER)
  @HttpCode(200)
  @ApiOperation({
    summary: 'Confirm a solved ticket: it is closed (final)',
    description:
      'Managers and admins. Only a solved ticket: any other state is a 409 (`ticket_not_solved`, ' +
      '`ticket_closed`) naming it in `ticketStatus`. Answers the ticket as GET /v1/tickets/:id does.',
  })
  @IfMatchRequired()
  @ApiOkResponse({ type: TicketView })
  @ApiNotFound('Ticket')
  @ApiConflictResponse({
    type: ProblemDto,
    description: 'The ticket is not solved (`ticketStatus`)',
  })
  async confirm(
    @CurrentUser() actor: UserActor,
    @IdParam('Ticket') id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TicketView> {
    return withEtag(reply, await this.feedback.confirm(actor, id, parseIfMatch(ifMatch, 'ticket')));
  }

  @Post(':id/reopen')
  @Roles(...REPORTER)
  @HttpCode(200)
  @ApiOperation({
    summary: 'Reopen a solved ticket, with a reason, within the reopen window',
    description:
      'Managers and admins (the desk may also PATCH `{status: "open", reason}`; the same rules). ' +
      'solved -> open within the desk’s `reopenWindowDays` of its solving, else 409 ' +
      '(`illegal_transition`); not solved: 409 (`ticket_not_solved`). A `reopened` event with the ' +
      'reason. Answers the ticket as GET /v1/tickets/:id does.',
  })
  @IfMatchRequired()
  @ApiOkResponse({ type: TicketView })
  @ApiBodyAndId('Ticket')
  @ApiConflictResponse({
    type: ProblemDto,
    description: 'Outside the reopen window, or not solved (`ticketStatus`)',
  })
  async reopen(
    @CurrentUser() actor: UserActor,
    @IdParam('Ticket') id: string,
    @Body() dto: ReopenDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TicketView> {
    return withEtag(
      reply,
      await this.feedback.reopen(actor, id, parseIfMatch(ifMatch, 'ticket'), dto.reason),
    );
  }

  @Post(':id/rating')
  @Roles(...REPORTER)
  @ApiOperation({
    summary: 'Rate the resolution of a solved or closed ticket (once)',
    description:
      'Managers and admins: `score` a whole number 1-5, optional `comment`. Once per ticket: a ' +
      'second rating is 409 (`already_rated`). If-Match is optional (412 when stale). A `rated` ' +
      'event; the ticket’s version moves. When a partner’s escalation solved the ticket, the ' +
      'rating counts in that partner’s record (GET /v1/partners, GET /v1/partner-profile).',
  })
  @ApiHeader({
    name: 'If-Match',
    required: false,
    description: 'The ticket’s version (ETag), quotes optional',
  })
  @ApiCreatedResponse({ type: RateAnswer })
  @ApiBodyAndId('Ticket')
  @ApiConflictResponse({
    type: ProblemDto,
    description: 'Already rated, or the ticket is not solved or closed (`ticketStatus`)',
  })
  @ApiPreconditionFailedResponse({ type: ProblemDto, description: 'Stale If-Match' })
  rate(
    @CurrentUser() actor: UserActor,
    @IdParam('Ticket') id: string,
    @Body() dto: RateDto,
    @Headers('if-match') ifMatch: string | undefined,
  ): Promise<RateAnswer> {
    return this.feedback.rate(
      actor,
      id,
      dto,
      ifMatch === undefined ? undefined : parseIfMatch(ifMatch, 'ticket'),
    );
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

  @Post(':id/related')
  @Roles(...DESK)
  @HttpCode(200)
  @ApiOperation({
    summary: 'Link another ticket as related (both show it); linking twice changes nothing',
  })
  @ApiOkResponse({ type: RelatedTicketsView })
  @ApiBodyAndId('Ticket')
  link(
    @CurrentUser() actor: UserActor,
    @IdParam('Ticket') id: string,
    @Body() dto: LinkTicketDto,
  ): Promise<RelatedTicketsView> {
    return this.links.link(actor, id, dto.ticketId);
  }

  @Delete(':id/related/:otherId')
  @Roles(...DESK)
  @HttpCode(204)
  @ApiOperation({ summary: 'Unlink a related ticket (from both)' })
  @ApiNoContentResponse({ description: 'Unlinked' })
  @ApiNotFound('Ticket, or the tickets are not related')
  async unlink(
    @CurrentUser() actor: UserActor,
    @IdParam('Ticket') id: string,
    @IdParam('Ticket', 'otherId') otherId: string,
  ): Promise<void> {
    await this.links.unlink(actor, id, otherId);
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
