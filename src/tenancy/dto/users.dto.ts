import { ApiProperty, ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional, IsString, Length } from 'class-validator';
import { PageMetaDto, PageQueryDto } from '../../common/pagination.js';
import { Omittable, Trim } from '../../common/validators.js';
import { ROLES, type Role } from '../types.js';
import { UserView } from './views.dto.js';
import { EmailField, NameField, NewPasswordField } from './fields.js';

export class CreateUserDto {
  @EmailField()
  email!: string;

  @NameField('Sam Okafor')
  name!: string;

  @ApiProperty({
    enum: ROLES,
    description:
      'customer: admin, manager, agent; locksmith: admin, locksmith; manufacturer: admin, manufacturer',
  })
  @IsIn(ROLES)
  role!: Role;

  @NewPasswordField()
  password!: string;
}

export class UpdateUserDto {
  @ApiPropertyOptional({ maxLength: 200 })
  @Omittable()
  @Trim()
  @IsString()
  @Length(1, 200)
  name?: string;

  @ApiPropertyOptional({ enum: ROLES })
  @Omittable()
  @IsIn(ROLES)
  role?: Role;

  @ApiPropertyOptional({
    minLength: 10,
    maxLength: 128,
    description: 'Sets a new password and ends all of the user’s sessions',
  })
  @Omittable()
  @IsString()
  @Length(10, 128, { message: 'password must be 10 to 128 characters long' })
  password?: string;

  @ApiPropertyOptional({ description: 'Away agents get no automatic assignments' })
  @Omittable()
  @IsBoolean()
  away?: boolean;
}

export class UpdateMeDto {
  @ApiPropertyOptional({ maxLength: 200 })
  @Omittable()
  @Trim()
  @IsString()
  @Length(1, 200)
  name?: string;

  @ApiPropertyOptional({
    minLength: 10,
    maxLength: 128,
    description: 'Requires currentPassword; ends every other session',
  })
  @Omittable()
  @IsString()
  @Length(10, 128, { message: 'password must be 10 to 128 characters long' })
  password?: string;

  @ApiPropertyOptional()
  @Omittable()
  @IsString()
  @Length(1, 128)
  currentPassword?: string;

  @ApiPropertyOptional()
  @Omittable()
  @IsBoolean()
  away?: boolean;
}

export class ListUsersQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: ROLES })
  @IsOptional()
  @IsIn(ROLES)
  role?: Role;
}

export class UserPageDto extends IntersectionType(PageMetaDto) {
  @ApiProperty({ type: [UserView] })
  data!: UserView[];
}
