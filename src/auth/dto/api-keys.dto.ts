import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { PageMetaDto } from '../../common/pagination.js';
import { Trim } from '../../common/validators.js';

export class CreateApiKeyDto {
  @ApiProperty({ example: 'Yale telemetry bridge', maxLength: 100 })
  @Trim()
  @IsString()
  @Length(1, 100)
  name!: string;
}

export class ApiKeyView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ example: 'ldk_3fQx', description: 'The first characters, to recognise a key' })
  prefix!: string;
  @ApiProperty() createdAt!: string;
  @ApiPropertyOptional({ type: String, nullable: true }) lastUsedAt!: string | null;
}

export class CreatedApiKeyDto extends ApiKeyView {
  @ApiProperty({
    description: 'The key itself. Shown only in this answer; only its hash is stored.',
  })
  key!: string;
}

export class ApiKeyPageDto extends PageMetaDto {
  @ApiProperty({ type: [ApiKeyView] })
  data!: ApiKeyView[];
}
