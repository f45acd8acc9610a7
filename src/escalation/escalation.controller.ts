import { Body, Controller, Delete, Get, HttpCode, Post, Put, Query, Res } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { UserActor } from '../auth/index.js';
import { CurrentUser, CustomerOnly, Roles, TenantKinds } from '../auth/index.js';
import { ApiBodyAndId, ApiNotFound, ApiValidation } from '../common/api-docs.js';
import { type Page, PageQueryDto } from '../common/pagination.js';
import { ProblemDto } from '../common/problem.dto.js';
import {
  CancelEscalationDto,
  DeclineDto,
  EscalateAnswer,
  EscalateDto,
  type EscalationListItem,
  EscalationPageDto,
  EscalationView,
  ListEscalationsQueryDto,
  RerouteDto,
  ResolveEscalationDto,
  ScheduleDto,
} from './dto/escalations.dto.js';
import {
  LinkPartnerDto,
  OwnProfileView,
  PartnerPageDto,
  PartnerProfileDto,
  type PartnerRatingItem,
  PartnerRatingPageDto,
  PartnerView,
  ProfileView,
} from './dto/partners.dto.js';
import { EscalationService } from './escalation.service.js';
import { PartnerQueueService } from './partner-queue.service.js';
import { PartnersService } from './partners.service.js';
import { IdParam } from '../common/id-param.js';

const PARTNER_STAFF = ['admin', 'locksmith', 'manufacturer'] as const;

/** 409 for a move the escalation's state does not allow (problem+json with `allowed`). */
const ApiEscalationState = (also = '') =>
  ApiConflictResponse({
    type: ProblemDto,
    description: `\`escalation_state\`: the escalation's state does not allow this; \`allowed\` lists where it may go${also}`,
  });

@ApiTags('escalation')
@Controller()
export class EscalationController {
  constructor(
    private readonly escalations: EscalationService,
    private readonly partners: PartnersService,
    private readonly queue: PartnerQueueService,
  ) {}

