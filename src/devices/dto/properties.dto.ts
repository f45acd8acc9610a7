import { ApiProperty, ApiPropertyOptional, OmitType, PartialType } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsObject,
  IsOptional,
  ValidateIf,
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

/** A person to call on site: the concierge, a caretaker, the tenant. */
export class ContactDto {
  @ApiProperty({ example: 'Rui Costa (concierge)', maxLength: 200 })
  @Trim()
  @Length(1, 200, { message: 'contact.name is required: 1 to 200 characters' })
  @IsString({ message: 'contact.name is required: 1 to 200 characters' })
  name!: string;

  @ApiProperty({
    example: '+351 912 345 678',
    description:
      'Digits with optional +, spaces, ( ) . / -; at least 3 digits, 40 characters at most',
  })
  @Trim()
  @Matches(/^(?=(?:\D*\d){3})\+?[\d ()./-]{3,40}$/, {
    message: 'contact.phone must be a phone number such as +351 912 345 678',
  })
  @IsString({ message: 'contact.phone is required: a phone number such as +351 912 345 678' })
  phone!: string;
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

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    maxLength: 2000,
    example: 'Key safe by the side gate, code 4711; concierge 8-18',
    description: 'How a locksmith gets in; copied into work orders (null on PATCH clears it)',
  })
  @ValidateIf((_o: object, v: unknown) => v !== undefined && v !== null)
  @Trim()
  @Length(1, 2000)
  @IsString()
  accessNotes?: string | null;

  @ApiPropertyOptional({
    type: ContactDto,
    nullable: true,
    description: 'The on-site contact; copied into work orders (null on PATCH clears it)',
  })
  @ValidateIf((_o: object, v: unknown) => v !== undefined && v !== null)
  @IsObject()
  @ValidateNested()
  @Type(() => ContactDto)
  contact?: ContactDto | null;
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
  @ApiProperty({ type: String, nullable: true, description: 'How a locksmith gets in' })
  accessNotes!: string | null;
  @ApiProperty({ type: ContactDto, nullable: true, description: 'The on-site contact' })
  contact!: ContactDto | null;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
}

/** A property as lists show it: the number of its units; the units are on GET /v1/properties/:id. */
export class PropertyListItem extends OmitType(PropertyView, [
  'units',
  'accessNotes',
  'contact',
] as const) {
  @ApiProperty({ description: 'How many units it lists (the units: GET /v1/properties/:id)' })
  unitCount!: number;
}

export class PropertyPageDto extends PageMetaDto {
  @ApiProperty({ type: [PropertyListItem] }) data!: PropertyListItem[];
}
