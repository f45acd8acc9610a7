import { Injectable } from '@nestjs/common';
import { TenantDb } from '../../database/tenant-db.service.js';
import { appendEvents } from '../ticket-timeline.repository.js';
import { flagBreaches } from '../tickets.repository.js';
import { ticketNumber } from '../ticket-state.util.js';

/** Tickets flagged per tenant and run (the rest wait for the next run). */
const BATCH = 500;

/**
 * SLA breaches: open tickets past a due time are flagged once, each with an `sla_breached`
 * timeline event and outbox message. Safe on every instance at once: rows are taken under
 * row locks (SKIP LOCKED) and only unflagged ones.
 */
@Injectable()
export class SlaBreachJob {
  constructor(private readonly db: TenantDb) {}

  /** One tenant's breaches as of `now`; answers how many tickets were flagged. */
  markBreaches(tenantId: string, now: Date): Promise<number> {
    return this.db.tenantTransaction(tenantId, async (tx) => {
      const flagged = await flagBreaches(tx, now, BATCH);
      await appendEvents(
        tx,
        flagged.map((r) => ({
          ticketId: r.id,
          number: ticketNumber(r.number),
          type: 'sla_breached',
          actorType: 'system' as const,
          actorId: null,
          internal: false,
          before: null,
          after: { firstResponse: r.first_late, resolution: r.resolution_late },
        })),
      );
      return flagged.length;
    });
  }
}