  @Post('tickets/:id/escalate')
  @CustomerOnly()
  @Roles('admin', 'agent')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Escalate to a locksmith or the manufacturer',
    description:
      'Snapshots a work order, routes it (locksmiths covering the property, emergency-capable first for urgent cases, ' +
      'least loaded, with a free slot of its capacity; the manufacturer partner of the lock’s brand; else it waits ' +
      'in your queue, `status: queued` with `waitingFor` saying why, and is routed as soon as a partner can take it). ' +
      'The work order copies the property’s access notes and on-site contact unless `accessNotes` / `contact` are given. ' +
      'The ticket goes on_hold. Answers the escalation, with the partner’s name when routed, and the ticket’s new ' +
      'status and version.',
  })
  @ApiOkResponse({ type: EscalateAnswer })
  @ApiBodyAndId('Ticket')
  @ApiConflictResponse({
    type: ProblemDto,
    description:
      '`escalation_open`: the ticket has an open escalation (cancel or re-route it); `illegal_transition`: ' +
      'the ticket cannot go on hold (solved); `ticket_closed`',
  })
  escalate(
    @CurrentUser() actor: UserActor,
    @IdParam('Ticket') id: string,
    @Body() dto: EscalateDto,
  ): Promise<EscalateAnswer> {
    return this.escalations.escalate(actor, id, dto);
  }

  @Post('escalations/:id/cancel')
  @CustomerOnly()
  @Roles('admin', 'agent')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Cancel an escalation (customer)',
    description:
      'Any escalation not yet resolved, cancelled or closed: it becomes `cancelled` with your reason, the partner ' +
      'it was with gets `escalation.cancelled`, the ticket an `escalation_cancelled` event and, if it was on hold, ' +
      'goes back to open. The ticket may be escalated again.',
  })
  @ApiOkResponse({ type: EscalationView })
  @ApiBodyAndId('Escalation')
  @ApiEscalationState()
  cancel(
    @CurrentUser() actor: UserActor,
    @IdParam('Escalation') id: string,
    @Body() dto: CancelEscalationDto,
  ): Promise<EscalationView> {
    return this.escalations.cancel(actor, id, dto);
  }

  @Post('escalations/:id/reroute')
  @CustomerOnly()
  @Roles('admin', 'agent')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Re-route an escalation to a linked partner of your choice (customer)',
    description:
      '`partnerId` must be a linked partner of the escalation’s kind; your choice overrides its service area, ' +
      'capacity and an earlier decline. The partner it was with gets `escalation.revoked` (reason `rerouted`) and ' +
      'loses sight of it; the chosen one gets `escalation.routed`; the ticket an `escalation_rerouted` event.',
  })
  @ApiOkResponse({ type: EscalationView })
  @ApiBodyAndId('Escalation')
  @ApiEscalationState(' (also when it is already with that partner)')
  reroute(
    @CurrentUser() actor: UserActor,
    @IdParam('Escalation') id: string,
    @Body() dto: RerouteDto,
  ): Promise<EscalationView> {
    return this.escalations.reroute(actor, id, dto);
  }

  @Post('partners')
  @CustomerOnly()
  @Roles('admin')
  @ApiOperation({ summary: 'Link a locksmith or manufacturer company by its handle' })
  @ApiCreatedResponse({
    type: PartnerView,
    description: 'The link, with the partner’s profile (linking again answers the same link)',
  })
  @ApiValidation()
  @ApiNotFoundResponse({ type: ProblemDto, description: 'No partner tenant has this handle' })
  link(@CurrentUser() actor: UserActor, @Body() dto: LinkPartnerDto): Promise<PartnerView> {
    return this.partners.link(actor, dto);
  }

  @Get('partners')
  @CustomerOnly()
  @Roles('admin', 'agent')
  @ApiOperation({
    summary: 'Linked partners with their profiles and records (ratings: average and count)',
  })
  @ApiOkResponse({ type: PartnerPageDto })
  @ApiValidation()
  listPartners(
    @CurrentUser() actor: UserActor,
    @Query() q: PageQueryDto,
  ): Promise<Page<PartnerView>> {
    return this.partners.list(actor, q);
  }

  @Get('partners/:partnerTenantId')
  @CustomerOnly()
  @Roles('admin', 'agent', 'manager')
  @ApiOperation({
    summary: 'One linked partner with its profile and record (ratings: average and count)',
  })
  @ApiOkResponse({ type: PartnerView })
  @ApiNotFound('Partner')
  getPartner(
    @CurrentUser() actor: UserActor,
    @IdParam('Partner', 'partnerTenantId') id: string,
  ): Promise<PartnerView> {
    return this.partners.get(actor, id);
  }

  @Delete('partners/:partnerTenantId')
  @CustomerOnly()
  @Roles('admin')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Unlink a partner',
    description:
      'The partner loses sight of all your escalations at once (row-level security needs the link). ' +
      'Open ones routed to it are re-routed to another linked partner or wait in your queue; ' +
      'each ticket gets an `escalation_revoked` event and the partner an `escalation.revoked` message.',
  })
  @ApiNoContentResponse()
  @ApiNotFound('Partner')
  unlink(
    @CurrentUser() actor: UserActor,
    @IdParam('Partner', 'partnerTenantId') id: string,
  ): Promise<void> {
    return this.partners.unlink(actor, id);
  }

  @Get('partner-profile')
  @TenantKinds('locksmith', 'manufacturer')
  @Roles(...PARTNER_STAFF)
  @ApiOperation({
    summary:
      'My company’s service area, brands served, capacity, emergency service, and ratings (aggregated)',
  })
  @ApiOkResponse({ type: OwnProfileView })
  profile(@CurrentUser() actor: UserActor): Promise<OwnProfileView> {
    return this.partners.profile(actor);
  }

  @Get('partner-profile/ratings')
  @TenantKinds('locksmith', 'manufacturer')
  @Roles(...PARTNER_STAFF)
  @ApiOperation({
    summary:
      'My company’s ratings, newest first: score, comment and date (no customer or ticket named)',
  })
  @ApiOkResponse({ type: PartnerRatingPageDto })
  @ApiValidation()
  ratings(
    @CurrentUser() actor: UserActor,
    @Query() q: PageQueryDto,
  ): Promise<Page<PartnerRatingItem>> {
    return this.partners.ratings(actor, q);
  }

  @Put('partner-profile')
  @TenantKinds('locksmith', 'manufacturer')
  @Roles('admin')
  @ApiOperation({ summary: 'Set my company’s profile (fields left out keep their values)' })
  @ApiOkResponse({ type: ProfileView })
  @ApiValidation()
  updateProfile(
    @CurrentUser() actor: UserActor,
    @Body() dto: PartnerProfileDto,
  ): Promise<ProfileView> {
    return this.partners.updateProfile(actor, dto);
  }

  @Get('escalations')
  @Roles('admin', 'agent', 'manager', 'locksmith', 'manufacturer')
  @ApiOperation({
    summary:
      'Partners: my queue. Customers: my escalations. `?queue=locksmith|manufacturer&status=`',
  })
  @ApiOkResponse({ type: EscalationPageDto })
  @ApiValidation()
  list(
    @CurrentUser() actor: UserActor,
    @Query() q: ListEscalationsQueryDto,
  ): Promise<Page<EscalationListItem>> {
    return this.escalations.list(actor, q);
  }

  @Get('escalations/:id')
  @Roles('admin', 'agent', 'manager', 'locksmith', 'manufacturer')
  @ApiOperation({ summary: 'One escalation with its work order' })
  @ApiOkResponse({ type: EscalationView })
  @ApiNotFound('Escalation')
  get(@CurrentUser() actor: UserActor, @IdParam('Escalation') id: string): Promise<EscalationView> {
    return this.escalations.get(actor, id);
  }

  @Post('escalations/claim')
  @TenantKinds('locksmith', 'manufacturer')
  @Roles(...PARTNER_STAFF)
  @ApiOperation({
    summary: 'Take the next unclaimed escalation in my queue, atomically (204 when none)',
    description: `The answer carries a leaseToken valid ${30} minutes; schedule and resolve need it.`,
  })
  @ApiOkResponse({ type: EscalationView })
  @ApiNoContentResponse({ description: 'Nothing to claim' })
  async claimNext(
    @CurrentUser() actor: UserActor,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<EscalationView | undefined> {
    const claimed = await this.queue.claimNext(actor);
    if (!claimed) void reply.status(204);
    else void reply.status(200);
    return claimed;
  }

  @Post('escalations/:id/claim')
  @TenantKinds('locksmith', 'manufacturer')
  @Roles(...PARTNER_STAFF)
  @HttpCode(200)
  @ApiOperation({ summary: 'Claim this escalation (if unclaimed, or its lease expired)' })
  @ApiOkResponse({ type: EscalationView })
  @ApiNotFound('Escalation')
  @ApiEscalationState()
  claim(
    @CurrentUser() actor: UserActor,
    @IdParam('Escalation') id: string,
  ): Promise<EscalationView> {
    return this.queue.claim(actor, id);
  }

  @Post('escalations/:id/schedule')
  @TenantKinds('locksmith', 'manufacturer')
  @Roles(...PARTNER_STAFF)
  @HttpCode(200)
  @ApiOperation({
    summary: 'Schedule the visit or the case (needs the lease token)',
    description:
      '`visitWindow: {from, to}` (UTC instants ending in Z): `to` after `from`, in the future and within ' +
      'ESCALATION_VISIT_HORIZON_DAYS (default 60). Older clients may send `at` instead (a window of 2 h from it, `at` ' +
      'in the future); not both. The lease then runs to the window’s end plus 4 h, but never more than ' +
      'ESCALATION_LEASE_MAX_HOURS from now (default: the horizon plus 4 h). The thread gets a system message.',
  })
  @ApiOkResponse({ type: EscalationView })
  @ApiBodyAndId('Escalation')
  @ApiEscalationState()
  schedule(
    @CurrentUser() actor: UserActor,
    @IdParam('Escalation') id: string,
    @Body() dto: ScheduleDto,
  ): Promise<EscalationView> {
    return this.queue.schedule(actor, id, dto);
  }

  @Post('escalations/:id/decline')
  @TenantKinds('locksmith', 'manufacturer')
  @Roles(...PARTNER_STAFF)
  @HttpCode(200)
  @ApiOperation({ summary: 'Decline; the escalation is re-routed to the next partner' })
  @ApiOkResponse({ type: EscalationView })
  @ApiBodyAndId('Escalation')
  @ApiEscalationState()
  decline(
    @CurrentUser() actor: UserActor,
    @IdParam('Escalation') id: string,
    @Body() dto: DeclineDto,
  ): Promise<EscalationView> {
    return this.queue.decline(actor, id, dto);
  }

  @Post('escalations/:id/resolve')
  @TenantKinds('locksmith', 'manufacturer')
  @Roles(...PARTNER_STAFF)
  @HttpCode(200)
  @ApiOperation({
    summary: 'Close with the confirmed cause: the customer’s ticket is solved and its priors learn',
    description:
      'Once: a resolved escalation, or a ticket the desk already solved, answers 409 with `allowed` transitions.',
  })
  @ApiOkResponse({ type: EscalationView })
  @ApiBodyAndId('Escalation')
  @ApiEscalationState()
  resolve(
    @CurrentUser() actor: UserActor,
    @IdParam('Escalation') id: string,
    @Body() dto: ResolveEscalationDto,
  ): Promise<EscalationView> {
    return this.queue.resolve(actor, id, dto);
  }
}
