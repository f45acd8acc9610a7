import { Injectable } from '@nestjs/common';
import type { UserActor } from '../auth/index.js';
import { AppError, notFound } from '../common/errors.js';
import { TenantDb, type TenantTx } from '../database/tenant-db.service.js';
import type { RelatedTicketView } from './dto/tickets.dto.js';
import { TicketChange } from './ticket-change.js';
import { linkTickets, relatedTickets, unlinkTickets } from './ticket-links.repository.js';
import { ticketNumber } from './ticket-state.util.js';
import { TicketTimeline } from './ticket-timeline.service.js';
import { type TicketRow, updateTicket } from './tickets.repository.js';

/**
 * Tickets linked as related (the same leak reported twice, a lock and its neighbour): symmetric,
 * shown on both tickets; each link or unlink is a timeline event on both and bumps both versions
 * (their GET answers change).
 */
@Injectable()
export class TicketLinks {
  constructor(
    private readonly db: TenantDb,
    private readonly tickets: TicketChange,
    private readonly timeline: TicketTimeline,
  ) {}

  link(actor: UserActor, id: string, otherId: string): Promise<{ related: RelatedTicketView[] }> {
    if (id === otherId) {
      throw new AppError('validation_failed', 'A ticket cannot be related to itself.', {
        errors: [{ field: 'ticketId', message: 'must be another ticket' }],
      });
    }
    return this.db.tenantTransaction(actor.tenantId, async (tx) => {
      const [a, b] = await this.both(tx, id, otherId);
      if (await linkTickets(tx, id, otherId, actor.userId))
        await this.changed(tx, actor, a, b, 'related_added');
      return { related: await this.related(tx, id) };
    });
  }

  unlink(actor: UserActor, id: string, otherId: string): Promise<void> {
    return this.db.tenantTransaction(actor.tenantId, async (tx) => {
      const [a, b] = await this.both(tx, id, otherId);
      if (!(await unlinkTickets(tx, id, otherId))) throw notFound('Related ticket');
      await this.changed(tx, actor, a, b, 'related_removed');
    });
  }

  /** Both tickets, locked in id order (two links made at once cannot deadlock); 404 for either. */
  private async both(tx: TenantTx, id: string, otherId: string): Promise<[TicketRow, TicketRow]> {
    const [first, second] = [id, otherId].sort();
    const rows = new Map<string, TicketRow>();
    for (const x of [first!, second!]) rows.set(x, await this.tickets.find(tx, x, { lock: true }));
    return [rows.get(id)!, rows.get(otherId)!];
  }

  private async changed(
    tx: TenantTx,
    actor: UserActor,
    a: TicketRow,
    b: TicketRow,
    type: 'related_added' | 'related_removed',
  ): Promise<void> {
    for (const [row, other] of [
      [a, b],
      [b, a],
    ] as const) {
      await this.timeline.record(tx, actor, row, type, {
        after: { ticketId: other.id, number: ticketNumber(other.number) },
      });
      await updateTicket(tx, row.id, {});
    }
  }

  private async related(tx: TenantTx, id: string): Promise<RelatedTicketView[]> {
    return (await relatedTickets(tx, id)).map((r) => ({
      id: r.id,
      number: ticketNumber(r.number),
      status: r.status,
    }));
  }
}
