import { Body, Controller, Delete, Get, HttpCode, Post, Query } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ApiNotFound, ApiValidation } from '../common/api-docs.js';
import { type Page, PageQueryDto } from '../common/pagination.js';
import type { UserActor } from './actor.js';
import { ApiKeysService } from './api-keys.service.js';
import { CurrentUser, Roles } from './decorators.js';
import {
  ApiKeyPageDto,
  type ApiKeyView,
  CreateApiKeyDto,
  CreatedApiKeyDto,
} from './dto/api-keys.dto.js';
import { IdParam } from '../common/id-param.js';

@ApiTags('api-keys')
@Controller('api-keys')
@Roles('admin')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  @ApiOperation({
    summary: 'Create a tenant API key for machine clients (X-Api-Key)',
    description: 'The key is in this answer only; LockDesk keeps just its hash.',
  })
  @ApiCreatedResponse({ type: CreatedApiKeyDto })
  @ApiValidation()
  create(@CurrentUser() actor: UserActor, @Body() dto: CreateApiKeyDto): Promise<CreatedApiKeyDto> {
    return this.keys.create(actor, dto);
  }

  @Get()
  @ApiOperation({ summary: 'List active API keys (never the keys themselves)' })
  @ApiOkResponse({ type: ApiKeyPageDto })
  @ApiValidation()
  list(@CurrentUser() actor: UserActor, @Query() q: PageQueryDto): Promise<Page<ApiKeyView>> {
    return this.keys.list(actor, q);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke an API key, at once' })
  @ApiNoContentResponse()
  @ApiNotFound('API key')
  revoke(@CurrentUser() actor: UserActor, @IdParam('API key') id: string): Promise<void> {
    return this.keys.revoke(actor, id);
  }
}
