import { ApiProperty, ApiPropertyOptional, OmitType, PartialType } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  registerDecorator,
  ValidateNested,
} from 'class-validator';
import { PageMetaDto, PageQueryDto } from '../../common/pagination.js';
import { Trim } from '../../common/validators.js';

export function isTimeZone(value: unknown): boolean {
  if (typeof value !== 'string' || value.length > 64) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

/** An IANA time zone name such as Europe/Lisbon. */
export function IsTimeZone(): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isTimeZone',
      target: target.constructor,
      propertyName: String(propertyName),
      options: {
        message: `${String(propertyName)} must be an IANA time zone such as Europe/Lisbon`,
      },
      validator: { validate: isTimeZone },
    });
}

export class AddressDto {
  @ApiProperty({ example: '12 Harbor Street' })
  @Trim()
  @IsString()
  @Length(1, 200)
  line1!: string;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'Building B' })
  @IsOptional()
  @Trim()
  @IsString()
  @Length(0, 200)
  line2?: string;

  @ApiProperty({ example: 'Lisbon' })
  @Trim()
  @IsString()
  @Length(1, 100)
  city!: string;

  @ApiProperty({ example: '1100-148', description: 'Locksmith service areas match on it' })
  @Trim()
  @IsString()
  @Length(1, 20)
  postalCode!: string;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'Lisboa' })
  @IsOptional()
  @Trim()
  @IsString()
  @Length(0, 100)
  region?: string;

  @ApiProperty({ example: 'PT', description: 'ISO 3166-1 alpha-2' })
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' ? value.trim().toUpperCase() : value,
  )
  @Matches(/^[A-Z]{2}$/, { message: 'country must be a two-letter ISO country code' })
  country!: string;
}

export class CreatePropertyDto {
  @ApiProperty({ example: 'Harbor View Apartments' })
  @Trim()
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiProperty({ type: AddressDto })
  @IsObject()
  @ValidateNested()
  @Type(() => AddressDto)
  address!: AddressDto;

  @ApiPropertyOptional({
    type: [String],
    example: ['1A', '1B', '2A'],
    description: 'Unit labels; devices must name one of them when set',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(5000)
  @IsString({ each: true })
  @Length(1, 50, { each: true })
  units?: string[];

  @ApiProperty({ example: 'Europe/Lisbon' })
  @IsTimeZone()
  timeZone!: string;
}

export class UpdatePropertyDto extends PartialType(CreatePropertyDto) {}

export class ListPropertiesQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Part of the name, any case' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  q?: string;
}

export class PropertyView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: AddressDto }) address!: AddressDto;
  @ApiProperty({ type: [String] }) units!: string[];
  @ApiProperty() timeZone!: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
}

/** A property as lists show it: the number of its units; the units are on GET /v1/properties/:id. */
export class PropertyListItem extends OmitType(PropertyView, ['units'] as const) {
  @ApiProperty({ description: 'How many units it lists (the units: GET /v1/properties/:id)' })
  unitCount!: number;
}

export class PropertyPageDto extends PageMetaDto {
  @ApiProperty({ type: [PropertyListItem] }) data!: PropertyListItem[];
}
