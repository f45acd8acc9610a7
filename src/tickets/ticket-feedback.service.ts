import { Injectable } from '@nestjs/common';
import type { UserActor } from '../auth/index.js';
import { AppError } from '../common/errors.js';
import { uuidv7 } from '../common/ids.js';
import { TenantDb, type TenantTx } from '../database/tenant-db.service.js';
import type { RateAnswer, RateDto, RatingView, TicketView } from './dto/tickets.dto.js';
import { EscalationHooks } from './escalation-hooks.js';
import { TicketChange } from './ticket-change.js';
import { TicketLifecycle } from './ticket-lifecycle.service.js';
import { insertRating, type RatingRow, ticketOutcome } from './ticket-ratings.repository.js';
import { TicketTimeline } from './ticket-timeline.service.js';

const ratingView = (r: RatingRow): RatingView => ({
  score: r.score,
  comment: r.comment,
  ratedBy: r.rated_by,
  ratedAt: r.created_at.toISOString(),
  partner: r.partner,
});

/**
 * The reporter's side of a solved ticket: confirm it (closed), reopen it with a reason within the
 * reopen window, rate the resolution once; and what a single ticket shows of its outcome (who
 * solved it, the rating, the escalation).
 */
@Injectable()
export class TicketFeedbackService {
  constructor(
    private readonly db: TenantDb,
    private readonly tickets: TicketChange,
    private readonly lifecycle: TicketLifecycle,
    private readonly timeline: TicketTimeline,
    private readonly escalations: EscalationHooks,
  ) {}

  /** solved -> closed, under If-Match; any other state is a 409 naming it. */
  confirm(actor: UserActor, id: string, expectedVersion: number): Promise<TicketView> {
    return this.db.tenantTransaction(actor.tenantId, async (tx) =>
      this.withOutcome(
        tx,
        await this.tickets.changeIn(
          tx,
          id,
          (t, row, now) => {
            if (row.status !== 'solved') throw notSolved(row.status, 'confirmed');
            return this.lifecycle.transition(t, actor, row, 'closed', now, { confirmed: true });
          },
          { expectedVersion, withSteps: true },
        ),
      ),
    );
  }

  /** solved -> open within the reopen window (else 409), with the reason, under If-Match. */
  reopen(
    actor: UserActor,
    id: string,
    expectedVersion: number,
    reason: string,
  ): Promise<TicketView> {
    return this.db.tenantTransaction(actor.tenantId, async (tx) =>
      this.withOutcome(
        tx,
        await this.tickets.changeIn(
          tx,
          id,
          (t, row, now) => {
            if (row.status !== 'solved') throw notSolved(row.status, 'reopened');
            return this.lifecycle.transition(t, actor, row, 'open', now, { reason });
          },
          { expectedVersion, withSteps: true },
        ),
      ),
    );
  }

  /**
   * The resolution's rating, once per ticket (409 the second time), on a solved or closed
   * ticket; a `rated` event; the ticket's version moves (GET shows the rating). When a partner's
   * escalation solved it, the rating counts in that partner's record.
   */
  async rate(
    actor: UserActor,
    id: string,
    dto: RateDto,
    expectedVersion: number | undefined,
  ): Promise<RateAnswer> {
    let rating: RatingRow | undefined;
    const view = await this.tickets.change(
      actor,
      id,
      async (tx, row, now) => {
        if (row.status !== 'solved' && row.status !== 'closed')
          throw notSolved(row.status, 'rated', 'a solved or closed');
        rating = await insertRating(tx, {
          id: uuidv7(),
          ticketId: id,
          score: dto.score,
          comment: dto.comment ?? null,
          ratedBy: actor.userId,
          at: now,
        });
        if (!rating) throw new AppError('already_rated', 'This ticket has been rated already.');
        await this.timeline.record(tx, actor, row, 'rated', {
          after: {
            score: rating.score,
            comment: rating.comment,
            partnerId: rating.partner?.id ?? null,
          },
        });
        return {};
      },
      { allowClosed: true, ...(expectedVersion !== undefined ? { expectedVersion } : {}) },
    );
    return { ...ratingView(rating!), ticketVersion: view.version };
  }

  /** A single ticket's answer with its outcome: the escalation, who solved it, the rating. */
  async withOutcome(tx: TenantTx, view: TicketView): Promise<TicketView> {
    const outcome = await ticketOutcome(tx, view.id);
    const settled = view.status === 'solved' || view.status === 'closed';
    return {
      ...view,
      escalation: await this.escalations.current(tx, view.id),
      resolvedBy: settled ? outcome.resolved_by : null,
      rating: outcome.rating && ratingView(outcome.rating),
    };
  }
}

function notSolved(status: string, what: string, which = 'a solved'): AppError {
  return new AppError(
    'ticket_not_solved',
    `Only ${which} ticket can be ${what}; this one is ${status}.`,
    { ticketStatus: status },
  );
}
