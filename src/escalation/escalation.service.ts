import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { UserActor } from '../auth/actor.js';
import { AppError, notFound } from '../common/errors.js';
import { uuidv7 } from '../common/ids.js';
import { decodeCursor, type Page, pageLimit, toPage } from '../common/pagination.js';
import { APP_CONFIG, type ResolvedConfig } from '../config/config.provider.js';
import { likeLiteral } from '../database/like.js';
import { scopeToTenant, TenantDb } from '../database/tenant-db.service.js';
import type { CauseCode } from '../diagnostics/engine/index.js';
import type { TicketView } from '../tickets/dto/tickets.dto.js';
import { ticketNumber } from '../tickets/ticket-state.util.js';
import {
  type EscalatedTicket,
  TicketsForEscalation,
} from '../tickets/tickets-for-escalation.service.js';
import type {
  DeclineDto,
  EscalateDto,
  EscalationStatus,
  EscalationView,
  ListEscalationsQueryDto,
  ResolveEscalationDto,
  ScheduleDto,
  Target,
} from './dto.js';
import { allowedEscalationTransitions } from './escalation-state.util.js';

/** How long a claim holds an escalation before it returns to the queue unworked. */
export const LEASE_MINUTES = 30;
/** After a scheduled visit, the lease lasts until the visit plus this (never past ESCALATION_LEASE_MAX_HOURS from now). */
export const VISIT_GRACE_HOURS = 4;
const OPEN = ['routed', 'claimed', 'scheduled'] as const;

/** 409 in the state-machine shape tickets use: what happened and where the escalation may go from here. */
function stateError(e: EscalationRow, detail: string): AppError {
  const leaseLive = e.lease_expires_at !== null && e.lease_expires_at > new Date();
  const allowed = allowedEscalationTransitions(e.status, leaseLive);
  return new AppError('escalation_state', `${detail} Allowed: ${allowed.join(', ') || 'none'}.`, {
    allowed,
  });
}

interface EscalationRow {
  tenant_id: string;
  id: string;
  ticket_id: string;
  target: Target;
  partner_tenant_id: string | null;
  status: EscalationStatus;
  urgent: boolean;
  waiting_reason: string | null;
  work_order: WorkOrder;
  declined_by: string[];
  lease_token: string | null;
  lease_expires_at: Date | null;
  claimed_by: string | null;
  scheduled_at: Date | null;
  confirmed_cause: CauseCode | null;
  notes: string | null;
  created_at: Date;
  updated_at: Date;
}

