import { Body, Controller, Get, Patch, Req } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import type { Actor, UserActor } from '../auth/index.js';
import { AnyRole, ApiKeyAccess, CurrentActor, CurrentUser } from '../auth/index.js';
import type { TokenPair } from '../auth/index.js';
import { ApiValidation } from '../common/api-docs.js';
import { ProblemDto } from '../common/problem.dto.js';
import { MeDto, UpdatedMeDto } from './dto/me.dto.js';
import { UpdateMeDto } from './dto/users.dto.js';
import type { UserView } from './dto/views.dto.js';
import { UsersService } from './users.service.js';

@ApiTags('me')
@Controller('me')
export class MeController {
  constructor(private readonly users: UsersService) {}

  @Get()
  @AnyRole()
  @ApiKeyAccess()
  @ApiOperation({ summary: 'Who am I: the person (or API key) and the tenant' })
  @ApiOkResponse({ type: MeDto })
  async me(@CurrentActor() actor: Actor): Promise<MeDto> {
    if (actor.type === 'user') return this.users.me(actor);
    return { tenant: await this.users.tenant(actor.tenantId), apiKey: { id: actor.apiKeyId } };
  }

  @Patch()
  @AnyRole()
  @ApiOperation({ summary: 'Change my name, away flag or password (needs currentPassword)' })
  @ApiOkResponse({ type: UpdatedMeDto })
  @ApiValidation()
  @ApiUnauthorizedResponse({
    type: ProblemDto,
    description: 'Wrong currentPassword (attempts are throttled like logins: 429 with Retry-After)',
  })
  update(
    @CurrentUser() actor: UserActor,
    @Body() dto: UpdateMeDto,
    @Req() req: FastifyRequest,
  ): Promise<{ user: UserView; tokens?: TokenPair }> {
    return this.users.updateMe(actor, dto, req.ip);
  }
}
