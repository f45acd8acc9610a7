import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class FieldErrorDto {
  @ApiProperty({ example: 'email' })
  field!: string;

  @ApiProperty({ example: 'email must be an email' })
  message!: string;
}

/** RFC 9457 problem details, the body of every error (application/problem+json). */
export class ProblemDto {
  @ApiProperty({ example: 'https://lockdesk.dev/problems/validation-failed' })
  type!: string;

  @ApiProperty({ example: 'The request is not valid' })
  title!: string;

  @ApiProperty({ example: 400 })
  status!: number;

  @ApiProperty({ example: 'validation_failed', description: 'Stable machine-readable code' })
  code!: string;

  @ApiPropertyOptional({ example: 'One or more fields are invalid.' })
  detail?: string;

  @ApiPropertyOptional({ description: 'Echo of X-Request-Id, for support' })
  requestId?: string;

  @ApiPropertyOptional({ type: [FieldErrorDto], description: 'Per-field errors (400 only)' })
  errors?: FieldErrorDto[];
}
