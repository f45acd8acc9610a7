import { Injectable } from '@nestjs/common';
import type { Actor, UserActor } from '../auth/index.js';
import { AppError, notFound } from '../common/errors.js';
import { uuidv7 } from '../common/ids.js';
import { decodeCursor, type Page, pageLimit, toPage } from '../common/pagination.js';
import { TenantDb, type TenantTx } from '../database/tenant-db.service.js';
import { tenantCards } from '../tenancy/index.js';
import type { TicketEscalationView } from '../tickets/index.js';
import { TicketsForEscalation } from '../tickets/index.js';
import type {
  CancelEscalationDto,
  EscalateAnswer,
  EscalateDto,
  EscalationListItem,
  EscalationView,
  ListEscalationsQueryDto,
  RerouteDto,
} from './dto/escalations.dto.js';
import { EscalationDispatch } from './escalation-dispatch.service.js';
import { routeEscalation, tellTenant } from './escalation-routing.js';
import { escalationEnded } from './escalation-state.util.js';
import { escalationListItem, namedView, namesOf, stateError } from './escalation-view.js';
import {
  endEscalation,
  type EscalationRow,
  findEscalation,
  insertQueuedEscalation,
  latestEscalationOfTicket,
  listEscalations,
  lockOpenRoutedTo,
  lockStaleRouted,
  OPEN_STATUSES,
  openEscalationOfTicket,
  passOverCurrentPartner,
  setRouting,
} from './escalations.repository.js';
import { listLinks } from './partners.repository.js';
import { snapshotWorkOrder } from './work-order.js';

/** The partner it is with while open (routed, claimed, scheduled); null while queued or ended. */
const holder = (e: EscalationRow): string | null =>
  (OPEN_STATUSES as readonly string[]).includes(e.status) ? e.partner_tenant_id : null;

/**
 * The customer's side of escalations: escalating a ticket, listing and reading escalations (the
 * partner's queue too, as row-level security shows it), cancelling and re-routing one, closing
 * it with its ticket, and the re-routing a customer's change causes (an unlinked partner, a
 * partner that let it go stale). The partner's side is `PartnerQueueService`; routing itself is
 * `escalation-routing.ts`; routing the queue after a partner's change is `EscalationDispatch`.
 */
@Injectable()
export class EscalationService {
  constructor(
    private readonly db: TenantDb,
    private readonly tickets: TicketsForEscalation,
    private readonly dispatch: EscalationDispatch,
  ) {
    tickets.connect({
      settled: (tx, actor, ticket, to) => this.closeWithTicket(tx, actor, ticket.id, to),
      current: (tx, ticketId) => this.currentOfTicket(tx, ticketId),
    });
  }

  /**
   * Customer side: snapshot a work order, route it, put the ticket on hold. Answers the
   * escalation (routed, or queued with what it waits for) and the ticket's new state.
   */
  async escalate(actor: UserActor, ticketId: string, dto: EscalateDto): Promise<EscalateAnswer> {
    let answer: EscalationView | undefined;
    const ticket = await this.tickets.holdForEscalation(actor, ticketId, async (tx, row) => {
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
      if (open)
        throw new AppError(
          'escalation_open',
          `Escalation ${open.id} is still open (${open.status}): cancel or re-route it.`,
        );
      const workOrder = await snapshotWorkOrder(tx, this.tickets, row, {
        // Left out (or blank): the property's.
        accessNotes: dto.accessNotes?.trim() || null,
        contact: dto.contact ?? null,
        reason: dto.reason ?? null,
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
      answer = await namedView(tx, (await findEscalation(tx, id))!);
      return {
        escalationId: id,
        target,
        reason: dto.reason ?? row.diagnosis.escalation.reason,
        partnerTenantId: routed.partnerTenantId,
        waitingFor: routed.waitingFor,
        waitingReason: routed.waitingReason,
      };
    });
    return {
      ...answer!,
      ticket: { id: ticket.id, status: ticket.status, version: ticket.version },
    };
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
      const names = await namesOf(tx, rows.slice(0, limit));
      return toPage(
        rows,
        limit,
        (r) => [r.id],
        (r) => escalationListItem(r, names),
      );
    });
  }

  get(actor: UserActor, id: string): Promise<EscalationView> {
    return this.db.tenantTransaction(actor.tenantId, async (tx) => {
      const row = await findEscalation(tx, id);
      if (!row) throw notFound('Escalation');
      return namedView(tx, row);
    });
  }

