import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { UserActor } from '../auth/index.js';
import { CurrentUser, Roles } from '../auth/index.js';
import { ApiBodyAndId, ApiNotFound, ApiValidation } from '../common/api-docs.js';
import { IdempotencyContext, Idempotent } from '../common/idempotency/idempotent.decorator.js';
import type { IdempotencyScope } from '../common/idempotency/idempotency.service.js';
import type { Page } from '../common/pagination.js';
import { ProblemDto } from '../common/problem.dto.js';
import { CreateUserDto, ListUsersQueryDto, UpdateUserDto, UserPageDto } from './dto/users.dto.js';
import { UsersService } from './users.service.js';
import { UserView } from './dto/views.dto.js';
import { IdParam } from '../common/id-param.js';

@ApiTags('users')
@Controller('users')
@Roles('admin')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Post()
  @Idempotent()
  @ApiOperation({ summary: 'Invite a person into the tenant with a role' })
  @ApiCreatedResponse({ type: UserView })
  @ApiValidation()
  @ApiConflictResponse({ type: ProblemDto, description: 'Email already registered' })
  create(
    @CurrentUser() actor: UserActor,
    @Body() dto: CreateUserDto,
    @IdempotencyContext() idem?: IdempotencyScope,
  ): Promise<UserView> {
    return this.users.create(actor, dto, idem);
  }

  @Get()
  @ApiOperation({ summary: 'List the tenant’s people, oldest first' })
  @ApiOkResponse({ type: UserPageDto })
  @ApiValidation()
  list(@CurrentUser() actor: UserActor, @Query() q: ListUsersQueryDto): Promise<Page<UserView>> {
    return this.users.list(actor, q);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One person' })
  @ApiOkResponse({ type: UserView })
  @ApiNotFound('User')
  get(@CurrentUser() actor: UserActor, @IdParam('User') id: string): Promise<UserView> {
    return this.users.get(actor, id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change name, role, password or away flag' })
  @ApiOkResponse({ type: UserView })
  @ApiBodyAndId('User')
  @ApiConflictResponse({ type: ProblemDto, description: 'Would leave the tenant without an admin' })
  update(
    @CurrentUser() actor: UserActor,
    @IdParam('User') id: string,
    @Body() dto: UpdateUserDto,
  ): Promise<UserView> {
    return this.users.update(actor, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove a person; their sessions end at once' })
  @ApiNoContentResponse()
  @ApiNotFound('User')
  @ApiConflictResponse({ type: ProblemDto, description: 'The last admin cannot be removed' })
  remove(@CurrentUser() actor: UserActor, @IdParam('User') id: string): Promise<void> {
    return this.users.remove(actor, id);
  }
}
