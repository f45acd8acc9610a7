import { Body, Controller, Delete, Get, HttpCode, Post, Query } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { UserActor } from '../auth/index.js';
import { CurrentUser, Roles } from '../auth/index.js';
import { ApiNotFound, ApiValidation } from '../common/api-docs.js';
import { IdParam } from '../common/id-param.js';
import { type Page, PageQueryDto } from '../common/pagination.js';
import { ProblemDto } from '../common/problem.dto.js';
import {
  CreateWebhookDto,
  DeliveriesQueryDto,
  DeliveryPageDto,
  DeliveryView,
  WebhookPageDto,
  WebhookView,
} from './dto/webhooks.dto.js';
import { WebhooksService } from './webhooks.service.js';

@ApiTags('webhooks')
@Controller('webhooks')
@Roles('admin')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post()
  @ApiOperation({
    summary: 'Receive signed events at a URL',
    description:
      'Each POST carries `LockDesk-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, t + "." + body)>`, ' +
      '`LockDesk-Delivery` (stable across retries) and `LockDesk-Event`. The secret is in this answer only. ' +
      'Only http(s) URLs on public addresses: loopback, private, link-local, unique-local, CGNAT, multicast, ' +
      'documentation and reserved ranges and IPv6 forms embedding IPv4 are refused (400 on `url`) unless ' +
      'WEBHOOKS_ALLOW_PRIVATE=true (development). The address is checked again on every connection ' +
      '(a DNS answer that changes to a refused address is not contacted), and redirects are not followed ' +
      '(a 3xx is recorded as a failed attempt).',
  })
  @ApiCreatedResponse({
    type: WebhookView,
    description: 'The webhook, with its signing secret (shown once)',
  })
  @ApiValidation()
  @ApiConflictResponse({
    type: ProblemDto,
    description: 'A live webhook already sends these events to this URL (`existingId`)',
  })
  create(@CurrentUser() actor: UserActor, @Body() dto: CreateWebhookDto): Promise<WebhookView> {
    return this.webhooks.create(actor, dto);
  }

  @Get()
  @ApiOperation({ summary: 'Webhooks (without secrets)' })
  @ApiOkResponse({ type: WebhookPageDto })
  @ApiValidation()
  list(@CurrentUser() actor: UserActor, @Query() q: PageQueryDto): Promise<Page<WebhookView>> {
    return this.webhooks.list(actor, q);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Stop sending to a webhook',
    description:
      'Its pending deliveries become `cancelled`; its deliveries stay readable and can no longer be replayed.',
  })
  @ApiNoContentResponse()
  @ApiNotFound('Webhook')
  remove(@CurrentUser() actor: UserActor, @IdParam('Webhook') id: string): Promise<void> {
    return this.webhooks.remove(actor, id);
  }

  @Get(':id/deliveries')
  @ApiOperation({
    summary: 'Deliveries of a webhook: pending, delivered, dead letters, cancelled',
    description: 'Also for a deleted webhook (its history).',
  })
  @ApiOkResponse({ type: DeliveryPageDto })
  @ApiValidation()
  @ApiNotFound('Webhook')
  deliveries(
    @CurrentUser() actor: UserActor,
    @IdParam('Webhook') id: string,
    @Query() q: DeliveriesQueryDto,
  ): Promise<Page<DeliveryView>> {
    return this.webhooks.deliveries(actor, id, q);
  }

  @Post('deliveries/:deliveryId/replay')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Send a dead letter again (same delivery id)',
    description: '409 when the delivery is not dead, or when its webhook was deleted.',
  })
  @ApiOkResponse({ type: DeliveryView })
  @ApiNotFound('Delivery')
  @ApiConflictResponse({
    type: ProblemDto,
    description: 'Not a dead letter, or the webhook was deleted',
  })
  replay(
    @CurrentUser() actor: UserActor,
    @IdParam('Delivery', 'deliveryId') id: string,
  ): Promise<DeliveryView> {
    return this.webhooks.replay(actor, id);
  }
}
