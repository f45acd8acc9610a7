import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { UserActor } from '../auth/index.js';
import { AppError, notFound } from '../common/errors.js';
import { appendOutbox } from '../common/outbox/outbox.repository.js';
import { APP_CONFIG, type ResolvedConfig } from '../config/config.provider.js';
import { asTenant, TenantDb, type TenantTx } from '../database/tenant-db.service.js';
import { TicketsForEscalation } from '../tickets/index.js';
import type {
  DeclineDto,
  EscalationView,
  ResolveEscalationDto,
  ScheduleDto,
} from './dto/escalations.dto.js';
import { escalationMessage, routeEscalation } from './escalation-routing.js';
import { EscalationDispatch } from './escalation-dispatch.service.js';
import { leaseLive, namedView, stateError } from './escalation-view.js';
import {
  addDecliner,
  claimEscalation,
  claimNextInQueue,
  type EscalationRow,
  findEscalation,
  lockRoutedToMe,
  OPEN_STATUSES,
  resolveEscalation,
  scheduleVisit,
} from './escalations.repository.js';

/** How long a claim holds an escalation before it returns to the queue unworked. */
export const LEASE_MINUTES = 30;
/** After a scheduled visit, the lease lasts until the visit plus this (never past ESCALATION_LEASE_MAX_HOURS from now). */
export const VISIT_GRACE_HOURS = 4;

/**
 * The partner's side of escalations: its queue (claim the next, claim one), and the work on a
 * claimed one (schedule, decline, resolve). Every call runs as the partner; what it changes on
 * the customer's side (the ticket's timeline, a re-routing, the solved ticket) runs in the same
 * transaction through `asTenant`, after the partner's own row check, so it stays one atomic
 * change and the transaction is the partner's again afterwards.
 */
@Injectable()
export class PartnerQueueService {
  constructor(
    private readonly db: TenantDb,
    private readonly tickets: TicketsForEscalation,
    @Inject(APP_CONFIG) private readonly config: ResolvedConfig,
    private readonly dispatch: EscalationDispatch,
  ) {}

  /** The next claimable escalation in my queue, taken atomically; undefined when there is none. */
  claimNext(actor: UserActor): Promise<EscalationView | undefined> {
    return this.db.tenantTransaction(actor.tenantId, async (tx) => {
      const token = randomUUID();
      const row = await claimNextInQueue(tx, {
        token,
        userId: actor.userId,
        minutes: LEASE_MINUTES,
      });
      if (!row) return undefined;
      await appendOutbox(tx, [
        escalationMessage('escalation.claimed', row.id, { by: actor.userId }),
      ]);
      return namedView(tx, row, { leaseToken: token });
    });
  }

  claim(actor: UserActor, id: string): Promise<EscalationView> {
    return this.db.tenantTransaction(actor.tenantId, async (tx) => {
      const e = await this.routedToMe(tx, id);
      const live = leaseLive(e);
      if (!(e.status === 'routed' || (['claimed', 'scheduled'].includes(e.status) && !live))) {
        throw stateError(e, `The escalation is ${e.status}${live ? ' under a live claim' : ''}.`);
      }
      const token = randomUUID();
      const row = await claimEscalation(tx, id, {
        token,
        userId: actor.userId,
        minutes: LEASE_MINUTES,
      });
      await appendOutbox(tx, [escalationMessage('escalation.claimed', id, { by: actor.userId })]);
      return namedView(tx, row, { leaseToken: token });
    });
  }

  /**
   * A visit in the future and within ESCALATION_VISIT_HORIZON_DAYS; the lease
   * then runs to the visit plus VISIT_GRACE_HOURS, but never more than
   * ESCALATION_LEASE_MAX_HOURS from now.
   */
  schedule(actor: UserActor, id: string, dto: ScheduleDto): Promise<EscalationView> {
    const at = this.visitTime(dto.at);
    return this.db.tenantTransaction(actor.tenantId, async (tx) => {
      const e = await this.leased(tx, id, dto.leaseToken);
      const row = await scheduleVisit(tx, id, {
        at,
        graceHours: VISIT_GRACE_HOURS,
        maxHours: this.config.escalationLeaseMaxHours,
      });
      await appendOutbox(tx, [
        escalationMessage('escalation.scheduled', id, { visitAt: at.toISOString() }),
      ]);
      await asTenant(tx, e.tenant_id, (customer) =>
        this.tickets.recordEscalationEvent(customer, actor, e.ticket_id, 'escalation_scheduled', {
          escalationId: e.id,
          at: at.toISOString(),
        }),
      );
      return namedView(tx, row);
    });
  }

