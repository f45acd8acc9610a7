import { Body, Controller, Get, Put } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { UserActor } from '../auth/index.js';
import { CurrentUser, Roles, CustomerOnly } from '../auth/index.js';
import { ApiValidation } from '../common/api-docs.js';
import type { SlaTarget } from './desk-settings.js';
import { DeskSettingsDto, SlaPoliciesDto } from './dto/settings.dto.js';
import { type DeskSettingsView, SettingsService } from './settings.service.js';
import type { Priority } from './ticket-state.util.js';

@ApiTags('settings')
@Controller('settings')
@CustomerOnly()
export class SettingsController {
  constructor(private readonly settings: SettingsService) {}

  @Get('desk')
  @Roles('admin', 'agent')
  @ApiOperation({
    summary: 'Business hours, reopen window, assignment and proactive-ticket thresholds',
  })
  @ApiOkResponse({ type: DeskSettingsDto })
  desk(@CurrentUser() actor: UserActor): Promise<DeskSettingsView> {
    return this.settings.desk(actor);
  }

  @Put('desk')
  @Roles('admin')
  @ApiOperation({ summary: 'Change desk settings (fields left out keep their values)' })
  @ApiOkResponse({ type: DeskSettingsDto })
  @ApiValidation()
  updateDesk(
    @CurrentUser() actor: UserActor,
    @Body() dto: DeskSettingsDto,
  ): Promise<DeskSettingsView> {
    return this.settings.updateDesk(actor, dto);
  }

  @Get('sla')
  @Roles('admin', 'agent', 'manager')
  @ApiOperation({ summary: 'SLA targets per priority, in business minutes' })
  @ApiOkResponse({ type: SlaPoliciesDto })
  sla(@CurrentUser() actor: UserActor): Promise<Record<Priority, SlaTarget>> {
    return this.settings.sla(actor);
  }

  @Put('sla')
  @Roles('admin')
  @ApiOperation({
    summary:
      'Set SLA targets for some priorities (null: no target); applies to tickets created or re-prioritised after',
  })
  @ApiOkResponse({ type: SlaPoliciesDto })
  @ApiValidation()
  updateSla(
    @CurrentUser() actor: UserActor,
    @Body() dto: SlaPoliciesDto,
  ): Promise<Record<Priority, SlaTarget>> {
    return this.settings.updateSla(actor, dto);
  }
}
