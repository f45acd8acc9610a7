import { Injectable } from '@nestjs/common';
import type { Actor } from '../auth/index.js';
import type { TenantTx } from '../database/tenant-db.service.js';
import type { TicketEscalationView } from './dto/tickets.dto.js';
import type { TicketRow } from './tickets.repository.js';

/**
 * What the escalation module does for tickets. Escalation depends on tickets (it drives them
 * through TicketsForEscalation), so tickets cannot import it: escalation connects these at start
 * (TicketsForEscalation.connect). Both run in the ticket's (customer's) transaction.
 */
export interface TicketEscalationHooks {
  /** The ticket is being solved or closed: its open escalation, if any, closes with it. */
  settled(
    tx: TenantTx,
    actor: Actor | null,
    ticket: Pick<TicketRow, 'id' | 'number'>,
    to: 'solved' | 'closed',
  ): Promise<void>;
  /** The ticket's current escalation (the open one, else the last that ended), if any. */
  current(tx: TenantTx, ticketId: string): Promise<TicketEscalationView | null>;
}

/** Holds the hooks escalation connected (none in an app without the escalation module). */
@Injectable()
export class EscalationHooks implements TicketEscalationHooks {
  private hooks: TicketEscalationHooks | null = null;

  connect(hooks: TicketEscalationHooks): void {
    this.hooks = hooks;
  }

  settled(
    tx: TenantTx,
    actor: Actor | null,
    ticket: Pick<TicketRow, 'id' | 'number'>,
    to: 'solved' | 'closed',
  ): Promise<void> {
    return this.hooks ? this.hooks.settled(tx, actor, ticket, to) : Promise.resolve();
  }

  current(tx: TenantTx, ticketId: string): Promise<TicketEscalationView | null> {
    return this.hooks ? this.hooks.current(tx, ticketId) : Promise.resolve(null);
  }
}
