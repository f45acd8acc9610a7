import { Injectable } from '@nestjs/common';
import type { TenantTx } from '../database/tenant-db.service.js';
import type { TicketIncidentView } from './dto/tickets.dto.js';

/**
 * What tickets needs from the incidents module, which depends on tickets (not the reverse): the
 * fleet incidents a ticket belongs to. Incidents connects it at start (TicketsForIncidents).
 */
export interface TicketIncidentHooks {
  /** The incidents the ticket is linked to, oldest first, in the caller's transaction. */
  ofTicket(tx: TenantTx, ticketId: string): Promise<TicketIncidentView[]>;
}

/** Holds the hooks incidents connected (none in an app without the incidents module). */
@Injectable()
export class IncidentHooks implements TicketIncidentHooks {
  private hooks: TicketIncidentHooks | null = null;

  connect(hooks: TicketIncidentHooks): void {
    this.hooks = hooks;
  }

  ofTicket(tx: TenantTx, ticketId: string): Promise<TicketIncidentView[]> {
    return this.hooks ? this.hooks.ofTicket(tx, ticketId) : Promise.resolve([]);
  }
}
