import { Injectable } from '@nestjs/common';
import type { UserActor } from '../auth/index.js';
import { AppError, notFound } from '../common/errors.js';
import { versionTag } from '../common/etag.js';
import type { IdempotencyScope } from '../common/idempotency/idempotency.service.js';
import { uuidv7 } from '../common/ids.js';
import { decodeCursor, type Page, pageLimit, toPage } from '../common/pagination.js';
import { websearchText } from '../common/search.js';
import { Clock } from '../common/clock.js';
import { TenantDb, type TenantTx } from '../database/tenant-db.service.js';
import { DiagnosticsService } from '../diagnostics/index.js';
import type { DiagnosisResponseDto } from '../diagnostics/index.js';
import type { SymptomCode } from '../diagnostics/index.js';
import { deskSettingsFrom, slaTargetFrom } from './desk-settings.js';
import type {
  CreateTicketDto,
  ListTicketsQueryDto,
  RelatedTicketView,
  TicketListItemView,
  TicketView,
  UpdateTicketDto,
} from './dto/tickets.dto.js';
import { EscalationHooks } from './escalation-hooks.js';
import { IncidentHooks } from './incident-hooks.js';
import { TicketAssignment } from './ticket-assignment.service.js';
import { TicketChange } from './ticket-change.js';
import { TicketFeedbackService } from './ticket-feedback.service.js';
import { TicketLifecycle } from './ticket-lifecycle.service.js';
import { diagnosesOf } from './ticket-steps.repository.js';
import { reportPriority } from './report-priority.util.js';
import { type Priority, ticketNumber } from './ticket-state.util.js';
import { TicketTimeline } from './ticket-timeline.service.js';
import { relatedTickets } from './ticket-links.repository.js';
import { lockRefOf } from './lock-ref.util.js';
import { TicketReports, unresolvedLock } from './ticket-reports.service.js';
import {
  creationFacts,
  insertTicket,
  listTickets,
  type LockRef,
  type TicketChanges,
  type TicketRow,
  ticketVersion,
} from './tickets.repository.js';
import { actorOf, slaView, ticketListItem, ticketVolatile, ticketView } from './ticket-view.js';

export interface NewTicket {
  lock: LockRef;
  description: string;
  symptoms?: SymptomCode[];
  priority?: Priority;
  source: 'reported' | 'proactive';
  reason?: string;
  /** A new ticket even when the lock has an open one (link them with POST …/related if wanted). */
  separate?: boolean;
}

/** Tickets themselves: creation (diagnosed, numbered, assigned), listing and search, reading, editing. */
@Injectable()
export class TicketsService {
  constructor(
    private readonly db: TenantDb,
    private readonly diagnostics: DiagnosticsService,
    private readonly tickets: TicketChange,
    private readonly timeline: TicketTimeline,
    private readonly lifecycle: TicketLifecycle,
    private readonly assignment: TicketAssignment,
    private readonly clock: Clock,
    private readonly feedback: TicketFeedbackService,
    private readonly escalations: EscalationHooks,
    private readonly reports: TicketReports,
    private readonly incidents: IncidentHooks,
  ) {}

  /**
   * A report: a new ticket (201), or, when the lock has an open ticket and the report does not ask
   * for a separate one, that ticket with the report added to it (`existing: true`, 200).
   */
  create(actor: UserActor, dto: CreateTicketDto, idem?: IdempotencyScope): Promise<TicketView> {
    const report: NewTicket = {
      lock: lockRefOf(dto),
      description: dto.description,
      symptoms: dto.symptoms,
      priority: dto.priority,
      separate: dto.separate,
      source: 'reported',
    };
    return this.db.tenantTransaction(actor.tenantId, (tx) =>
      this.createIn(tx, actor, report, idem),
    );
  }

