import { Body, Controller, Get, Put } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { UserActor } from '../auth/actor.js';
import { CurrentUser, Roles, CustomerOnly } from '../auth/decorators.js';
import { ApiValidation } from '../common/api-docs.js';
import { AppError } from '../common/errors.js';
import { TenantDb } from '../database/tenant-db.service.js';
import {
  type DeskSettings,
  DeskSettingsDto,
  loadDeskSettings,
  loadSlaPolicies,
  PRIORITIES,
  SlaPoliciesDto,
  type SlaTarget,
} from './desk-settings.js';
import { businessHoursProblems } from './sla.util.js';
import type { Priority } from './ticket-state.util.js';

type DeskSettingsView = Omit<DeskSettings, 'lastAssigneeId'>;

function publicSettings(s: DeskSettings): DeskSettingsView {
  return {
    businessHours: s.businessHours,
    reopenWindowDays: s.reopenWindowDays,
    maxOpenPerAgent: s.maxOpenPerAgent,
    autoAssign: s.autoAssign,
    proactive: s.proactive,
  };
}

@ApiTags('settings')
@Controller('settings')
@CustomerOnly()
export class SettingsController {
  constructor(private readonly db: TenantDb) {}

  @Get('desk')
  @Roles('admin', 'agent')
  @ApiOperation({
    summary: 'Business hours, reopen window, assignment and proactive-ticket thresholds',
  })
  @ApiOkResponse({ type: DeskSettingsDto })
  desk(@CurrentUser() actor: UserActor): Promise<DeskSettingsView> {
    return this.db.tenantTransaction(actor.tenantId, async ({ em }) => {
      return publicSettings(await loadDeskSettings(em));
    });
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
    if (dto.businessHours !== undefined) {
      const problems = businessHoursProblems(dto.businessHours);
      if (problems.length > 0) {
        throw new AppError('validation_failed', 'The business hours are not valid.', {
          errors: problems.slice(0, 50).map(({ path, message }) => ({
            field: path ? `businessHours.${path}` : 'businessHours',
            message,
          })),
        });
      }
    }
    return this.db.tenantTransaction(actor.tenantId, async ({ em }) => {
      const current = await loadDeskSettings(em);
      const next = { ...current, ...dto, proactive: { ...current.proactive, ...dto.proactive } };
      await em.query(
        `INSERT INTO desk_settings (tenant_id, business_hours, reopen_window_days, max_open_per_agent, auto_assign, proactive)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (tenant_id) DO UPDATE SET business_hours = $2, reopen_window_days = $3, max_open_per_agent = $4,
           auto_assign = $5, proactive = $6, updated_at = now()`,
        [
          actor.tenantId,
          JSON.stringify(next.businessHours),
          next.reopenWindowDays,
          next.maxOpenPerAgent,
          next.autoAssign,
          JSON.stringify(next.proactive),
        ],
      );
      return publicSettings(await loadDeskSettings(em));
    });
  }

  @Get('sla')
  @Roles('admin', 'agent', 'manager')
  @ApiOperation({ summary: 'SLA targets per priority, in business minutes' })
  @ApiOkResponse({ type: SlaPoliciesDto })
  sla(@CurrentUser() actor: UserActor): Promise<Record<Priority, SlaTarget>> {
    return this.db.tenantTransaction(actor.tenantId, ({ em }) => loadSlaPolicies(em));
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
    return this.db.tenantTransaction(actor.tenantId, async ({ em }) => {
      for (const priority of PRIORITIES) {
        const t = dto[priority];
        if (!t) continue;
        await em.query(
          `INSERT INTO sla_policies (tenant_id, priority, first_response_minutes, resolution_minutes) VALUES ($1, $2, $3, $4)
           ON CONFLICT (tenant_id, priority) DO UPDATE SET first_response_minutes = $3, resolution_minutes = $4`,
          [actor.tenantId, priority, t.firstResponseMinutes ?? null, t.resolutionMinutes ?? null],
        );
      }
      return loadSlaPolicies(em);
    });
  }
}
