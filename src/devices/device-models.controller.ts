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
import { DeviceModelsService } from './device-models.service.js';
import {
  CreateDeviceModelDto,
  DeviceModelPageDto,
  DeviceModelView,
  ListDeviceModelsQueryDto,
  UpdateDeviceModelDto,
} from './dto/device-models.dto.js';
import { IdParam } from '../common/id-param.js';

@ApiTags('device-models')
@Controller('device-models')
@CustomerOnly()
export class DeviceModelsController {
  constructor(private readonly models: DeviceModelsService) {}

  @Post()
  @Roles('admin', 'manager')
  @Idempotent()
  @ApiOperation({ summary: 'Add your own lock model to the catalog' })
  @ApiCreatedResponse({ type: DeviceModelView })
  @ApiValidation()
  @ApiConflictResponse({
    type: ProblemDto,
    description: 'You already have this manufacturer + model',
  })
  create(
    @CurrentUser() actor: UserActor,
    @Body() dto: CreateDeviceModelDto,
    @IdempotencyContext() idem?: IdempotencyScope,
  ): Promise<DeviceModelView> {
    return this.models.create(actor, dto, idem);
  }

  @Get()
  @Roles('admin', 'manager', 'agent')
  @ApiOperation({
    summary: 'The catalog: built-in reference models and your own, by manufacturer and model',
  })
  @ApiOkResponse({ type: DeviceModelPageDto })
  @ApiValidation()
  list(
    @CurrentUser() actor: UserActor,
    @Query() q: ListDeviceModelsQueryDto,
  ): Promise<Page<DeviceModelView>> {
    return this.models.list(actor, q);
  }

  @Get(':id')
  @Roles('admin', 'manager', 'agent')
  @ApiOperation({ summary: 'One model' })
  @ApiOkResponse({ type: DeviceModelView })
  @ApiNotFound('Device model')
  get(
    @CurrentUser() actor: UserActor,
    @IdParam('Device model') id: string,
  ): Promise<DeviceModelView> {
    return this.models.get(actor, id);
  }

  @Patch(':id')
  @Roles('admin', 'manager')
  @ApiOperation({
    summary: 'Change your model, or set the latest firmware you track for a reference model',
    description:
      'On a reference model only `latestFirmware` may be sent (null clears your override).',
  })
  @ApiOkResponse({ type: DeviceModelView })
  @ApiBodyAndId('Device model')
  @ApiConflictResponse({ type: ProblemDto, description: 'Reference models are read-only' })
  update(
    @CurrentUser() actor: UserActor,
    @IdParam('Device model') id: string,
    @Body() dto: UpdateDeviceModelDto,
  ): Promise<DeviceModelView> {
    return this.models.update(actor, id, dto);
  }

  @Delete(':id')
  @Roles('admin', 'manager')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove your own model when no device uses it' })
  @ApiNoContentResponse()
  @ApiNotFound('Device model')
  @ApiConflictResponse({ type: ProblemDto, description: 'In use, or a reference model' })
  remove(@CurrentUser() actor: UserActor, @IdParam('Device model') id: string): Promise<void> {
    return this.models.remove(actor, id);
  }
}
