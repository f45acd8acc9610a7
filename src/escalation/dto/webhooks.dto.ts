import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  Length,
  Matches,
} from 'class-validator';
import { PageMetaDto, PageQueryDto } from '../../common/pagination.js';

export class CreateWebhookDto {
  @ApiProperty({ example: 'https://hooks.example.com/lockdesk' })
  @IsString()
  @Length(1, 2000)
  url!: string;

  @ApiProperty({
    example: ['ticket.*', 'escalation.routed'],
    description: 'Topics, `prefix.*`, or `*`',
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @Matches(/^(\*|[a-z_]+\.(\*|[a-z_]+))$/, {
    each: true,
    message: 'each event must be a topic like ticket.created, ticket.* or *',
  })
  events!: string[];
}

export class WebhookView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'https://hooks.example.com/lockdesk' }) url!: string;
  @ApiProperty({ type: [String], example: ['ticket.*', 'escalation.routed'] }) events!: string[];
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiPropertyOptional({
    example: 'whsec_3q2+7w...',
    description:
      'The signing secret: `whsec_` and 32 base64url characters. Only in the answer to POST; ' +
      'sign-check deliveries with it (see `webhooks` in this document).',
  })
  secret?: string;
}

export class WebhookPageDto extends PageMetaDto {
  @ApiProperty({ type: [WebhookView] }) data!: WebhookView[];
}

export const DELIVERY_STATUSES = ['pending', 'delivered', 'dead', 'cancelled'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export class DeliveryView {
  @ApiProperty({ format: 'uuid', description: 'Also the body’s `id` and `LockDesk-Delivery`' })
  id!: string;
  @ApiProperty({ format: 'uuid' }) webhookId!: string;
  @ApiProperty({ example: 'ticket.created' }) eventType!: string;
  @ApiProperty({ enum: DELIVERY_STATUSES }) status!: DeliveryStatus;
  @ApiProperty() attempts!: number;
  @ApiProperty({ format: 'date-time' }) nextAttemptAt!: string;
  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'HTTP status of the last answer',
  })
  lastStatus!: number | null;
  @ApiProperty({
    type: String,
    nullable: true,
    example: 'HTTP 500',
    description:
      'What failed last: `timeout`, `connection refused`, `TLS error`, `host not found`, ' +
      '`HTTP <status>`, `address not allowed`, or `cancelled: the webhook was deleted`',
  })
  lastError!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) deliveredAt!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export class DeliveryPageDto extends PageMetaDto {
  @ApiProperty({ type: [DeliveryView] }) data!: DeliveryView[];
}

export class DeliveriesQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    enum: DELIVERY_STATUSES,
    description:
      '`pending` (waiting or retrying), `delivered`, `dead` (out of attempts; replayable), ' +
      '`cancelled` (its webhook was deleted before it was delivered)',
  })
  @IsOptional()
  @IsIn(DELIVERY_STATUSES)
  status?: DeliveryStatus;
}