  /** The partner hands it back: it is re-routed to the next partner (never to one that declined). */
  async decline(actor: UserActor, id: string, dto: DeclineDto): Promise<EscalationView> {
    const view = await this.db.tenantTransaction(actor.tenantId, async (tx) => {
      const e = await this.routedToMe(tx, id);
      if (!(OPEN_STATUSES as readonly string[]).includes(e.status)) {
        throw stateError(e, `The escalation is ${e.status}.`);
      }
      await appendOutbox(tx, [
        escalationMessage('escalation.declined', id, { reason: dto.reason }),
      ]);
      // The re-routing is the customer's: once routed elsewhere, the row is no longer ours to see.
      const after = await asTenant(tx, e.tenant_id, async (customer) => {
        await addDecliner(customer, id, tx.tenantId);
        const routed = await routeEscalation(customer, id);
        await this.tickets.recordEscalationEvent(
          customer,
          actor,
          e.ticket_id,
          'escalation_declined',
          {
            escalationId: id,
            reason: dto.reason,
            reroutedTo: routed.partnerTenantId,
            waitingFor: routed.waitingFor,
            waitingReason: routed.waitingReason,
          },
        );
        const row = await findEscalation(customer, id);
        // Named as the customer sees it: the row may now be another partner's.
        return row && (await namedView(customer, row));
      });
      if (!after) throw notFound('Escalation');
      return after;
    });
    // The slot it held is free: its customers' queued escalations may take it.
    await this.dispatch.partnerChanged(actor.tenantId);
    return view;
  }

  /**
   * Closes the escalation with the confirmed cause; the customer's ticket is
   * solved with the outcome on its timeline, and the tenant's learned priors
   * for the lock's model move, all in one transaction.
   */
  async resolve(actor: UserActor, id: string, dto: ResolveEscalationDto): Promise<EscalationView> {
    const view = await this.db.tenantTransaction(actor.tenantId, async (tx) => {
      const e = await this.leased(tx, id, dto.leaseToken);
      const row = await resolveEscalation(tx, id, {
        confirmedCause: dto.confirmedCause,
        notes: dto.notes,
      });
      await appendOutbox(tx, [
        escalationMessage('escalation.resolved', id, { confirmedCause: dto.confirmedCause }),
      ]);
      await asTenant(tx, e.tenant_id, (customer) =>
        this.tickets.solveFromEscalation(customer, actor, e.ticket_id, {
          escalationId: id,
          cause: dto.confirmedCause,
          resolution: dto.notes,
        }),
      );
      return namedView(tx, row);
    });
    await this.dispatch.partnerChanged(actor.tenantId);
    return view;
  }

  private visitTime(raw: string): Date {
    const at = new Date(raw);
    const now = Date.now();
    const horizonDays = this.config.escalationVisitHorizonDays;
    let message: string | undefined;
    if (Number.isNaN(at.getTime())) message = 'at must be a date and time';
    else if (at.getTime() <= now) message = 'at must be in the future';
    else if (at.getTime() > now + horizonDays * 86_400_000)
      message = `at must be within ${horizonDays} days from now`;
    if (message) {
      throw new AppError('validation_failed', 'One or more fields are invalid.', {
        errors: [{ field: 'at', message }],
      });
    }
    return at;
  }

  /** A row routed to the caller's company, locked; anything else (another partner's, a customer's) is 404. */
  private async routedToMe(tx: TenantTx, id: string): Promise<EscalationRow> {
    const row = await lockRoutedToMe(tx, id);
    if (!row) throw notFound('Escalation');
    return row;
  }

  /** A row I hold a live claim on, with this lease token (else 409, or `lease_lost`). */
  private async leased(tx: TenantTx, id: string, token: string): Promise<EscalationRow> {
    const e = await this.routedToMe(tx, id);
    if (!['claimed', 'scheduled'].includes(e.status))
      throw stateError(e, `The escalation is ${e.status}.`);
    if (
      e.lease_token !== token ||
      e.lease_expires_at === null ||
      e.lease_expires_at <= new Date()
    ) {
      throw new AppError('lease_lost', 'Claim it again to work on it.');
    }
    return e;
  }
}
