import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { UserActor } from '../auth/index.js';
import { CurrentUser, Roles, CustomerOnly } from '../auth/index.js';
import { FleetHealthDto } from './dto/fleet.dto.js';
import { FleetService } from './fleet.service.js';

@ApiTags('devices')
@Controller('fleet')
@CustomerOnly()
export class FleetController {
  constructor(private readonly fleet: FleetService) {}

  @Get('health')
  @Roles('admin', 'manager', 'agent')
  @ApiOperation({
    summary: 'Fleet health: counts per property and model, and the locks that need attention first',
  })
  @ApiOkResponse({ type: FleetHealthDto })
  health(@CurrentUser() actor: UserActor): Promise<FleetHealthDto> {
    return this.fleet.health(actor);
  }
}
