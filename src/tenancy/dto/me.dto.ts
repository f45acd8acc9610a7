import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { TokenPairDto } from '../../auth/index.js';
import { TenantView, UserView } from './views.dto.js';

export class MeApiKeyDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
}

export class MeDto {
  @ApiProperty({ type: TenantView }) tenant!: TenantView;
  @ApiPropertyOptional({
    type: UserView,
    description: 'The signed-in person (absent for API keys)',
  })
  user?: UserView;
  @ApiPropertyOptional({ type: MeApiKeyDto, description: 'The calling API key (machine clients)' })
  apiKey?: MeApiKeyDto;
}

export class UpdatedMeDto {
  @ApiProperty({ type: UserView }) user!: UserView;
  @ApiPropertyOptional({ type: TokenPairDto, description: 'New tokens after a password change' })
  tokens?: TokenPairDto;
}
