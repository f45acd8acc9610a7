import { Inject, Injectable } from '@nestjs/common';
import type { UserActor } from '../auth/index.js';
import { AppError } from '../common/errors.js';
import { APP_CONFIG, type ResolvedConfig } from '../config/config.provider.js';
import { TenantDb } from '../database/tenant-db.service.js';
import {
  type DeskSettings,
  loadDeskSettings,
  loadSlaPolicies,
  type SlaTarget,
} from './desk-settings.js';
import { saveDeskSettings, saveSlaPolicies } from './desk-settings.repository.js';
import type { DeskSettingsDto, SlaPoliciesDto } from './dto/settings.dto.js';
import { businessHoursProblems } from './sla.util.js';
import { PRIORITIES, type Priority } from './ticket-state.util.js';

export type DeskSettingsView = Omit<DeskSettings, 'lastAssigneeId' | 'proactive'> & {
  proactive: DeskSettings['proactive'] & { batteryPercent: number };
};

/** Desk settings and SLA policies, as admins read and change them. */
@Injectable()
export class SettingsService {
  constructor(
    private readonly db: TenantDb,
    @Inject(APP_CONFIG) private readonly config: ResolvedConfig,
  ) {}

  private publicSettings(s: DeskSettings): DeskSettingsView {
    return {
      businessHours: s.businessHours,
      reopenWindowDays: s.reopenWindowDays,
      maxOpenPerAgent: s.maxOpenPerAgent,
      autoAssign: s.autoAssign,
      // The one low-battery threshold (LOW_BATTERY_PERCENT): the health flag's and this one.
      proactive: { batteryPercent: this.config.lowBatteryPercent, ...s.proactive },
    };
  }

  desk(actor: UserActor): Promise<DeskSettingsView> {
    return this.db.tenantTransaction(actor.tenantId, async (tx) =>
      this.publicSettings(await loadDeskSettings(tx)),
    );
  }

  updateDesk(actor: UserActor, dto: DeskSettingsDto): Promise<DeskSettingsView> {
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
    const battery = dto.proactive?.batteryPercent;
    if (battery !== undefined && battery !== this.config.lowBatteryPercent) {
      throw new AppError(
        'validation_failed',
        'The low-battery threshold is the app’s LOW_BATTERY_PERCENT, shared by the health flag and proactive tickets.',
        {
          errors: [
            {
              field: 'proactive.batteryPercent',
              message: `is set by LOW_BATTERY_PERCENT (${this.config.lowBatteryPercent}) for the health flag and proactive tickets alike; leave it out`,
            },
          ],
        },
      );
    }
    return this.db.tenantTransaction(actor.tenantId, async (tx) => {
      const current = await loadDeskSettings(tx);
      // The threshold checked above is the app's, not stored with the desk's own.
      const proactive = { ...current.proactive };
      if (dto.proactive?.offlineHours !== undefined)
        proactive.offlineHours = dto.proactive.offlineHours;
      if (dto.proactive?.jamsPerHour !== undefined)
        proactive.jamsPerHour = dto.proactive.jamsPerHour;
      const next = { ...current, ...dto, proactive };
      await saveDeskSettings(tx, next);
      return this.publicSettings(await loadDeskSettings(tx));
    });
  }

  sla(actor: UserActor): Promise<Record<Priority, SlaTarget>> {
    return this.db.tenantTransaction(actor.tenantId, (tx) => loadSlaPolicies(tx));
  }

  updateSla(actor: UserActor, dto: SlaPoliciesDto): Promise<Record<Priority, SlaTarget>> {
    return this.db.tenantTransaction(actor.tenantId, async (tx) => {
      await saveSlaPolicies(
        tx,
        PRIORITIES.flatMap((priority) => {
          const t = dto[priority];
          return t
            ? [
                {
                  priority,
                  first_response_minutes: t.firstResponseMinutes ?? null,
                  resolution_minutes: t.resolutionMinutes ?? null,
                },
              ]
            : [];
        }),
      );
      return loadSlaPolicies(tx);
    });
  }
}