  /**
   * The customer takes the escalation back (any state before it ends): it is `cancelled` with
   * the reason, the partner it was with gets `escalation.cancelled` (its slot is free again), the
   * ticket gets `escalation_cancelled` and, if it was on hold, goes back to open.
   */
  async cancel(actor: UserActor, id: string, dto: CancelEscalationDto): Promise<EscalationView> {
    let freed: string | null = null;
    const view = await this.db.tenantTransaction(actor.tenantId, async (tx) => {
      const seen = await this.customersOwn(tx, id);
      let ended: EscalationRow | undefined;
      // The ticket's row lock first, then the escalation's: the order escalating takes them in.
      await this.tickets.releaseFromEscalation(tx, actor, seen.ticket_id, async (t) => {
        const e = await this.customersOwn(t, id, { forUpdate: true });
        if (escalationEnded(e.status)) throw stateError(e, `The escalation is ${e.status}.`);
        freed = holder(e);
        ended = await endEscalation(t, id, { status: 'cancelled', reason: dto.reason });
        if (freed) await tellTenant(t, freed, 'escalation.cancelled', id, { reason: dto.reason });
        return {
          type: 'escalation_cancelled',
          after: { escalationId: id, reason: dto.reason, from: freed },
        };
      });
      return namedView(tx, ended!);
    });
    await this.dispatch.partnerChanged(freed);
    return view;
  }

  /**
   * The customer routes the escalation to a linked partner of its kind of its own choosing
   * (whatever its area, capacity or an earlier decline): the partner it was with gets
   * `escalation.revoked` (reason `rerouted`) and loses sight of it, the chosen one gets
   * `escalation.routed`, the ticket gets `escalation_rerouted`.
   */
  async reroute(actor: UserActor, id: string, dto: RerouteDto): Promise<EscalationView> {
    let freed: string | null = null;
    const view = await this.db.tenantTransaction(actor.tenantId, async (tx) => {
      const e = await this.customersOwn(tx, id, { forUpdate: true });
      if (escalationEnded(e.status)) throw stateError(e, `The escalation is ${e.status}.`);
      const [link] = await listLinks(tx, dto.partnerId);
      if (!link || link.kind !== e.target) {
        throw new AppError('validation_failed', 'One or more fields are invalid.', {
          errors: [
            {
              field: 'partnerId',
              message: `partnerId must be the tenantId of a linked ${e.target} (GET /v1/partners)`,
            },
          ],
        });
      }
      freed = holder(e);
      if (freed === dto.partnerId) {
        throw stateError(e, `The escalation is already ${e.status} with this partner.`);
      }
      await setRouting(tx, id, {
        partnerTenantId: dto.partnerId,
        waitingReason: null,
        waitingFor: null,
      });
      if (freed) await tellTenant(tx, freed, 'escalation.revoked', id, { reason: 'rerouted' });
      await tellTenant(tx, dto.partnerId, 'escalation.routed', id, {
        queue: e.target,
        urgent: e.urgent,
        chosenByCustomer: true,
      });
      const [card] = await tenantCards(tx, [dto.partnerId]);
      await this.tickets.recordEscalationEvent(tx, actor, e.ticket_id, 'escalation_rerouted', {
        escalationId: id,
        from: freed,
        partner: { id: dto.partnerId, name: card?.name ?? null },
      });
      return namedView(tx, (await findEscalation(tx, id))!);
    });
    await this.dispatch.partnerChanged(freed);
    return view;
  }

  /**
   * The ticket is being solved or closed (in its transaction, under its row lock): its open
   * escalation is `closed` (`ticket_solved` / `ticket_closed`), the partner it was with gets
   * `escalation.closed`, and the ticket `escalation_closed`. The partner's freed slot is taken
   * up by the periodic retry of queued escalations.
   */
  private async closeWithTicket(
    tx: TenantTx,
    actor: Actor | null,
    ticketId: string,
    to: 'solved' | 'closed',
  ): Promise<void> {
    const e = await openEscalationOfTicket(tx, ticketId, { forUpdate: true });
    if (!e) return;
    const reason = `ticket_${to}`;
    const partner = holder(e);
    await endEscalation(tx, e.id, { status: 'closed', reason });
    if (partner) await tellTenant(tx, partner, 'escalation.closed', e.id, { reason });
    await this.tickets.recordEscalationEvent(tx, actor, ticketId, 'escalation_closed', {
      escalationId: e.id,
      reason,
      from: partner,
      wasStatus: e.status,
    });
  }

  /** What the ticket shows of its current escalation. */
  private async currentOfTicket(
    tx: TenantTx,
    ticketId: string,
  ): Promise<TicketEscalationView | null> {
    const row = await latestEscalationOfTicket(tx, ticketId);
    if (!row) return null;
    const v = await namedView(tx, row);
    return {
      id: v.id,
      status: v.status,
      queue: v.queue,
      partner: v.partner,
      waitingFor: v.waitingFor,
      scheduledAt: v.scheduledAt,
      visitWindow: v.visitWindow,
      updatedAt: v.updatedAt,
    };
  }

  /** An escalation of the calling customer (a partner's row is not the customer's to change). */
  private async customersOwn(
    tx: TenantTx,
    id: string,
    o: { forUpdate: boolean } = { forUpdate: false },
  ): Promise<EscalationRow> {
    const row = await findEscalation(tx, id, o);
    if (!row || row.tenant_id !== tx.tenantId) throw notFound('Escalation');
    return row;
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
        waitingFor: routed.waitingFor,
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
          waitingFor: routed.waitingFor,
          waitingReason: routed.waitingReason,
        });
      }
      return stale.length;
    });
  }
}
