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
import { CurrentUser, Roles, CustomerOnly } from '../auth/index.js';
import { ApiBodyAndId, ApiNotFound, ApiValidation } from '../common/api-docs.js';
import { IdempotencyContext, Idempotent } from '../common/idempotency/idempotent.decorator.js';
import type { IdempotencyScope } from '../common/idempotency/idempotency.service.js';
import type { Page } from '../common/pagination.js';
import { ProblemDto } from '../common/problem.dto.js';
import {
  CreatePropertyDto,
  ListPropertiesQueryDto,
  PropertyPageDto,
  type PropertyListItem,
  PropertyView,
  UpdatePropertyDto,
} from './dto/properties.dto.js';
import { PropertiesService } from './properties.service.js';
import { IdParam } from '../common/id-param.js';

@ApiTags('properties')
@Controller('properties')
@CustomerOnly()
export class PropertiesController {
  constructor(private readonly properties: PropertiesService) {}

  @Post()
  @Roles('admin', 'manager')
  @Idempotent()
  @ApiOperation({ summary: 'Register a property (site) with its address, units and time zone' })
  @ApiCreatedResponse({ type: PropertyView })
  @ApiValidation()
  create(
    @CurrentUser() actor: UserActor,
    @Body() dto: CreatePropertyDto,
    @IdempotencyContext() idem?: IdempotencyScope,
  ): Promise<PropertyView> {
    return this.properties.create(actor, dto, idem);
  }

  @Get()
  @Roles('admin', 'manager', 'agent')
  @ApiOperation({ summary: 'List properties; `q` searches names' })
  @ApiOkResponse({ type: PropertyPageDto })
  @ApiValidation()
  list(
    @CurrentUser() actor: UserActor,
    @Query() q: ListPropertiesQueryDto,
  ): Promise<Page<PropertyListItem>> {
    return this.properties.list(actor, q);
  }

  @Get(':id')
  @Roles('admin', 'manager', 'agent')
  @ApiOperation({ summary: 'One property' })
  @ApiOkResponse({ type: PropertyView })
  @ApiNotFound('Property')
  get(@CurrentUser() actor: UserActor, @IdParam('Property') id: string): Promise<PropertyView> {
    return this.properties.get(actor, id);
  }

  @Patch(':id')
  @Roles('admin', 'manager')
  @ApiOperation({ summary: 'Change a property' })
  @ApiOkResponse({ type: PropertyView })
  @ApiBodyAndId('Property')
  update(
    @CurrentUser() actor: UserActor,
    @IdParam('Property') id: string,
    @Body() dto: UpdatePropertyDto,
  ): Promise<PropertyView> {
    return this.properties.update(actor, id, dto);
  }

  @Delete(':id')
  @Roles('admin', 'manager')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove a property with no devices' })
  @ApiNoContentResponse()
  @ApiNotFound('Property')
  @ApiConflictResponse({ type: ProblemDto, description: 'Devices are installed there' })
  remove(@CurrentUser() actor: UserActor, @IdParam('Property') id: string): Promise<void> {
    return this.properties.remove(actor, id);
  }
}