interface WorkOrder {
  ticketNumber: string;
  customer: { name: string };
  property: {
    name: string;
    address: { postalCode?: string; city?: string } & Record<string, unknown>;
    unit: string | null;
  };
  lock: { manufacturer: string; model: string; serial: string; firmwareVersion: string | null };
  symptoms: string[];
  diagnosis: { likelyCauses: { code: string; probability: number }[]; recommendation: string };
  stepsTried: { step: string; outcome: string }[];
  urgency: 'urgent' | 'normal';
  accessNotes: string | null;
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

function view(r: EscalationRow, leaseToken?: string): EscalationView {
  return {
    id: r.id,
    customerTenantId: r.tenant_id,
    ticketId: r.ticket_id,
    queue: r.target,
    partnerTenantId: r.partner_tenant_id,
    status: r.status,
    urgent: r.urgent,
    waitingReason: r.waiting_reason,
    workOrder: r.work_order,
    leaseExpiresAt: iso(r.lease_expires_at),
    ...(leaseToken ? { leaseToken } : {}),
    scheduledAt: iso(r.scheduled_at),
    confirmedCause: r.confirmed_cause,
    notes: r.notes,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

/** An outbox message for the partner's own webhooks, written in the partner's tenant within the same transaction. */
async function partnerOutbox(
  em: EntityManager,
  partnerTenantId: string,
  topic: string,
  escalationId: string,
  extra: object,
  thenAs: string | null,
): Promise<void> {
  await scopeToTenant(em, partnerTenantId);
  await em.query(
    `INSERT INTO outbox (tenant_id, topic, aggregate_id, payload) VALUES ($1, $2, $3, $4)`,
    [
      partnerTenantId,
      topic,
      escalationId,
      JSON.stringify({ escalationId, ...extra, at: new Date().toISOString() }),
    ],
  );
  if (thenAs) await scopeToTenant(em, thenAs);
}

/**
 * The queues between a customer's desk and the people who fix locks. Rows
 * are visible to exactly two tenants (RLS): the customer and the partner the
 * escalation is routed to. Work that touches both sides (a decline re-routes,
 * a resolution solves the customer's ticket) switches the transaction's tenant
 * only after the partner's own row check, so it stays one atomic change.
 */
@Injectable()
export class EscalationService {
  constructor(
    private readonly db: TenantDb,
    private readonly tickets: TicketsForEscalation,
    @Inject(APP_CONFIG) private readonly config: ResolvedConfig,
  ) {}

  /** Customer side: snapshot a work order, route it, put the ticket on hold. */
  escalate(actor: UserActor, ticketId: string, dto: EscalateDto): Promise<TicketView> {
    return this.tickets.holdForEscalation(actor, ticketId, async ({ em }, row) => {
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
      const [open] = await em.query<{ id: string }[]>(
        `SELECT id FROM escalations WHERE ticket_id = $1 AND status NOT IN ('resolved', 'cancelled')`,
        [ticketId],
      );
      if (open) throw new AppError('escalation_open', `Escalation ${open.id} is still open.`);
      const workOrder = await this.workOrder(em, row, dto.accessNotes ?? null);
      const id = uuidv7();
      const urgent = row.priority === 'urgent';
      await em.query(
        `INSERT INTO escalations (tenant_id, id, ticket_id, target, status, urgent, work_order)
           VALUES ($1, $2, $3, $4, 'queued', $5, $6)`,
        [actor.tenantId, id, ticketId, target, urgent, JSON.stringify(workOrder)],
      );
      const routed = await this.route(em, id);
      return {
        escalationId: id,
        target,
        reason: dto.reason ?? row.diagnosis.escalation.reason,
        partnerTenantId: routed.partnerTenantId,
        waitingReason: routed.waitingReason,
      };
    });
  }

  /**
   * Picks the partner for a queued escalation, in the customer's context:
   * locksmiths whose area covers the property (emergency-capable first for
   * urgent cases, then least loaded), the manufacturer partner of the lock's
   * brand; none: it waits in the customer's queue and says why.
   */
  private async route(
    em: EntityManager,
    id: string,
  ): Promise<{ partnerTenantId: string | null; waitingReason: string | null }> {
    const [e] = await em.query<EscalationRow[]>(
      `SELECT * FROM escalations WHERE id = $1 FOR UPDATE`,
      [id],
    );
    if (!e) throw notFound('Escalation');
    const wo = e.work_order;
    const [pick] = await em.query<{ partner: string }[]>(
      `SELECT l.partner_tenant_id AS partner
         FROM partner_links l
         JOIN partner_profiles p ON p.tenant_id = l.partner_tenant_id
        WHERE l.kind = $1 AND NOT (l.partner_tenant_id = ANY($2::uuid[]))
          AND CASE $1
                WHEN 'locksmith' THEN
                  EXISTS (SELECT 1 FROM unnest(p.postal_codes) pc
                           WHERE replace(pc, ' ', '') <> ''
                             AND upper(replace($3, ' ', '')) LIKE ${likeLiteral("upper(replace(pc, ' ', ''))")} || '%')
                  OR lower($4) = ANY (SELECT lower(c) FROM unnest(p.cities) c)
                ELSE lower($5) = ANY (SELECT lower(m) FROM unnest(p.manufacturers) m)
              END
        ORDER BY ($6 AND p.emergency) DESC,
                 (SELECT count(*) FROM escalations x WHERE x.partner_tenant_id = l.partner_tenant_id
                    AND x.status IN ('routed', 'claimed', 'scheduled'))::float / p.capacity,
                 l.created_at
        LIMIT 1`,
      [
        e.target,
        e.declined_by,
        wo.property.address.postalCode ?? '',
        wo.property.address.city ?? '',
        wo.lock.manufacturer,
        e.urgent,
      ],
    );
    const waitingReason = pick
      ? null
      : e.target === 'locksmith'
        ? `No linked locksmith covers ${wo.property.address.postalCode ?? '?'} ${wo.property.address.city ?? ''}`.trim() +
          (e.declined_by.length ? ` (${e.declined_by.length} declined)` : '')
        : `No linked manufacturer partner serves ${wo.lock.manufacturer}; waiting in your manufacturer queue`;
    await em.query(
      `UPDATE escalations SET partner_tenant_id = $2, status = $3, waiting_reason = $4, routed_at = CASE WHEN $2::uuid IS NULL THEN NULL ELSE now() END,
         lease_token = NULL, lease_expires_at = NULL, claimed_by = NULL, scheduled_at = NULL, updated_at = now()
       WHERE id = $1`,
      [id, pick?.partner ?? null, pick ? 'routed' : 'queued', waitingReason],
    );
    if (pick) {
      await partnerOutbox(
        em,
        pick.partner,
        'escalation.routed',
        id,
        { queue: e.target, urgent: e.urgent },
        e.tenant_id,
      );
    }
    return { partnerTenantId: pick?.partner ?? null, waitingReason };
  }

  private async workOrder(
    em: EntityManager,
    t: EscalatedTicket,
    accessNotes: string | null,
  ): Promise<WorkOrder> {
    const [r] = await em.query<
      {
        customer: string;
        property_name: string;
        address: WorkOrder['property']['address'];
        unit: string | null;
        manufacturer: string;
        model: string;
        serial: string;
        firmware: string | null;
      }[]
    >(
      `SELECT tn.name AS customer, p.name AS property_name, p.address, d.unit, m.manufacturer, m.model, d.serial,
              coalesce(h.firmware_version, d.firmware_version) AS firmware
         FROM devices d
         JOIN properties p ON p.tenant_id = d.tenant_id AND p.id = d.property_id
         JOIN catalog_models m ON m.id = coalesce(d.reference_model_id, d.tenant_model_id)
         JOIN tenants tn ON tn.id = d.tenant_id
         LEFT JOIN device_health h ON h.tenant_id = d.tenant_id AND h.device_id = d.id
        WHERE d.id = $1`,
      [t.device_id],
    );
    const steps = await em.query<{ step: string; outcome: string }[]>(
      `SELECT step, outcome FROM ticket_steps WHERE ticket_id = $1 ORDER BY id`,
      [t.id],
    );
    return {
      ticketNumber: ticketNumber(t.number),
      customer: { name: r.customer },
      property: { name: r.property_name, address: r.address, unit: r.unit },
      lock: {
        manufacturer: r.manufacturer,
        model: r.model,
        serial: r.serial,
        firmwareVersion: r.firmware,
      },
      symptoms: t.symptoms,
      diagnosis: {
        likelyCauses: t.diagnosis.causes
          .slice(0, 3)
          .map((c) => ({ code: c.code, probability: c.probability })),
        recommendation: t.diagnosis.escalation.reason,
      },
      stepsTried: steps,
      urgency: t.priority === 'urgent' ? 'urgent' : 'normal',
      accessNotes,
    };
  }

  /** The caller's queue (partners) or escalations (customers), as RLS lets each see them. */
  list(actor: UserActor, q: ListEscalationsQueryDto): Promise<Page<EscalationView>> {
    const limit = pageLimit(q);
    const after = q.cursor ? (decodeCursor(q.cursor, ['uuid'])[0] as string) : null;
    return this.db.tenantTransaction(actor.tenantId, async ({ em }) => {
      const rows = await em.query<EscalationRow[]>(
        `SELECT * FROM escalations
          WHERE ($1::uuid IS NULL OR id > $1) AND ($2::text IS NULL OR target = $2)
            AND ($3::text IS NULL OR status = $3) AND ($4::uuid IS NULL OR ticket_id = $4)
          ORDER BY id LIMIT $5`,
        [after, q.queue ?? null, q.status ?? null, q.ticketId ?? null, limit + 1],
      );
      return toPage(
        rows,
        limit,
        (r) => [r.id],
        (r) => view(r),
      );
    });
  }

  get(actor: UserActor, id: string): Promise<EscalationView> {
    return this.db.tenantTransaction(actor.tenantId, async ({ em }) =>
      view(await this.find(em, id)),
    );
  }

  /** The next claimable escalation in my queue, taken atomically; undefined when there is none. */
  claimNext(actor: UserActor): Promise<EscalationView | undefined> {
    return this.db.tenantTransaction(actor.tenantId, async ({ em }) => {
      const token = randomUUID();
      const [rows] = await em.query<[EscalationRow[], number]>(
        `UPDATE escalations e SET status = 'claimed', lease_token = $2, claimed_by = $3, updated_at = now(),
                lease_expires_at = now() + make_interval(mins => $4)
          WHERE (e.tenant_id, e.id) = (
            SELECT tenant_id, id FROM escalations
             WHERE partner_tenant_id = $1
               AND (status = 'routed' OR (status IN ('claimed', 'scheduled') AND lease_expires_at < now()))
             ORDER BY urgent DESC, created_at, id
             LIMIT 1
             FOR UPDATE SKIP LOCKED)
          RETURNING *`,
        [actor.tenantId, token, actor.userId, LEASE_MINUTES],
      );
      if (!rows[0]) return undefined;
      await partnerOutbox(
        em,
        actor.tenantId,
        'escalation.claimed',
        rows[0].id,
        { by: actor.userId },
        null,
      );
      return view(rows[0], token);
    });
  }

  claim(actor: UserActor, id: string): Promise<EscalationView> {
    return this.db.tenantTransaction(actor.tenantId, async ({ em }) => {
      const e = await this.partnerRow(em, actor, id);
      const leaseLive = e.lease_expires_at !== null && e.lease_expires_at > new Date();
      if (!(e.status === 'routed' || (['claimed', 'scheduled'].includes(e.status) && !leaseLive))) {
        throw stateError(
          e,
          `The escalation is ${e.status}${leaseLive ? ' under a live claim' : ''}.`,
        );
      }
      const token = randomUUID();
      const [rows] = await em.query<[EscalationRow[], number]>(
        `UPDATE escalations SET status = 'claimed', lease_token = $2, claimed_by = $3, updated_at = now(),
                lease_expires_at = now() + make_interval(mins => $4)
          WHERE id = $1 RETURNING *`,
        [id, token, actor.userId, LEASE_MINUTES],
      );
      await partnerOutbox(em, actor.tenantId, 'escalation.claimed', id, { by: actor.userId }, null);
      return view(rows[0], token);
    });
  }

  /**
   * A visit in the future and within ESCALATION_VISIT_HORIZON_DAYS; the lease
   * then runs to the visit plus VISIT_GRACE_HOURS, but never more than
   * ESCALATION_LEASE_MAX_HOURS from now.
   */
  schedule(actor: UserActor, id: string, dto: ScheduleDto): Promise<EscalationView> {
    const at = this.visitTime(dto.at);
    return this.db.tenantTransaction(actor.tenantId, async ({ em }) => {
      const e = await this.leased(em, actor, id, dto.leaseToken);
      const [rows] = await em.query<[EscalationRow[], number]>(
        `UPDATE escalations SET status = 'scheduled', scheduled_at = $2, updated_at = now(),
                lease_expires_at = least(
                  greatest(lease_expires_at, $2::timestamptz + make_interval(hours => $3)),
                  now() + make_interval(hours => $4))
          WHERE id = $1 RETURNING *`,
        [id, at, VISIT_GRACE_HOURS, this.config.escalationLeaseMaxHours],
      );
      await partnerOutbox(
        em,
        actor.tenantId,
        'escalation.scheduled',
        id,
        { at: at.toISOString() },
        null,
      );
      await this.onCustomerTicket(em, actor, e, 'escalation_scheduled', { at: at.toISOString() });
      return view(rows[0]);
    });
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

  /** The partner hands it back: it is re-routed to the next partner (never to one that declined). */
  decline(actor: UserActor, id: string, dto: DeclineDto): Promise<EscalationView> {
    return this.db.tenantTransaction(actor.tenantId, async ({ em }) => {
      const e = await this.partnerRow(em, actor, id);
      if (!(OPEN as readonly string[]).includes(e.status)) {
        throw stateError(e, `The escalation is ${e.status}.`);
      }
      await partnerOutbox(
        em,
        actor.tenantId,
        'escalation.declined',
        id,
        { reason: dto.reason },
        e.tenant_id,
      );
      await em.query(
        `UPDATE escalations SET declined_by = array_append(declined_by, $2) WHERE id = $1`,
        [id, actor.tenantId],
      );
      const routed = await this.route(em, id);
      await this.tickets.recordEscalationEvent(
        { em, tenantId: e.tenant_id },
        actor,
        e.ticket_id,
        'escalation_declined',
        {
          escalationId: id,
          reason: dto.reason,
          reroutedTo: routed.partnerTenantId,
          waitingReason: routed.waitingReason,
        },
      );
      const [after] = await em.query<EscalationRow[]>(`SELECT * FROM escalations WHERE id = $1`, [
        id,
      ]);
      return view(after);
    });
  }

  /**
   * Closes the escalation with the confirmed cause; the customer's ticket is
   * solved with the outcome on its timeline, and the tenant's learned priors
   * for the lock's model move, all in one transaction.
   */
  resolve(actor: UserActor, id: string, dto: ResolveEscalationDto): Promise<EscalationView> {
    return this.db.tenantTransaction(actor.tenantId, async ({ em }) => {
      const e = await this.leased(em, actor, id, dto.leaseToken);
      const [rows] = await em.query<[EscalationRow[], number]>(
        `UPDATE escalations SET status = 'resolved', confirmed_cause = $2, notes = $3, lease_token = NULL,
                lease_expires_at = NULL, updated_at = now()
          WHERE id = $1 RETURNING *`,
        [id, dto.confirmedCause, dto.notes],
      );
      await partnerOutbox(
        em,
        actor.tenantId,
        'escalation.resolved',
        id,
        { confirmedCause: dto.confirmedCause },
        e.tenant_id,
      );
      await this.tickets.solveFromEscalation({ em, tenantId: e.tenant_id }, actor, e.ticket_id, {
        escalationId: id,
        cause: dto.confirmedCause,
        resolution: dto.notes,
      });
      await scopeToTenant(em, actor.tenantId);
      return view(rows[0]);
    });
  }

  /**
   * A customer unlinked a partner (its link row is already gone, so RLS hides
   * every escalation of this customer from the partner from now on): each open
   * escalation routed to it goes back to routing, like a decline, with a
   * timeline event on the ticket and an `escalation.revoked` message to the
   * partner's own webhooks. Runs in the unlink's transaction, customer-scoped.
   */
  async revokePartner(em: EntityManager, actor: UserActor, partnerTenantId: string): Promise<void> {
    const open = await em.query<EscalationRow[]>(
      `SELECT * FROM escalations WHERE partner_tenant_id = $1 AND status = ANY($2::text[])
        ORDER BY id FOR UPDATE`,
      [partnerTenantId, OPEN],
    );
    for (const e of open) {
      const routed = await this.route(em, e.id);
      await partnerOutbox(
        em,
        partnerTenantId,
        'escalation.revoked',
        e.id,
        { reason: 'unlinked' },
        actor.tenantId,
      );
      await this.tickets.recordEscalationEvent(
        { em, tenantId: actor.tenantId },
        actor,
        e.ticket_id,
        'escalation_revoked',
        {
          escalationId: e.id,
          from: partnerTenantId,
          reason: 'partner_unlinked',
          reroutedTo: routed.partnerTenantId,
          waitingReason: routed.waitingReason,
        },
      );
    }
  }

  /** Unclaimed past the urgency window: route to another partner, else record an alert. Safe on every instance. */
  async rerouteStale(
    customerTenantId: string,
    urgentMinutes: number,
    normalMinutes: number,
  ): Promise<number> {
    return this.db.tenantTransaction(customerTenantId, async ({ em }) => {
      const stale = await em.query<EscalationRow[]>(
        `SELECT * FROM escalations
          WHERE tenant_id = $1 AND status = 'routed'
            AND routed_at < now() - make_interval(mins => CASE WHEN urgent THEN $2::int ELSE $3::int END)
          ORDER BY id LIMIT 100 FOR UPDATE SKIP LOCKED`,
        [customerTenantId, urgentMinutes, normalMinutes],
      );
      for (const e of stale) {
        await em.query(
          `UPDATE escalations SET declined_by = array_append(declined_by, partner_tenant_id) WHERE id = $1`,
          [e.id],
        );
        const routed = await this.route(em, e.id);
        await this.tickets.recordEscalationEvent(
          { em, tenantId: customerTenantId },
          null,
          e.ticket_id,
          'escalation_unclaimed',
          {
            escalationId: e.id,
            from: e.partner_tenant_id,
            reroutedTo: routed.partnerTenantId,
            waitingReason: routed.waitingReason,
          },
        );
      }
      return stale.length;
    });
  }

  private async onCustomerTicket(
    em: EntityManager,
    actor: UserActor,
    e: EscalationRow,
    type: string,
    after: object,
  ) {
    await scopeToTenant(em, e.tenant_id);
    await this.tickets.recordEscalationEvent(
      { em, tenantId: e.tenant_id },
      actor,
      e.ticket_id,
      type,
      {
        escalationId: e.id,
        ...after,
      },
    );
    await scopeToTenant(em, actor.tenantId);
  }

  private async find(em: EntityManager, id: string): Promise<EscalationRow> {
    const [row] = await em.query<EscalationRow[]>(`SELECT * FROM escalations WHERE id = $1`, [id]);
    if (!row) throw notFound('Escalation');
    return row;
  }

  /** A row routed to the caller's company, locked; anything else (another partner's, a customer's) is 404. */
  private async partnerRow(
    em: EntityManager,
    actor: UserActor,
    id: string,
  ): Promise<EscalationRow> {
    const [row] = await em.query<EscalationRow[]>(
      `SELECT * FROM escalations WHERE id = $1 AND partner_tenant_id = $2 FOR UPDATE`,
      [id, actor.tenantId],
    );
    if (!row) throw notFound('Escalation');
    return row;
  }

  private async leased(
    em: EntityManager,
    actor: UserActor,
    id: string,
    token: string,
  ): Promise<EscalationRow> {
    const e = await this.partnerRow(em, actor, id);
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
