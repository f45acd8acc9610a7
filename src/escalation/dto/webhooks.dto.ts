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
import { PageQueryDto } from '../../common/pagination.js';

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

export interface WebhookView {
  id: string;
  url: string;
  events: string[];
  createdAt: string;
  secret?: string;
}

export const DELIVERY_STATUSES = ['pending', 'delivered', 'dead', 'cancelled'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export interface DeliveryView {
  id: string;
  webhookId: string;
  eventType: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: string;
  lastStatus: number | null;
  lastError: string | null;
  deliveredAt: string | null;
  createdAt: string;
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
