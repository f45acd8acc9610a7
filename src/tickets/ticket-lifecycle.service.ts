import { Injectable } from '@nestjs/common';
import type { Actor, UserActor } from '../auth/index.js';
import { AppError } from '../common/errors.js';
import type { TenantTx } from '../database/tenant-db.service.js';
import { lockFacts } from '../devices/index.js';
import type { CauseCode } from '../diagnostics/index.js';
import { loadDeskSettings } from './desk-settings.js';
import type { ResolveDto, TicketView } from './dto/tickets.dto.js';
import { recordConfirmedCause } from '../diagnostics/index.js';
import { MAX_SLA_PAUSES } from './sla.util.js';
import { EscalationHooks } from './escalation-hooks.js';
import { TicketAssignment } from './ticket-assignment.service.js';
import { TicketChange } from './ticket-change.js';
import { countPauses, endPause, startPause } from './ticket-sla.repository.js';
import { checkTransition, PAUSED_STATUSES, type TicketStatus } from './ticket-state.util.js';
import { TicketTimeline } from './ticket-timeline.service.js';
import type { TicketChanges, TicketRow } from './tickets.repository.js';
import { isStaff } from './ticket-view.js';

export interface Solution {
  cause: CauseCode;
  resolution: string;
  /** the timeline event that says who solved it ('resolved', 'escalation_resolved') */
  eventType: string;
  /** more for that event's `after` */
  eventDetail?: object;
  /** false: the priors do not learn from this ticket (an incident teaches them once for all) */
  learn?: boolean;
}

/** Status changes: the lifecycle rules, SLA pause bookkeeping, first response, solving and learning. */
@Injectable()
export class TicketLifecycle {
  constructor(
    private readonly tickets: TicketChange,
    private readonly timeline: TicketTimeline,
    private readonly assignment: TicketAssignment,
    private readonly escalations: EscalationHooks,
  ) {}

  /**
   * A status change: lifecycle rules, SLA pause bookkeeping, timeline. Reopening a solved ticket
   * (within the reopen window) needs a reason, however it is asked for (PATCH or /reopen); a
   * reason is refused on any other change. `confirmed`: the reporter's side closed it (/confirm).
   */
  async transition(
    tx: TenantTx,
    actor: Actor | null,
    row: TicketRow,
    to: TicketStatus,
    now: Date,
    opts: { confirmedCause?: string; reason?: string; confirmed?: boolean } = {},
  ): Promise<TicketChanges> {
    const reopening = row.status === 'solved' && to === 'open';
    if (reopening !== (opts.reason !== undefined)) {
      throw new AppError('validation_failed', 'One or more fields are invalid.', {
        errors: [
          {
            field: 'reason',
            message: reopening
              ? 'reason is required to reopen a solved ticket'
              : 'reason is only for reopening a solved ticket',
          },
        ],
      });
    }
    const settings = await loadDeskSettings(tx);
    const check = checkTransition(row.status, to, {
      solvedAt: row.solved_at,
      now,
      reopenWindowDays: settings.reopenWindowDays,
    });
    if (!check.ok) {
      throw new AppError(
        'illegal_transition',
        `${check.reason} Allowed: ${check.allowed.join(', ') || 'none'}.`,
        {
          allowed: check.allowed,
        },
      );
    }
    const changes: TicketChanges = { status: to };
    const wasPaused = PAUSED_STATUSES.includes(row.status);
    const pausing = PAUSED_STATUSES.includes(to);
    if (pausing && !wasPaused) {
      // Every pause is a step of each later SLA computation: their number is bounded.
      const pauses = await countPauses(tx, row.id);
      if (pauses >= MAX_SLA_PAUSES) {
        throw new AppError(
          'conflict',
          `The SLA clock of this ticket has been stopped ${pauses} times, the most allowed.`,
        );
      }
      await startPause(tx, row.id, now);
      changes.sla_paused_at = now;
    }
    if (wasPaused && !pausing) {
      await endPause(tx, row.id, now);
      changes.sla_paused_at = null;
      Object.assign(
        changes,
        await this.assignment.retarget(tx, row, row.priority, now, { settings }),
      );
    }
    if (to === 'solved') {
      changes.solved_at = now;
      if (row.resolution_due_at && now > row.resolution_due_at && !wasPaused)
        changes.sla_breached = true;
    }
    if (to === 'closed') changes.closed_at = now;
    // Solved or closed on the desk: an escalation still open ends with the ticket.
    if (to === 'solved' || to === 'closed') await this.escalations.settled(tx, actor, row, to);
    if (row.status === 'solved' && to === 'open') {
      Object.assign(changes, { solved_at: null, confirmed_cause: null, resolution: null });
    }
    await this.timeline.record(tx, actor, row, reopening ? 'reopened' : 'status_changed', {
      before: { status: row.status },
      after: {
        status: to,
        ...(opts.confirmedCause ? { confirmedCause: opts.confirmedCause } : {}),
        ...(opts.reason !== undefined ? { reason: opts.reason } : {}),
        ...(opts.confirmed ? { confirmed: true } : {}),
      },
    });
    return changes;
  }

  /** First public answer or step by the desk stops the first-response clock and opens a new ticket. */
  async responded(tx: TenantTx, actor: Actor, row: TicketRow, now: Date): Promise<TicketChanges> {
    if (!isStaff(actor)) return {};
    const changes: TicketChanges = {};
    if (row.first_responded_at === null) {
      changes.first_responded_at = now;
      if (
        row.first_response_due_at &&
        now > row.first_response_due_at &&
        row.sla_paused_at === null
      ) {
        changes.sla_breached = true;
      }
    }
    if (row.status === 'new')
      Object.assign(changes, await this.transition(tx, actor, row, 'open', now));
    return changes;
  }

  /** The desk solves the ticket with the confirmed cause. */
  resolve(actor: UserActor, id: string, dto: ResolveDto): Promise<TicketView> {
    return this.tickets.change(
      actor,
      id,
      (tx, row, now) =>
        this.solve(tx, actor, row, now, {
          cause: dto.confirmedCause,
          resolution: dto.resolution,
          eventType: 'resolved',
        }),
      { withSteps: true },
    );
  }

  /**
   * Solved with a confirmed cause (by the desk, or by a partner closing an
   * escalation): the status change, the cause taught to this tenant's priors
   * for the lock's model, and the timeline event, in the caller's transaction.
   * A ticket that is already solved is a 409 naming the allowed transitions,
   * so the priors learn once per solve; the caller holds the ticket's row
   * lock (changeIn), so concurrent resolves queue up and all but the first
   * meet a solved ticket.
   */
  async solve(
    tx: TenantTx,
    actor: Actor,
    row: TicketRow,
    now: Date,
    s: Solution,
  ): Promise<TicketChanges> {
    const changes = await this.transition(tx, actor, row, 'solved', now, {
      confirmedCause: s.cause,
    });
    const lock = s.learn === false ? undefined : await lockFacts(tx, row.device_id);
    if (lock) await recordConfirmedCause(tx, lock.modelId, s.cause);
    await this.timeline.record(tx, actor, row, s.eventType, {
      after: { ...s.eventDetail, confirmedCause: s.cause, resolution: s.resolution },
    });
    return { ...changes, confirmed_cause: s.cause, resolution: s.resolution };
  }
}
