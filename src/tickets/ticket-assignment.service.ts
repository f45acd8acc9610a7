import { Injectable } from '@nestjs/common';
import { AppError } from '../common/errors.js';
import type { TenantTx } from '../database/tenant-db.service.js';
import { isAssignableMember } from '../tenancy/index.js';
import {
  type DeskSettings,
  loadDeskSettings,
  loadSlaTarget,
  type SlaTarget,
} from './desk-settings.js';
import { slaStateAsync } from './sla.util.js';
import { pausesOf } from './ticket-sla.repository.js';
import type { Priority } from './ticket-state.util.js';
import type { TicketChanges, TicketRow } from './tickets.repository.js';

export interface DueTimes {
  firstResponseDueAt: Date | null;
  resolutionDueAt: Date | null;
}

/**
 * Who may hold a ticket (explicit assignment) and when it is due (SLA targets); round-robin
 * assignment happens in the creation's write statement (tickets.repository insertTicket).
 */
@Injectable()
export class TicketAssignment {
  async assertAssignable(tx: TenantTx, userId: string): Promise<void> {
    if (!(await isAssignableMember(tx, userId))) {
      throw new AppError('assignee_not_agent', undefined, {
        errors: [{ field: 'assigneeId', message: 'no agent or admin with this id in your tenant' }],
      });
    }
  }

  /** Due times for the ticket's priority, counting business hours and the pauses so far. */
  async retarget(
    tx: TenantTx,
    row: TicketRow,
    priority: Priority,
    now: Date,
    opts: { settings?: DeskSettings } = {},
  ): Promise<TicketChanges> {
    const s = opts.settings ?? (await loadDeskSettings(tx));
    const target = await loadSlaTarget(tx, priority);
    const pauses = await pausesOf(tx, row.id);
    const due = await this.dueTimes(row.created_at, target, pauses, s, now);
    return {
      first_response_minutes: target.firstResponseMinutes,
      resolution_minutes: target.resolutionMinutes,
      first_response_due_at: due.firstResponseDueAt,
      resolution_due_at: due.resolutionDueAt,
    };
  }

  async dueTimes(
    createdAt: Date,
    target: SlaTarget,
    pauses: { start: Date; end: Date | null }[],
    settings: DeskSettings,
    now: Date,
  ): Promise<DueTimes> {
    const state = await slaStateAsync({
      createdAt,
      firstResponseMinutes: target.firstResponseMinutes,
      resolutionMinutes: target.resolutionMinutes,
      firstRespondedAt: null,
      resolvedAt: null,
      pauses,
      now,
      hours: settings.businessHours,
    });
    return { firstResponseDueAt: state.firstResponseDueAt, resolutionDueAt: state.resolutionDueAt };
  }
}
