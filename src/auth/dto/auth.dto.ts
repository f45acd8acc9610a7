import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';
import { EmailField, NameField, NewPasswordField } from '../../tenancy/index.js';
import { TENANT_KINDS, type TenantKind } from '../../tenancy/index.js';
import { TenantView, UserView } from '../../tenancy/index.js';

export class SignupDto {
  @NameField('Harbor Property Group')
  tenantName!: string;

  @EmailField()
  email!: string;

  @NewPasswordField()
  password!: string;

  @NameField('Ana Silva')
  name!: string;

  @ApiPropertyOptional({ enum: TENANT_KINDS, default: 'customer' })
  @IsOptional()
  @IsIn(TENANT_KINDS)
  kind?: TenantKind;

  @ApiPropertyOptional({
    description: 'Public slug (3-50 of a-z, 0-9, -); derived from tenantName when absent',
    example: 'harbor-property-group',
  })
  @IsOptional()
  @IsString()
  @Matches(/^[a-z0-9][a-z0-9-]{1,48}[a-z0-9]$/, {
    message:
      'handle must be 3-50 lowercase letters, digits or dashes, not starting or ending with a dash',
  })
  handle?: string;
}

export class LoginDto {
  @EmailField()
  email!: string;

  @ApiProperty()
  @IsString()
  @Length(1, 128)
  password!: string;
}

export class RefreshDto {
  @ApiProperty({ description: 'The refresh token from signup, login or the previous refresh' })
  @IsString()
  @MaxLength(200)
  refreshToken!: string;
}

export class TokenPairDto {
  @ApiProperty({ example: 'Bearer' }) tokenType!: 'Bearer';
  @ApiProperty({ description: 'JWT for Authorization: Bearer' }) accessToken!: string;
  @ApiProperty({ description: 'Seconds until the access token expires', example: 900 })
  expiresIn!: number;
  @ApiProperty({ description: 'Single use: each refresh answers a new one' }) refreshToken!: string;
}

export class SignupResponseDto extends TokenPairDto {
  @ApiProperty({ type: TenantView }) tenant!: TenantView;
  @ApiProperty({ type: UserView }) user!: UserView;
}
