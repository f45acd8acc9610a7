import { Injectable } from '@nestjs/common';
import type { UserActor } from '../auth/index.js';
import { notFound } from '../common/errors.js';
import type { IdempotencyScope } from '../common/idempotency/idempotency.service.js';
import { uuidv7 } from '../common/ids.js';
import { decodeCursor, type Page, pageLimit, toPage } from '../common/pagination.js';
import { websearchText } from '../common/search.js';
import { Clock } from '../common/clock.js';
import { TenantDb, type TenantTx } from '../database/tenant-db.service.js';
import { lockFacts } from '../devices/index.js';
import { DiagnosticsService } from '../diagnostics/index.js';
import type { DiagnosisResponseDto } from '../diagnostics/index.js';
import type { SymptomCode } from '../diagnostics/index.js';
import { loadDeskSettings, loadSlaTarget } from './desk-settings.js';
import type {
  CreateTicketDto,
  ListTicketsQueryDto,
  TicketView,
  UpdateTicketDto,
} from './dto/tickets.dto.js';
import { EscalationHooks } from './escalation-hooks.js';
import { TicketAssignment } from './ticket-assignment.service.js';
import { TicketChange } from './ticket-change.js';
import { TicketLifecycle } from './ticket-lifecycle.service.js';
import { diagnosesOf } from './ticket-steps.repository.js';
import { derivePriority, type Priority } from './ticket-state.util.js';
import { TicketTimeline } from './ticket-timeline.service.js';
import { insertTicket, listTickets, type TicketChanges } from './tickets.repository.js';
import { actorOf, ticketView } from './ticket-view.js';

export interface NewTicket {
  deviceId: string;
  description: string;
  symptoms?: SymptomCode[];
  priority?: Priority;
  source: 'reported' | 'proactive';
  reason?: string;
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
    private readonly escalations: EscalationHooks,
  ) {}

  create(actor: UserActor, dto: CreateTicketDto, idem?: IdempotencyScope): Promise<TicketView> {
    return this.db.tenantTransaction(actor.tenantId, async (tx) => {
      const view = await this.createIn(tx, actor, { ...dto, source: 'reported' });
      await idem?.complete(tx, view);
      return view;
    });
  }

  /**
   * Diagnosis, number, assignment, ticket, diagnosis history, timeline event
   * and outbox message, in the caller's transaction; the writes are one statement.
   */
  async createIn(tx: TenantTx, actor: UserActor | null, t: NewTicket): Promise<TicketView> {
    const now = this.clock.now();
    const diagnosis = await this.diagnostics.diagnoseIn(
      tx,
      { deviceId: t.deviceId, description: t.description, symptoms: t.symptoms },
      now,
    );
    const symptoms = diagnosis.symptoms;
    const priority = t.priority ?? derivePriority(symptoms);
    const settings = await loadDeskSettings(tx);
    const target = await loadSlaTarget(tx, priority);
    const due = await this.assignment.dueTimes(now, target, [], settings, now);
    const assignee = settings.autoAssign ? await this.assignment.nextAssignee(tx, settings) : null;
    const lock = await lockFacts(tx, t.deviceId);
    if (!lock) throw notFound('Device');
    const who = actorOf(actor);
    const row = await insertTicket(tx, {
      id: uuidv7(),
      deviceId: lock.deviceId,
      propertyId: lock.propertyId,
      reporterId: actor?.userId ?? null,
      assigneeId: assignee,
      priority,
      source: t.source,
      reason: t.reason ?? null,
      symptoms,
      description: t.description,
      diagnosis,
      diagnosisId: uuidv7(),
      firstResponseMinutes: target.firstResponseMinutes,
      resolutionMinutes: target.resolutionMinutes,
      firstResponseDueAt: due.firstResponseDueAt,
      resolutionDueAt: due.resolutionDueAt,
      actorType: who.type,
      actorId: who.id,
      now,
    });
    if (assignee) await this.assignment.picked(tx, assignee);
    return ticketView(row, now, []);
  }

  list(actor: UserActor, q: ListTicketsQueryDto): Promise<Page<TicketView>> {
    const limit = pageLimit(q);
    const before = q.cursor ? (decodeCursor(q.cursor, ['uuid'])[0] as string) : null;
    const numberQuery = q.q ? /^\s*(?:LD-)?(\d{1,9})\s*$/i.exec(q.q) : null;
    return this.db.tenantTransaction(actor.tenantId, async (tx) => {
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
        (r) => ticketView(r, now),
      );
    });
  }

  get(actor: UserActor, id: string): Promise<TicketView> {
    return this.db.tenantTransaction(actor.tenantId, async (tx) => {
      const row = await this.tickets.find(tx, id);
      return {
        ...ticketView(row, this.clock.now(), await this.tickets.stepsTried(tx, id)),
        escalation: await this.escalations.current(tx, id),
      };
    });
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
          Object.assign(changes, await this.lifecycle.transition(tx, actor, row, dto.status, now));
        }
        return changes;
      },
      { expectedVersion },
    );
  }

  diagnoses(
    actor: UserActor,
    id: string,
  ): Promise<{ data: { trigger: string; diagnosis: DiagnosisResponseDto; createdAt: string }[] }> {
    return this.db.tenantTransaction(actor.tenantId, async (tx) => {
      await this.tickets.find(tx, id);
      const rows = await diagnosesOf(tx, id);
      return {
        data: rows.map((r) => ({
          trigger: r.trigger,
          diagnosis: r.diagnosis,
          createdAt: r.created_at.toISOString(),
        })),
      };
    });
  }
}
