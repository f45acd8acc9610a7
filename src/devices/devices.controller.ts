import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  Patch,
  Post,
  Query,
} from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { UserActor } from '../auth/index.js';
import { CurrentUser, Roles, CustomerOnly } from '../auth/index.js';
import { ApiBodyAndId, ApiNotFound, ApiValidation } from '../common/api-docs.js';
import { IdempotencyContext, Idempotent } from '../common/idempotency/idempotent.decorator.js';
import type { IdempotencyScope } from '../common/idempotency/idempotency.service.js';
import type { Page } from '../common/pagination.js';
import { ProblemDto } from '../common/problem.dto.js';
import { DevicesService, MAX_IMPORT_ROWS } from './devices.service.js';
import {
  CreateDeviceDto,
  DevicePageDto,
  DeviceView,
  ImportDeviceRow,
  ImportResultDto,
  ListDevicesQueryDto,
  UpdateDeviceDto,
} from './dto/devices.dto.js';
import { DeviceHealthView } from './dto/health.dto.js';
import { IdParam } from '../common/id-param.js';

@ApiTags('devices')
@Controller('devices')
@CustomerOnly()
export class DevicesController {
  constructor(private readonly devices: DevicesService) {}

  @Post()
  @Roles('admin', 'manager')
  @Idempotent()
  @ApiOperation({ summary: 'Register one lock' })
  @ApiCreatedResponse({ type: DeviceView })
  @ApiValidation()
  @ApiConflictResponse({ type: ProblemDto, description: 'Serial already in the fleet' })
  create(
    @CurrentUser() actor: UserActor,
    @Body() dto: CreateDeviceDto,
    @IdempotencyContext() idem?: IdempotencyScope,
  ): Promise<DeviceView> {
    return this.devices.create(actor, dto, idem);
  }

  @Post('import')
  @Roles('admin', 'manager')
  @Idempotent()
  @ApiOperation({
    summary: `Import up to ${MAX_IMPORT_ROWS} locks at once, all or nothing`,
    description:
      'JSON `{"devices": [...]}` or `text/csv` with a header row. Columns/fields: serial, modelId or ' +
      'manufacturer + model, propertyId or propertyName, unit, firmwareVersion, protocol, installedAt, label, status. ' +
      'One bad row rejects the whole batch with a 400 whose `rows` lists every bad row (row number, field, message).',
    requestBody: {
      required: true,
      content: {
        'application/json': {
          schema: {
            type: 'object',
            required: ['devices'],
            additionalProperties: false,
            properties: {
              devices: {
                type: 'array',
                minItems: 1,
                maxItems: MAX_IMPORT_ROWS,
                items: { $ref: '#/components/schemas/ImportDeviceRow' },
              },
            },
          },
        },
        'text/csv': {
          schema: {
            type: 'string',
            description:
              'A header row naming columns of ImportDeviceRow (each known field spelled exactly, once; ' +
              'an unknown, repeated or unnamed column is a 400 listing the known ones), then one lock per row.',
            example:
              'serial,manufacturer,model,propertyName,unit\nYRD-1,Yale,Assure Lock 2 Keypad,Harbor View,1A',
          },
        },
      },
    },
  })
  @ApiExtraModels(ImportDeviceRow)
  @ApiCreatedResponse({ type: ImportResultDto })
  @ApiValidation()
  @ApiPayloadTooLargeResponse({ type: ProblemDto })
  import(
    @CurrentUser() actor: UserActor,
    @Body() body: unknown,
    @Headers('content-type') contentType: string | undefined,
    @IdempotencyContext() idem?: IdempotencyScope,
  ): Promise<ImportResultDto> {
    const csv = /^(text|application)\/csv\b/i.test(contentType ?? '');
    return this.devices.import(actor, body, csv ? 'csv' : 'json', idem);
  }

  @Get()
  @Roles('admin', 'manager', 'agent')
  @ApiOperation({ summary: 'List locks by property, model, status, health flag or serial' })
  @ApiOkResponse({ type: DevicePageDto })
  @ApiValidation()
  list(
    @CurrentUser() actor: UserActor,
    @Query() q: ListDevicesQueryDto,
  ): Promise<Page<DeviceView>> {
    return this.devices.list(actor, q);
  }

  @Get(':id')
  @Roles('admin', 'manager', 'agent')
  @ApiOperation({ summary: 'One lock' })
  @ApiOkResponse({ type: DeviceView })
  @ApiNotFound('Device')
  get(@CurrentUser() actor: UserActor, @IdParam('Device') id: string): Promise<DeviceView> {
    return this.devices.get(actor, id);
  }

  @Get(':id/health')
  @Roles('admin', 'manager', 'agent')
  @ApiOperation({ summary: 'The lock’s health snapshot, flags and battery forecast' })
  @ApiOkResponse({ type: DeviceHealthView })
  @ApiNotFound('Device')
  health(
    @CurrentUser() actor: UserActor,
    @IdParam('Device') id: string,
  ): Promise<DeviceHealthView> {
    return this.devices.health(actor, id);
  }

  @Patch(':id')
  @Roles('admin', 'manager')
  @ApiOperation({ summary: 'Change a lock (move it, set firmware, retire it with status)' })
  @ApiOkResponse({ type: DeviceView })
  @ApiBodyAndId('Device')
  @ApiConflictResponse({ type: ProblemDto, description: 'The new serial is already in the fleet' })
  update(
    @CurrentUser() actor: UserActor,
    @IdParam('Device') id: string,
    @Body() dto: UpdateDeviceDto,
  ): Promise<DeviceView> {
    return this.devices.update(actor, id, dto);
  }

  @Delete(':id')
  @Roles('admin', 'manager')
  @HttpCode(204)
  @ApiOperation({ summary: 'Retire a lock (its history stays)' })
  @ApiNoContentResponse()
  @ApiNotFound('Device')
  retire(@CurrentUser() actor: UserActor, @IdParam('Device') id: string): Promise<void> {
    return this.devices.retire(actor, id);
  }
}
