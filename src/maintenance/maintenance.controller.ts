import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { UserActor } from '../auth/index.js';
import { CurrentUser, CustomerOnly, Roles } from '../auth/index.js';
import { ApiValidation } from '../common/api-docs.js';
import { MaintenancePlanDto, MaintenancePlanQueryDto } from './dto/maintenance.dto.js';
import { MaintenanceService } from './maintenance.service.js';

@ApiTags('maintenance')
@Controller('maintenance')
@CustomerOnly()
export class MaintenanceController {
  constructor(private readonly maintenance: MaintenanceService) {}

  @Get('plan')
  @Roles('admin', 'manager', 'agent')
  @ApiOperation({
    summary: 'Maintenance plan: one visit per property for what falls due in the next `days` days',
    description:
      'Each active lock whose battery reaches 10% within the horizon (the battery forecast of ' +
      '`GET /v1/devices/:id/health`), whose warranty ends within it, or whose firmware is behind ' +
      'its model’s latest, batched per property: the locks to visit, the batteries to bring by ' +
      'type and count, and the firmware updates to make. `visitBy` is the earliest due date ' +
      'among the property’s locks.',
  })
  @ApiOkResponse({ type: MaintenancePlanDto })
  @ApiValidation()
  plan(
    @CurrentUser() actor: UserActor,
    @Query() q: MaintenancePlanQueryDto,
  ): Promise<MaintenancePlanDto> {
    return this.maintenance.plan(actor, q);
  }
}