  /**
   * Diagnosis, number, assignment, ticket, diagnosis history, timeline event and outbox message
   * (and the Idempotency-Key's answer), in the caller's transaction: one statement reads every
   * fact, the engine runs, one statement writes.
   */
  async createIn(
    tx: TenantTx,
    actor: UserActor | null,
    t: NewTicket,
    idem?: IdempotencyScope,
  ): Promise<TicketView> {
    const now = this.clock.now();
    const facts = await creationFacts(tx, {
      lock: t.lock,
      now,
      idempotencyKey: idem?.key ?? null,
    });
    // The key's lock was taken by the transaction's first statement: a stored answer settles it.
    idem?.settle(facts.stored);
    if (!facts.lock || !facts.deviceId) throw unresolvedLock(t.lock, facts);
    const deviceId = facts.deviceId;
    const open = facts.openTicket;
    if (open && !t.separate) {
      if (t.source === 'reported' && actor)
        return this.reports.reportAgain(tx, actor, open.id, t, idem);
      if (t.source === 'proactive' && open.source === 'reported') {
        await this.reports.fold(tx, open.id, {
          reason: t.reason ?? 'proactive',
          description: t.description,
          symptoms: t.symptoms ?? [],
        });
        return { ...(await this.read(tx, open.id)), existing: true };
      }
    }
    const diagnosis = this.diagnostics.diagnoseWithFacts(
      { deviceId, description: t.description, symptoms: t.symptoms },
      facts.lock,
      facts.learned,
      now,
    );
    const priority = t.priority ?? reportPriority(diagnosis.symptoms, t.description);
    const settings = deskSettingsFrom(facts.settings);
    const target = slaTargetFrom(facts.sla, priority);
    const due = await this.assignment.dueTimes(now, target, [], settings, now);
    const who = actorOf(actor);
    const draft: TicketRow = {
      id: uuidv7(),
      number: 0, // given by the write statement
      device_id: deviceId,
      property_id: facts.lock.property_id,
      reporter_id: actor?.userId ?? null,
      assignee_id: null, // given by the write statement (round-robin)
      status: 'new',
      priority,
      source: t.source,
      reason: t.reason ?? null,
      symptoms: diagnosis.symptoms,
      description: t.description,
      diagnosis_id: uuidv7(),
      diagnosis,
      confirmed_cause: null,
      resolution: null,
      version: 1,
      first_response_minutes: target.firstResponseMinutes,
      resolution_minutes: target.resolutionMinutes,
      first_response_due_at: due.firstResponseDueAt,
      resolution_due_at: due.resolutionDueAt,
      first_responded_at: null,
      sla_breached: false,
      sla_paused_at: null,
      solved_at: null,
      closed_at: null,
      folded_reasons: [],
      created_at: now,
      updated_at: now,
    };
    const { stored, ...row } = await insertTicket(tx, {
      id: draft.id,
      deviceId: draft.device_id,
      propertyId: draft.property_id,
      reporterId: draft.reporter_id,
      autoAssign: settings.autoAssign ? { maxOpenPerAgent: settings.maxOpenPerAgent } : null,
      priority,
      source: draft.source,
      reason: draft.reason,
      symptoms: draft.symptoms,
      description: draft.description,
      diagnosis,
      diagnosisId: draft.diagnosis_id,
      firstResponseMinutes: draft.first_response_minutes,
      resolutionMinutes: draft.resolution_minutes,
      firstResponseDueAt: draft.first_response_due_at,
      resolutionDueAt: draft.resolution_due_at,
      actorType: who.type,
      actorId: who.id,
      now,
      // The answer as it will be, but for what the write gives it (number, assignee).
      answer: idem
        ? {
            key: idem.key,
            requestHash: idem.requestHash,
            method: idem.method,
            path: idem.path,
            status: idem.status,
            body: { ...ticketView(draft, now, []), existing: false },
          }
        : null,
    });
    if (idem) idem.completedInEffect(stored);
    return { ...ticketView({ ...row, diagnosis }, now, []), existing: false };
  }

  list(actor: UserActor, q: ListTicketsQueryDto): Promise<Page<TicketListItemView>> {
    const limit = pageLimit(q);
    const before = q.cursor ? (decodeCursor(q.cursor, ['uuid'])[0] as string) : null;
    const numberQuery = q.q ? /^\s*(?:LD-)?(\d{1,9})\s*$/i.exec(q.q) : null;
    // A list may lag a moment: the read pool (a replica when DATABASE_READ_URL is set).
    return this.db.tenantRead(actor.tenantId, async (tx) => {
      const rows = await listTickets(tx, {
        before,
        status: q.status ?? null,
        priority: q.priority ?? null,
        assigneeId: q.assigneeId ?? null,
        deviceId: q.deviceId ?? null,
        propertyId: q.propertyId ?? null,
        slaBreached: q.slaBreached === undefined ? null : q.slaBreached === 'true',
        createdFrom: q.createdFrom ?? null,
        createdTo: q.createdTo ?? null,
        text: q.q ? websearchText(q.q) : null,
        number: numberQuery ? Number(numberQuery[1]) : null,
        limit: limit + 1,
      });
      const now = this.clock.now();
      return toPage(
        rows,
        limit,
        (r) => [r.id],
        (r) => ticketListItem(r, now),
      );
    });
  }

