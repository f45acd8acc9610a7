import { Injectable } from '@nestjs/common';
import type { UserActor } from '../auth/index.js';
import { AppError, notFound } from '../common/errors.js';
import type { IdempotencyScope } from '../common/idempotency/idempotency.service.js';
import { uuidv7 } from '../common/ids.js';
import type { TenantTx } from '../database/tenant-db.service.js';
import type { SymptomCode } from '../diagnostics/index.js';
import type { TicketView } from './dto/tickets.dto.js';
import { reportPriority } from './report-priority.util.js';
import { TicketAssignment } from './ticket-assignment.service.js';
import { TicketChange } from './ticket-change.js';
import { insertComment } from './ticket-comments.repository.js';
import { TicketLifecycle } from './ticket-lifecycle.service.js';
import { OPEN_STATUSES, PRIORITIES, type Priority } from './ticket-state.util.js';
import { TicketTimeline } from './ticket-timeline.service.js';
import {
  appendSearchText,
  type CreationFacts,
  type LockRef,
  type TicketChanges,
} from './tickets.repository.js';
import { isStaff } from './ticket-view.js';

/** A second report of a lock whose ticket is still open. */
export interface RepeatReport {
  description: string;
  symptoms?: SymptomCode[];
  priority?: Priority;
}

const rank = (p: Priority) => PRIORITIES.indexOf(p);

/**
 * Reports that do not open a ticket: a report on a lock whose ticket is still open joins that
 * ticket (its words as a public comment, a `reported_again` event, a higher priority when they
 * call for one), and a proactive alert on a lock with an open reported ticket becomes a note on
 * it (`proactive_note`) instead of a maintenance ticket of its own.
 */
@Injectable()
export class TicketReports {
  constructor(
    private readonly tickets: TicketChange,
    private readonly timeline: TicketTimeline,
    private readonly lifecycle: TicketLifecycle,
    private readonly assignment: TicketAssignment,
  ) {}

  /**
   * Adds the report to the open ticket and answers it (`existing: true`, status 200); the
   * Idempotency-Key's answer is stored in the same transaction.
   */
  async reportAgain(
    tx: TenantTx,
    actor: UserActor,
    ticketId: string,
    report: RepeatReport,
    idem?: IdempotencyScope,
  ): Promise<TicketView> {
    const view = await this.tickets.changeIn(
      tx,
      ticketId,
      async (tx, row, now) => {
        const commentId = uuidv7();
        await insertComment(tx, {
          id: commentId,
          ticketId: row.id,
          authorId: actor.userId,
          body: report.description,
          internal: false,
          at: now,
        });
        await appendSearchText(tx, row.id, report.description);
        await this.timeline.record(tx, actor, row, 'reported_again', {
          after: { commentId, symptoms: report.symptoms ?? [] },
        });
        const changes: TicketChanges = {};
        const priority =
          report.priority ?? reportPriority(report.symptoms ?? [], report.description);
        if (rank(priority) > rank(row.priority)) {
          Object.assign(
            changes,
            { priority },
            await this.assignment.retarget(tx, row, priority, now),
          );
          await this.timeline.record(tx, actor, row, 'priority_changed', {
            before: { priority: row.priority },
            after: { priority },
          });
        }
        // The reporter's side spoke again: a ticket waiting on them is back with the desk.
        if (!isStaff(actor) && row.status === 'pending')
          Object.assign(changes, await this.lifecycle.transition(tx, null, row, 'open', now));
        return changes;
      },
      { withSteps: true },
    );
    const answer: TicketView = { ...view, existing: true };
    if (idem) await idem.complete(tx, answer, 200);
    return answer;
  }

  /**
   * A proactive alert on a lock with an open reported ticket: a `proactive_note` event on it, the
   * reason remembered (`folded_reasons`) so the job does not note it again. False when the ticket
   * is no longer open or already has the note (another instance was first).
   */
  async fold(
    tx: TenantTx,
    ticketId: string,
    alert: { reason: string; description: string; symptoms: SymptomCode[] },
  ): Promise<boolean> {
    const row = await this.tickets.find(tx, ticketId, { lock: true });
    if (!OPEN_STATUSES.includes(row.status) || row.folded_reasons.includes(alert.reason))
      return false;
    await this.tickets.changeIn(tx, ticketId, async (tx, row) => {
      await this.timeline.record(tx, null, row, 'proactive_note', {
        after: { reason: alert.reason, note: alert.description, symptoms: alert.symptoms },
      });
      return { folded_reasons: [...row.folded_reasons, alert.reason] };
    });
    return true;
  }
}

/** The 404/409/422 for a report whose lock reference names no lock or several. */
export function unresolvedLock(ref: LockRef, facts: CreationFacts): AppError {
  if (ref.kind === 'device') return notFound('Device');
  if (ref.kind === 'serial')
    return new AppError('not_found', `No lock with serial ${ref.serial} in this tenant.`);
  if (facts.propertyFound === false) return notFound('Property');
  if (facts.matches.length > 1) {
    return new AppError(
      'several_locks_in_unit',
      `Unit ${ref.unit} has ${facts.matches.length > 20 ? 'more than 20' : facts.matches.length} active locks; report one by deviceId or serial.`,
      { locks: facts.matches.slice(0, 20) },
    );
  }
  return new AppError('no_lock_in_unit', `The property has no active lock in unit ${ref.unit}.`);
}
