import { ActorView } from '../../common/actor.dto.js';
import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { PageMetaDto } from '../../common/pagination.js';
import { Trim } from '../../common/validators.js';

export const MESSAGE_MAX_LENGTH = 4000;

export class PostMessageDto {
  @ApiProperty({
    maxLength: MESSAGE_MAX_LENGTH,
    example: 'I can come Tuesday 9-12. Is the concierge there to let me in?',
  })
  @Trim()
  @Length(1, MESSAGE_MAX_LENGTH, {
    message: `body is required: 1 to ${MESSAGE_MAX_LENGTH} characters`,
  })
  @IsString({ message: `body is required: 1 to ${MESSAGE_MAX_LENGTH} characters` })
  body!: string;
}

export class EscalationMessageView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) escalationId!: string;
  @ApiProperty({
    format: 'uuid',
    description: 'The partner on the other side of the thread when it was written',
  })
  partnerTenantId!: string;
  @ApiProperty({ type: ActorView }) author!: ActorView;
  @ApiProperty({ maxLength: MESSAGE_MAX_LENGTH }) body!: string;
  @ApiProperty({ example: '2026-11-22T08:15:00.000Z' }) createdAt!: string;
}

export class EscalationMessagePageDto extends PageMetaDto {
  @ApiProperty({ type: [EscalationMessageView], description: 'Oldest first' })
  data!: EscalationMessageView[];
}
