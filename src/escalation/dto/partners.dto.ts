import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
} from 'class-validator';
import { PageMetaDto } from '../../common/pagination.js';

export class LinkPartnerDto {
  @ApiProperty({ example: 'harbor-locksmiths', description: 'The partner tenant’s handle' })
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' ? value.trim().toLowerCase() : value,
  )
  @Matches(/^[a-z0-9][a-z0-9-]{1,48}[a-z0-9]$/, { message: 'handle must be a tenant handle' })
  handle!: string;
}

export class PartnerProfileDto {
  @ApiPropertyOptional({
    type: [String],
    example: ['1100', '1200-'],
    description: 'Postal codes or prefixes served',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(2000)
  @IsString({ each: true })
  @Length(1, 20, { each: true })
  // Prefixes are matched literally; this also keeps `%`, `_` and `\` out of them.
  @Matches(/^[A-Za-z0-9][A-Za-z0-9 -]*$/, {
    each: true,
    message:
      'each postal code may hold only letters, digits, spaces and hyphens, starting with a letter or digit',
  })
  postalCodes?: string[];

  @ApiPropertyOptional({ type: [String], example: ['Lisbon'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(500)
  @IsString({ each: true })
  @Length(1, 100, { each: true })
  cities?: string[];

  @ApiPropertyOptional({
    type: [String],
    example: ['Yale'],
    description: 'Manufacturers served (manufacturer partners)',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @Length(1, 100, { each: true })
  manufacturers?: string[];

  @ApiPropertyOptional({ default: 10 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10000)
  capacity?: number;
  @ApiPropertyOptional({ default: false, description: 'Takes emergency lockouts' })
  @IsOptional()
  @IsBoolean()
  emergency?: boolean;
}

export class ProfileView {
  @ApiProperty({ type: [String], example: ['1100', '1200-'] }) postalCodes!: string[];
  @ApiProperty({ type: [String], example: ['Lisbon'] }) cities!: string[];
  @ApiProperty({ type: [String], example: ['Yale'] }) manufacturers!: string[];
  @ApiProperty({ example: 10 }) capacity!: number;
  @ApiProperty() emergency!: boolean;
}

export class PartnerView {
  @ApiProperty({ format: 'uuid' }) tenantId!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ example: 'harbor-locksmiths' }) handle!: string;
  @ApiProperty({ enum: ['locksmith', 'manufacturer'] }) kind!: 'locksmith' | 'manufacturer';
  @ApiProperty({
    type: ProfileView,
    nullable: true,
    description: 'null until the partner sets one',
  })
  profile!: ProfileView | null;
  @ApiProperty({ format: 'date-time' }) linkedAt!: string;
}

export class PartnerPageDto extends PageMetaDto {
  @ApiProperty({ type: [PartnerView] }) data!: PartnerView[];
}
