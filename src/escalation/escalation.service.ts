import { Injectable } from '@nestjs/common';
import type { UserActor } from '../auth/index.js';
import { AppError, notFound } from '../common/errors.js';
import { uuidv7 } from '../common/ids.js';
import { decodeCursor, type Page, pageLimit, toPage } from '../common/pagination.js';
import { TenantDb, type TenantTx } from '../database/tenant-db.service.js';
import type { TicketView } from '../tickets/index.js';
import { TicketsForEscalation } from '../tickets/index.js';
import type {
  EscalateDto,
  EscalationListItem,
  EscalationView,
  ListEscalationsQueryDto,
} from './dto/escalations.dto.js';
import { routeEscalation, tellTenant } from './escalation-routing.js';
import { escalationListItem, escalationView } from './escalation-view.js';
import {
  findEscalation,
  insertQueuedEscalation,
  listEscalations,
  lockOpenRoutedTo,
  lockStaleRouted,
  openEscalationOfTicket,
  passOverCurrentPartner,
} from './escalations.repository.js';
import { snapshotWorkOrder } from './work-order.js';

/**
 * The customer's side of escalations: escalating a ticket, listing and reading escalations (the
 * partner's queue too, as row-level security shows it), and the re-routing a customer's change
 * causes (an unlinked partner, a partner that let it go stale). The partner's side is
 * `PartnerQueueService`; routing itself is `escalation-routing.ts`.
 */
@Injectable()
export class EscalationService {
  constructor(
    private readonly db: TenantDb,
    private readonly tickets: TicketsForEscalation,
  ) {}

  /** Customer side: snapshot a work order, route it, put the ticket on hold. */
  escalate(actor: UserActor, ticketId: string, dto: EscalateDto): Promise<TicketView> {
    return this.tickets.holdForEscalation(actor, ticketId, async (tx, row) => {
      const target = dto.target ?? row.diagnosis.escalation.target;
      if (!target) {
        throw new AppError(
          'validation_failed',
          'The diagnosis recommends no escalation target; name one.',
          {
            errors: [{ field: 'target', message: 'target is required: locksmith or manufacturer' }],
          },
        );
      }
      const open = await openEscalationOfTicket(tx, ticketId);
      if (open) throw new AppError('escalation_open', `Escalation ${open.id} is still open.`);
      const workOrder = await snapshotWorkOrder(tx, this.tickets, row, {
        accessNotes: dto.accessNotes ?? null,
      });
      const id = uuidv7();
      await insertQueuedEscalation(tx, {
        id,
        ticketId,
        target,
        urgent: row.priority === 'urgent',
        workOrder,
      });
      const routed = await routeEscalation(tx, id);
      return {
        escalationId: id,
        target,
        reason: dto.reason ?? row.diagnosis.escalation.reason,
        partnerTenantId: routed.partnerTenantId,
        waitingReason: routed.waitingReason,
      };
    });
  }

  /** The caller's queue (partners) or escalations (customers), as RLS lets each see them. */
  list(actor: UserActor, q: ListEscalationsQueryDto): Promise<Page<EscalationListItem>> {
    const limit = pageLimit(q);
    const after = q.cursor ? (decodeCursor(q.cursor, ['uuid'])[0] as string) : null;
    return this.db.tenantTransaction(actor.tenantId, async (tx) => {
      const rows = await listEscalations(tx, {
        after,
        queue: q.queue ?? null,
        status: q.status ?? null,
        ticketId: q.ticketId ?? null,
        limit: limit + 1,
      });
      return toPage(rows, limit, (r) => [r.id], escalationListItem);
    });
  }

  get(actor: UserActor, id: string): Promise<EscalationView> {
    return this.db.tenantTransaction(actor.tenantId, async (tx) => {
      const row = await findEscalation(tx, id);
      if (!row) throw notFound('Escalation');
      return escalationView(row);
    });
  }

  /**
   * A customer unlinked a partner (its link row is already gone, so RLS hides
   * every escalation of this customer from the partner from now on): each open
   * escalation routed to it goes back to routing, like a decline, with a
   * timeline event on the ticket and an `escalation.revoked` message to the
   * partner's own webhooks. Runs in the unlink's transaction, customer-scoped.
   */
  async revokePartner(tx: TenantTx, actor: UserActor, partnerTenantId: string): Promise<void> {
    const open = await lockOpenRoutedTo(tx, partnerTenantId);
    for (const e of open) {
      const routed = await routeEscalation(tx, e.id);
      await tellTenant(tx, partnerTenantId, 'escalation.revoked', e.id, { reason: 'unlinked' });
      await this.tickets.recordEscalationEvent(tx, actor, e.ticket_id, 'escalation_revoked', {
        escalationId: e.id,
        from: partnerTenantId,
        reason: 'partner_unlinked',
        reroutedTo: routed.partnerTenantId,
        waitingReason: routed.waitingReason,
      });
    }
  }

  /** Unclaimed past the urgency window: route to another partner, else record an alert. Safe on every instance. */
  async rerouteStale(
    customerTenantId: string,
    urgentMinutes: number,
    normalMinutes: number,
  ): Promise<number> {
    return this.db.tenantTransaction(customerTenantId, async (tx) => {
      const stale = await lockStaleRouted(tx, { urgentMinutes, normalMinutes });
      for (const e of stale) {
        await passOverCurrentPartner(tx, e.id);
        const routed = await routeEscalation(tx, e.id);
        await this.tickets.recordEscalationEvent(tx, null, e.ticket_id, 'escalation_unclaimed', {
          escalationId: e.id,
          from: e.partner_tenant_id,
          reroutedTo: routed.partnerTenantId,
          waitingReason: routed.waitingReason,
        });
      }
      return stale.length;
    });
  }
}
