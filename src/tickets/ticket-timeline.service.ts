import { Injectable } from '@nestjs/common';
import type { Actor, UserActor } from '../auth/index.js';
import type { Page } from '../common/pagination.js';
import type { TenantTx } from '../database/tenant-db.service.js';
import type { TicketEventView } from './dto/tickets.dto.js';
import { TicketChange } from './ticket-change.js';
import { appendEvents, listEvents } from './ticket-timeline.repository.js';
import type { TicketRow } from './tickets.repository.js';
import { ticketNumber } from './ticket-state.util.js';
import { actorOf } from './ticket-view.js';

export interface EventDetail {
  before?: unknown;
  after?: unknown;
  /** an internal event (a note) is hidden from managers and its outbox message carries no `after` */
  internal?: boolean;
}

/** The ticket timeline: recording events (each with its outbox message) and reading them. */
@Injectable()
export class TicketTimeline {
  constructor(private readonly tickets: TicketChange) {}

  /** A timeline event and its outbox message, in one statement, in the change's transaction. */
  async record(
    tx: TenantTx,
    actor: Actor | null,
    ticket: Pick<TicketRow, 'id' | 'number'>,
    type: string,
    detail: EventDetail = {},
  ): Promise<void> {
    const who = actorOf(actor);
    await appendEvents(tx, [
      {
        ticketId: ticket.id,
        number: ticketNumber(ticket.number),
        type,
        actorType: who.type,
        actorId: who.id,
        actorTenantId: who.tenantId,
        internal: detail.internal ?? false,
        before: detail.before ?? null,
        after: detail.after ?? null,
      },
    ]);
  }

  events(
    actor: UserActor,
    id: string,
    q: { limit?: number; cursor?: string },
  ): Promise<Page<TicketEventView>> {
    return this.tickets.entriesPage(actor, id, q, {
      keyType: 'int',
      key: (r) => Number(r.id),
      list: listEvents,
      view: (r) => ({
        id: r.id,
        type: r.type,
        actor: r.actor,
        before: r.before,
        after: r.after,
        createdAt: r.created_at.toISOString(),
      }),
    });
  }
}
