import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOperation,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import type { UserActor } from '../auth/actor.js';
import { CurrentUser, Roles } from '../auth/decorators.js';
import { ApiNotFound, ApiValidation } from '../common/api-docs.js';
import { type Page, PageQueryDto } from '../common/pagination.js';
import {
  CreateWebhookDto,
  type DeliveryView,
  type WebhookView,
  WebhooksService,
} from './webhooks.service.js';

class DeliveriesQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: ['pending', 'delivered', 'dead'] })
  @IsOptional()
  @IsIn(['pending', 'delivered', 'dead'])
  status?: 'pending' | 'delivered' | 'dead';
}

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
      'Loopback, link-local and private addresses are refused unless WEBHOOKS_ALLOW_PRIVATE=true.',
  })
  @ApiCreatedResponse({ description: 'The webhook, with its signing secret (shown once)' })
  @ApiValidation()
  create(@CurrentUser() actor: UserActor, @Body() dto: CreateWebhookDto): Promise<WebhookView> {
    return this.webhooks.create(actor, dto);
  }

  @Get()
  @ApiOperation({ summary: 'Webhooks (without secrets)' })
  list(@CurrentUser() actor: UserActor): Promise<{ data: WebhookView[] }> {
    return this.webhooks.list(actor);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Stop sending to a webhook' })
  @ApiNoContentResponse()
  @ApiNotFound('Webhook')
  remove(@CurrentUser() actor: UserActor, @Param('id') id: string): Promise<void> {
    return this.webhooks.remove(actor, id);
  }

  @Get(':id/deliveries')
  @ApiOperation({ summary: 'Deliveries of a webhook: pending, delivered, dead letters' })
  @ApiNotFound('Webhook')
  deliveries(
    @CurrentUser() actor: UserActor,
    @Param('id') id: string,
    @Query() q: DeliveriesQueryDto,
  ): Promise<Page<DeliveryView>> {
    return this.webhooks.deliveries(actor, id, q);
  }

  @Post('deliveries/:deliveryId/replay')
  @HttpCode(200)
  @ApiOperation({ summary: 'Send a dead letter again (same delivery id)' })
  @ApiNotFound('Delivery')
  replay(@CurrentUser() actor: UserActor, @Param('deliveryId') id: string): Promise<DeliveryView> {
    return this.webhooks.replay(actor, id);
  }
}