  /**
   * The ticket with its ETag; or, when `current(tag)` says the caller already has this tag (a
   * matching If-None-Match), only the tag: the row, its diagnosis and steps are not read.
   */
  get(actor: UserActor, id: string): Promise<{ view: TicketView; tag: string }>;
  get(
    actor: UserActor,
    id: string,
    current: (tag: string) => boolean,
  ): Promise<{ view: TicketView; tag: string } | string>;
  get(
    actor: UserActor,
    id: string,
    current?: (tag: string) => boolean,
  ): Promise<{ view: TicketView; tag: string } | string> {
    return this.db.tenantTransaction(actor.tenantId, async (tx) => {
      const now = this.clock.now();
      if (current) {
        const sla = await ticketVersion(tx, id);
        if (sla === undefined) throw notFound('Ticket');
        const escalation = await this.escalations.current(tx, id);
        const related = await this.related(tx, id);
        const incidents = await this.incidents.ofTicket(tx, id);
        const breached = slaView(sla, now).breached;
        const tag = versionTag(
          sla.version,
          ticketVolatile(escalation, breached, related, incidents),
        );
        if (current(tag)) return tag;
      }
      const view = await this.read(tx, id);
      return {
        view,
        tag: versionTag(
          view.version,
          ticketVolatile(view.escalation, view.sla.breached, view.related, view.incidents),
        ),
      };
    });
  }

  /** One ticket as GET /v1/tickets/:id answers it, in the caller's transaction. */
  private async read(tx: TenantTx, id: string): Promise<TicketView> {
    const row = await this.tickets.find(tx, id);
    return {
      ...(await this.feedback.withOutcome(
        tx,
        ticketView(row, this.clock.now(), await this.tickets.stepsTried(tx, id)),
      )),
      related: await this.related(tx, id),
      incidents: await this.incidents.ofTicket(tx, id),
    };
  }

  private async related(tx: TenantTx, id: string): Promise<RelatedTicketView[]> {
    return (await relatedTickets(tx, id)).map((r) => ({
      id: r.id,
      number: ticketNumber(r.number),
      status: r.status,
    }));
  }

  /** Assignee, priority (the SLA follows) and status, under If-Match. */
  update(
    actor: UserActor,
    id: string,
    expectedVersion: number,
    dto: UpdateTicketDto,
  ): Promise<TicketView> {
    return this.tickets.change(
      actor,
      id,
      async (tx, row, now) => {
        const changes: TicketChanges = {};
        if (dto.assigneeId !== undefined && dto.assigneeId !== row.assignee_id) {
          if (dto.assigneeId !== null) await this.assignment.assertAssignable(tx, dto.assigneeId);
          changes.assignee_id = dto.assigneeId;
          await this.timeline.record(tx, actor, row, 'assigned', {
            before: { assigneeId: row.assignee_id },
            after: { assigneeId: dto.assigneeId },
          });
        }
        if (dto.priority !== undefined && dto.priority !== row.priority) {
          Object.assign(
            changes,
            { priority: dto.priority },
            await this.assignment.retarget(tx, row, dto.priority, now),
          );
          await this.timeline.record(tx, actor, row, 'priority_changed', {
            before: { priority: row.priority },
            after: { priority: dto.priority },
          });
        }
        if (dto.status !== undefined && dto.status !== row.status) {
          Object.assign(
            changes,
            await this.lifecycle.transition(tx, actor, row, dto.status, now, {
              ...(dto.reason !== undefined ? { reason: dto.reason } : {}),
            }),
          );
        } else if (dto.reason !== undefined) {
          throw new AppError('validation_failed', 'One or more fields are invalid.', {
            errors: [{ field: 'reason', message: 'reason is only for reopening a solved ticket' }],
          });
        }
        return changes;
      },
      { expectedVersion },
    );
  }

  diagnoses(
    actor: UserActor,
    id: string,
  ): Promise<Page<{ trigger: string; diagnosis: DiagnosisResponseDto; createdAt: string }>> {
    return this.db.tenantTransaction(actor.tenantId, async (tx) => {
      await this.tickets.find(tx, id);
      const rows = await diagnosesOf(tx, id);
      return {
        data: rows.map((r) => ({
          trigger: r.trigger,
          diagnosis: r.diagnosis,
          createdAt: r.created_at.toISOString(),
        })),
        nextCursor: null,
      };
    });
  }
}
