import { Body, Controller, Get, Post, Query } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { UserActor } from '../auth/index.js';
import { CurrentUser, Roles } from '../auth/index.js';
import { ApiBodyAndId } from '../common/api-docs.js';
import { IdParam } from '../common/id-param.js';
import { IdempotencyContext, Idempotent } from '../common/idempotency/idempotent.decorator.js';
import type { IdempotencyScope } from '../common/idempotency/idempotency.service.js';
import { type Page, PageQueryDto } from '../common/pagination.js';
import { ProblemDto } from '../common/problem.dto.js';
import {
  EscalationMessagePageDto,
  EscalationMessageView,
  PostMessageDto,
} from './dto/escalation-messages.dto.js';
import { EscalationMessagesService } from './escalation-messages.service.js';

/**
 * The thread of an escalation. One path for both sides, like the rest of /v1/escalations: the
 * customer's staff (admin, agent, manager) and the staff of the partner it is with (admin,
 * locksmith, manufacturer); row-level security shows each side what it may see.
 */
@ApiTags('escalation')
@Controller('escalations/:id/messages')
export class EscalationMessagesController {
  constructor(private readonly messages: EscalationMessagesService) {}

  @Get()
  @Roles('admin', 'agent', 'manager', 'locksmith', 'manufacturer')
  @ApiOperation({
    summary: 'The escalation’s message thread, oldest first',
    description:
      'Customers read every message of the escalation; a partner reads its own thread with the customer while ' +
      'the escalation is with it (re-routed away or unlinked, it reads nothing: 404).',
  })
  @ApiOkResponse({ type: EscalationMessagePageDto })
  @ApiBodyAndId('Escalation')
  list(
    @CurrentUser() actor: UserActor,
    @IdParam('Escalation') id: string,
    @Query() q: PageQueryDto,
  ): Promise<Page<EscalationMessageView>> {
    return this.messages.list(actor, id, q);
  }

  @Post()
  @Roles('admin', 'agent', 'manager', 'locksmith', 'manufacturer')
  @Idempotent()
  @ApiOperation({
    summary: 'Write to the other side',
    description:
      'While the escalation is with a partner (routed, claimed, scheduled) or was resolved by it. The other ' +
      'side’s webhooks get `escalation.message_created`; a partner’s message also appears on the ticket’s ' +
      'timeline as `escalation_message`. A partner writes as its company (`author.kind: partner`).',
  })
  @ApiCreatedResponse({ type: EscalationMessageView })
  @ApiBodyAndId('Escalation')
  @ApiConflictResponse({
    type: ProblemDto,
    description:
      '`escalation_state`: the escalation is queued, cancelled or closed (no partner to talk to); ' +
      '`idempotency_in_progress`',
  })
  post(
    @CurrentUser() actor: UserActor,
    @IdParam('Escalation') id: string,
    @Body() dto: PostMessageDto,
    @IdempotencyContext() idem?: IdempotencyScope,
  ): Promise<EscalationMessageView> {
    return this.messages.post(actor, id, dto, idem);
  }
}
