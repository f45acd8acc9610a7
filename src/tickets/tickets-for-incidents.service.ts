import { Injectable } from '@nestjs/common';
import type { UserActor } from '../auth/index.js';
import type { TenantTx } from '../database/tenant-db.service.js';
import type { CauseCode } from '../diagnostics/index.js';
import { IncidentHooks, type TicketIncidentHooks } from './incident-hooks.js';
import { TicketChange } from './ticket-change.js';
import { TicketLifecycle } from './ticket-lifecycle.service.js';

/**
 * The narrow surface the incidents module drives tickets through (the ticket services' internals
 * stay private to tickets). In the caller's transaction, scoped to the tickets' tenant.
 */
@Injectable()
export class TicketsForIncidents {
  constructor(
    private readonly tickets: TicketChange,
    private readonly lifecycle: TicketLifecycle,
    private readonly hooks: IncidentHooks,
  ) {}

  /** Incidents' part in tickets: showing a ticket's incidents on it. */
  connect(hooks: TicketIncidentHooks): void {
    this.hooks.connect(hooks);
  }

  /**
   * A fleet incident was resolved: its ticket is solved with the incident's confirmed cause,
   * under the ticket's row lock, with an `incident_resolved` timeline event naming the incident.
   * The priors do not learn from each ticket: the incident teaches them once.
   */
  async solveFromIncident(
    tx: TenantTx,
    actor: UserActor,
    ticketId: string,
    s: { incidentId: string; cause: CauseCode; resolution: string },
  ): Promise<void> {
    await this.tickets.changeIn(tx, ticketId, (t, row, now) =>
      this.lifecycle.solve(t, actor, row, now, {
        cause: s.cause,
        resolution: s.resolution,
        eventType: 'incident_resolved',
        eventDetail: { incidentId: s.incidentId },
        learn: false,
      }),
    );
  }
}
