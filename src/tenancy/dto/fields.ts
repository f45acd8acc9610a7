import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { Trim } from '../../common/validators.js';
import { IsEmail, IsString, Length, MaxLength } from 'class-validator';

export const EmailField = () =>
  applyDecorators(
    ApiProperty({ example: 'ana@harbor.example', maxLength: 254 }),
    Transform(({ value }: { value: unknown }) =>
      typeof value === 'string' ? value.trim().toLowerCase() : value,
    ),
    IsEmail({}, { message: 'email must be an email address' }),
    MaxLength(254),
  );

/** New passwords: 10 to 128 characters (the upper bound keeps hashing cheap to refuse). */
export const NewPasswordField = () =>
  applyDecorators(
    ApiProperty({ minLength: 10, maxLength: 128, example: 'correct-horse-battery' }),
    IsString(),
    Length(10, 128, { message: 'password must be 10 to 128 characters long' }),
  );

export const NameField = (example: string) =>
  applyDecorators(ApiProperty({ example, maxLength: 200 }), Trim(), IsString(), Length(1, 200));
