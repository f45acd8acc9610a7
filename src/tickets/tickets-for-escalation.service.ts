import { Injectable } from '@nestjs/common';
import type { Actor, UserActor } from '../auth/index.js';
import { notFound } from '../common/errors.js';
import type { TenantTx } from '../database/tenant-db.service.js';
import type { CauseCode } from '../diagnostics/index.js';
import type { TicketView } from './dto/tickets.dto.js';
import { EscalationHooks, type TicketEscalationHooks } from './escalation-hooks.js';
import { TicketChange } from './ticket-change.js';
import { TicketLifecycle } from './ticket-lifecycle.service.js';
import { stepsOf } from './ticket-steps.repository.js';
import { TicketTimeline } from './ticket-timeline.service.js';
import { type TicketRow, ticketRef } from './tickets.repository.js';

/** What escalation sees of a ticket it escalates (read-only). */
export type EscalatedTicket = Readonly<
  Pick<
    TicketRow,
    'id' | 'number' | 'device_id' | 'status' | 'priority' | 'symptoms' | 'description' | 'diagnosis'
  >
>;

/**
 * The narrow surface the escalation module drives tickets through; the ticket services'
 * internals (the change engine, transitions, the timeline) stay private to tickets.
 * Methods taking `tx` run in the caller's transaction, which must be scoped to the ticket's
 * (customer) tenant: `tx.tenantId` is that tenant.
 */
@Injectable()
export class TicketsForEscalation {
  constructor(
    private readonly tickets: TicketChange,
    private readonly timeline: TicketTimeline,
    private readonly lifecycle: TicketLifecycle,
    private readonly hooks: EscalationHooks,
  ) {}

  /** Escalation's part in tickets: closing an escalation with its ticket, showing it on the ticket. */
  connect(hooks: TicketEscalationHooks): void {
    this.hooks.connect(hooks);
  }

  /**
   * An escalation of the ticket ends early (the customer cancels it): `end` does escalation's
   * work under the ticket's row lock and answers the timeline event to record; a ticket on hold
   * for it goes back to open (its SLA clock runs again). In the caller's transaction.
   */
  async releaseFromEscalation(
    tx: TenantTx,
    actor: UserActor,
    ticketId: string,
    end: (tx: TenantTx, ticket: EscalatedTicket) => Promise<{ type: string; after: object }>,
  ): Promise<TicketView> {
    return this.tickets.changeIn(tx, ticketId, async (t, row, now) => {
      const event = await end(t, row);
      await this.timeline.record(t, actor, row, event.type, { after: event.after });
      return row.status === 'on_hold' ? this.lifecycle.transition(t, actor, row, 'open', now) : {};
    });
  }

  /**
   * Escalates a ticket in one transaction: `escalate` does escalation's own work (snapshot,
   * routing) on the locked ticket and returns the `escalated` timeline event's detail; the
   * ticket is put on hold (if it is not already) and the event recorded. Answers the ticket.
   */
  holdForEscalation(
    actor: UserActor,
    ticketId: string,
    escalate: (tx: TenantTx, ticket: EscalatedTicket, now: Date) => Promise<object>,
  ): Promise<TicketView> {
    return this.tickets.change(
      actor,
      ticketId,
      async (tx, row, now) => {
        const detail = await escalate(tx, row, now);
        const changes =
          row.status === 'on_hold'
            ? {}
            : await this.lifecycle.transition(tx, actor, row, 'on_hold', now);
        await this.timeline.record(tx, actor, row, 'escalated', { after: detail });
        return changes;
      },
      { withSteps: true },
    );
  }

  /** An escalation's news on the ticket's timeline (declined, rerouted, scheduled...). */
  async recordEscalationEvent(
    tx: TenantTx,
    actor: Actor | null,
    ticketId: string,
    type: string,
    after: object,
  ): Promise<void> {
    const ticket = await ticketRef(tx, ticketId);
    if (!ticket) throw notFound('Ticket');
    await this.timeline.record(tx, actor, ticket, type, { after });
  }

  /**
   * A partner resolved the escalation: the ticket is solved with the confirmed cause (the
   * tenant's priors learn it) and an `escalation_resolved` event, under the ticket's row lock.
   */
  async solveFromEscalation(
    tx: TenantTx,
    actor: Actor,
    ticketId: string,
    s: { escalationId: string; cause: CauseCode; resolution: string },
  ): Promise<void> {
    await this.tickets.changeIn(tx, ticketId, (t, row, now) =>
      this.lifecycle.solve(t, actor, row, now, {
        cause: s.cause,
        resolution: s.resolution,
        eventType: 'escalation_resolved',
        eventDetail: { escalationId: s.escalationId },
      }),
    );
  }

  /** The steps tried on a ticket with their outcomes and notes, oldest first (for a work order). */
  async stepsTried(
    tx: TenantTx,
    ticketId: string,
  ): Promise<{ step: string; outcome: string; note: string | null; at: string }[]> {
    return (await stepsOf(tx, ticketId)).map((s) => ({
      step: s.step,
      outcome: s.outcome,
      note: s.note,
      at: s.created_at.toISOString(),
    }));
  }
}
