import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../auth/index.js';
import { ApiKeyAccess, CurrentActor, Roles, CustomerOnly } from '../auth/index.js';
import { ApiValidation } from '../common/api-docs.js';
import { MAX_TELEMETRY_BATCH, TelemetryBatchDto, TelemetryResultDto } from './dto/telemetry.dto.js';
import { TelemetryService } from './telemetry.service.js';

@ApiTags('telemetry')
@Controller('telemetry')
@CustomerOnly()
export class TelemetryController {
  constructor(private readonly telemetry: TelemetryService) {}

  @Post()
  @HttpCode(200)
  @ApiKeyAccess()
  @Roles('admin')
  @ApiOperation({
    summary: `Ingest a batch of up to ${MAX_TELEMETRY_BATCH} lock events (X-Api-Key)`,
    description:
      'Valid events are stored (append-only) and folded into each lock’s health in the same transaction. ' +
      'Invalid events (unknown serial, bad type or value, a time in the future) come back in `rejected` and are not stored. ' +
      'Redelivery (same eventId, else same serial + type + at) is not counted twice; late events never move health backwards.',
  })
  @ApiOkResponse({ type: TelemetryResultDto })
  @ApiValidation()
  ingest(
    @CurrentActor() actor: Actor,
    @Body() batch: TelemetryBatchDto,
  ): Promise<TelemetryResultDto> {
    return this.telemetry.ingest(actor, batch.events);
  }
}
