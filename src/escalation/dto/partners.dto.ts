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

export class RatingSummary {
  @ApiProperty({
    type: Number,
    nullable: true,
    example: 4.5,
    description: 'Mean score (1-5, two decimals); null with no rating',
  })
  average!: number | null;
  @ApiProperty({ example: 12 }) count!: number;
}

/** A partner's record as a customer sees it: every customer's ratings, and its own share. */
export class PartnerRatingView extends RatingSummary {
  @ApiProperty({ type: RatingSummary, description: 'The ratings your company gave it' })
  fromYou!: RatingSummary;
}

export class PartnerView {
  @ApiProperty({ format: 'uuid' }) tenantId!: string;
  @ApiProperty({ example: 'Alfama Locks' }) name!: string;
  @ApiProperty({ example: 'alfama-locks' }) handle!: string;
  @ApiProperty({ enum: ['locksmith', 'manufacturer'] }) kind!: 'locksmith' | 'manufacturer';
  @ApiProperty({
    type: ProfileView,
    nullable: true,
    description: 'null until the partner sets one',
  })
  profile!: ProfileView | null;
  @ApiProperty({
    type: PartnerRatingView,
    description:
      'Ratings of tickets its escalations solved, across all of its customers (no customer named)',
  })
  rating!: PartnerRatingView;
  @ApiProperty({ format: 'date-time' }) linkedAt!: string;
}

export class PartnerPageDto extends PageMetaDto {
  @ApiProperty({ type: [PartnerView] }) data!: PartnerView[];
}

/** The partner's own profile, with its record. */
export class OwnProfileView extends ProfileView {
  @ApiProperty({
    type: RatingSummary,
    description: 'Your ratings from all customers (each: GET /v1/partner-profile/ratings)',
  })
  rating!: RatingSummary;
}

/** One rating in a partner's record: score, comment and date, nothing about the customer. */
export class PartnerRatingItem {
  @ApiProperty({ minimum: 1, maximum: 5 }) score!: number;
  @ApiProperty({ type: String, nullable: true }) comment!: string | null;
  @ApiProperty() ratedAt!: string;
}

export class PartnerRatingPageDto extends PageMetaDto {
  @ApiProperty({ type: [PartnerRatingItem] }) data!: PartnerRatingItem[];
}
