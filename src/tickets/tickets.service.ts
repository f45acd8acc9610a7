import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Actor, UserActor } from '../auth/actor.js';
import { AppError, notFound } from '../common/errors.js';
import type { IdempotencyScope } from '../common/idempotency/idempotency.service.js';
import { uuidv7 } from '../common/ids.js';
import { decodeCursor, type Page, pageLimit, toPage } from '../common/pagination.js';
import { websearchText } from '../common/search.js';
import { CURRENT_TENANT_SQL } from '../database/roles.js';
import { TenantDb } from '../database/tenant-db.service.js';
import { DiagnosticsService } from '../diagnostics/diagnostics.service.js';
import type { DiagnosisResponseDto } from '../diagnostics/dto/diagnosis.dto.js';
import type { CauseCode, StepCode, StepOutcome, SymptomCode } from '../diagnostics/engine/index.js';
import {
  type DeskSettings,
  loadDeskSettings,
  loadSlaTarget,
  type SlaTarget,
} from './desk-settings.js';
import type {
  CommentView,
  CreateCommentDto,
  CreateTicketDto,
  ListTicketsQueryDto,
  RecordAnswersDto,
  RecordStepDto,
  ResolveDto,
  StepTriedView,
  TicketEventView,
  TicketView,
  UpdateTicketDto,
} from './dto/tickets.dto.js';
import { MAX_SLA_PAUSES, slaStateAsync } from './sla.util.js';
import {
  checkTransition,
  derivePriority,
  OPEN_STATUSES,
  PAUSED_STATUSES,
  type Priority,
  ticketNumber,
  type TicketStatus,
} from './ticket-state.util.js';

export interface TicketRow {
  id: string;
  number: number;
  device_id: string;
  property_id: string;
  reporter_id: string | null;
  assignee_id: string | null;
  status: TicketStatus;
  priority: Priority;
  source: 'reported' | 'proactive';
  reason: string | null;
  symptoms: SymptomCode[];
  description: string;
  diagnosis: DiagnosisResponseDto;
  confirmed_cause: TicketView['confirmedCause'];
  resolution: string | null;
  version: number;
  first_response_minutes: number | null;
  resolution_minutes: number | null;
  first_response_due_at: Date | null;
  resolution_due_at: Date | null;
  first_responded_at: Date | null;
  sla_breached: boolean;
  sla_paused_at: Date | null;
  solved_at: Date | null;
  closed_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

const TICKET_COLUMNS = `id, number, device_id, property_id, reporter_id, assignee_id, status, priority, source, reason,
  symptoms, description, diagnosis, confirmed_cause, resolution, version, first_response_minutes, resolution_minutes,
  first_response_due_at, resolution_due_at, first_responded_at, sla_breached, sla_paused_at, solved_at, closed_at,
  created_at, updated_at`;

const iso = (d: Date | null) => d?.toISOString() ?? null;

export function ticketView(
  r: TicketRow,
  now = new Date(),
  stepsTried?: StepTriedView[],
): TicketView {
  const paused = r.sla_paused_at !== null;
  const lateFirst =
    r.first_responded_at === null &&
    r.first_response_due_at !== null &&
    now > r.first_response_due_at;
  const lateResolution =
    r.solved_at === null && r.resolution_due_at !== null && now > r.resolution_due_at;
  return {
    id: r.id,
    number: ticketNumber(r.number),
    deviceId: r.device_id,
    propertyId: r.property_id,
    reporterId: r.reporter_id,
    assigneeId: r.assignee_id,
    status: r.status,
    priority: r.priority,
    source: r.source,
    reason: r.reason,
    symptoms: r.symptoms,
    description: r.description,
    diagnosis: r.diagnosis,
    ...(stepsTried ? { stepsTried } : {}),
    confirmedCause: r.confirmed_cause,
    resolution: r.resolution,
    version: r.version,
    sla: {
      firstResponseDueAt: iso(r.first_response_due_at),
      resolutionDueAt: iso(r.resolution_due_at),
      breached:
        r.sla_breached ||
        (!paused && OPEN_STATUSES.includes(r.status) && (lateFirst || lateResolution)),
      pausedAt: iso(r.sla_paused_at),
    },
    firstRespondedAt: iso(r.first_responded_at),
    solvedAt: iso(r.solved_at),
    closedAt: iso(r.closed_at),
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

/** Who did it, as the timeline records it. */
function actorOf(actor: Actor | null): {
  type: 'user' | 'api_key' | 'system' | 'partner';
  id: string | null;
} {
  if (!actor) return { type: 'system', id: null };
  if (actor.tenantKind !== 'customer')
    return { type: 'partner', id: actor.type === 'user' ? actor.userId : actor.apiKeyId };
  return actor.type === 'user'
    ? { type: 'user', id: actor.userId }
    : { type: 'api_key', id: actor.apiKeyId };
}

const isStaff = (actor: Actor | null) =>
  actor?.type === 'user' && (actor.role === 'agent' || actor.role === 'admin');

export interface NewTicket {
  deviceId: string;
  description: string;
  symptoms?: SymptomCode[];
  priority?: Priority;
  source: 'reported' | 'proactive';
  reason?: string;
}

@Injectable()
export class TicketsService {
  constructor(
    private readonly db: TenantDb,
    private readonly diagnostics: DiagnosticsService,
  ) {}

  create(actor: UserActor, dto: CreateTicketDto, idem?: IdempotencyScope): Promise<TicketView> {
    return this.db.tenantTransaction(actor.tenantId, async ({ em }) => {
      const view = await this.createIn(em, actor.tenantId, actor, { ...dto, source: 'reported' });
      await idem?.complete(em, view);
      return view;
    });
  }

  /**
   * Diagnosis, number, assignment, ticket, diagnosis history, timeline event
   * and outbox message, in the caller's transaction; the writes are one statement.
   */
  async createIn(
    em: EntityManager,
    tenantId: string,
    actor: UserActor | null,
    t: NewTicket,
  ): Promise<TicketView> {
    const now = new Date();
    const diagnosis = await this.diagnostics.diagnoseIn(
      em,
      { deviceId: t.deviceId, description: t.description, symptoms: t.symptoms },
      now,
    );
    const symptoms = diagnosis.symptoms;
    const priority = t.priority ?? derivePriority(symptoms);
    const settings = await loadDeskSettings(em, false);
    const target = await loadSlaTarget(em, priority);
    const due = await this.dueTimes(now, target, [], settings, now);
    const assignee = settings.autoAssign ? await this.nextAssignee(em, settings) : null;
    const id = uuidv7();
    const who = actorOf(actor);
    const [row] = await em.query<TicketRow[]>(
      `WITH n AS (
         INSERT INTO ticket_counters (tenant_id, last_number) VALUES ($1, 1)
         ON CONFLICT (tenant_id) DO UPDATE SET last_number = ticket_counters.last_number + 1
         RETURNING last_number
       ), t AS (
         INSERT INTO tickets (tenant_id, id, number, device_id, property_id, reporter_id, assignee_id, status, priority,
           source, reason, symptoms, description, diagnosis, first_response_minutes, resolution_minutes,
           first_response_due_at, resolution_due_at, search, created_at, updated_at)
         SELECT $1, $2, n.last_number, d.id, d.property_id, $3, $4, 'new', $5, $6, $7, $8, $9, $10, $11, $12, $13, $14,
           setweight(to_tsvector('simple', 'LD-' || n.last_number || ' ' || n.last_number), 'A')
             || to_tsvector('english', $9), $15, $15
           FROM n, devices d WHERE d.id = $16
         RETURNING ${TICKET_COLUMNS}
       ), h AS (
         INSERT INTO ticket_diagnoses (tenant_id, id, ticket_id, trigger, diagnosis) SELECT $1, $17, t.id, 'created', $10 FROM t
       ), e AS (
         INSERT INTO ticket_events (tenant_id, ticket_id, type, actor_type, actor_id, after)
         SELECT $1, t.id, 'created', $18, $19,
                jsonb_build_object('number', 'LD-' || t.number, 'status', t.status, 'priority', t.priority,
                                   'assigneeId', t.assignee_id, 'source', t.source, 'reason', t.reason)
           FROM t
       ), o AS (
         INSERT INTO outbox (tenant_id, topic, aggregate_id, payload)
         SELECT $1, 'ticket.created', t.id,
                jsonb_build_object('ticketId', t.id, 'number', 'LD-' || t.number, 'deviceId', t.device_id,
                                   'priority', t.priority, 'status', t.status, 'topCause', $10::jsonb #> '{causes,0,code}')
           FROM t
       )
       SELECT * FROM t`,
      [
        tenantId,
        id,
        actor?.userId ?? null,
        assignee,
        priority,
        t.source,
        t.reason ?? null,
        symptoms,
        t.description,
        JSON.stringify(diagnosis),
        target.firstResponseMinutes,
        target.resolutionMinutes,
        due.firstResponseDueAt,
        due.resolutionDueAt,
        now,
        t.deviceId,
        uuidv7(),
        who.type,
        who.id,
      ],
    );
    if (!row) throw notFound('Device');
    if (assignee) await em.query(`UPDATE desk_settings SET last_assignee_id = $1`, [assignee]);
    return ticketView(row, now, []);
  }

  list(actor: UserActor, q: ListTicketsQueryDto): Promise<Page<TicketView>> {
    const limit = pageLimit(q);
    const before = q.cursor ? (decodeCursor(q.cursor, ['uuid'])[0] as string) : null;
    const numberQuery = q.q ? /^\s*(?:LD-)?(\d{1,9})\s*$/i.exec(q.q) : null;
    return this.db.tenantTransaction(actor.tenantId, async ({ em }) => {
      const rows = await em.query<TicketRow[]>(
        `SELECT ${TICKET_COLUMNS} FROM tickets
          WHERE ($1::uuid IS NULL OR id < $1)
            AND ($2::text IS NULL OR status = $2)
            AND ($3::text IS NULL OR priority = $3)
            AND ($4::uuid IS NULL OR assignee_id = $4)
            AND ($5::uuid IS NULL OR device_id = $5)
            AND ($6::uuid IS NULL OR property_id = $6)
            AND ($7::boolean IS NULL OR sla_breached = $7)
            AND ($8::timestamptz IS NULL OR created_at >= $8)
            AND ($9::timestamptz IS NULL OR created_at < $9)
            AND ($10::text IS NULL OR search @@ websearch_to_tsquery('english', $10) OR number = $11)
          ORDER BY id DESC
          LIMIT $12`,
        [
          before,
          q.status ?? null,
          q.priority ?? null,
          q.assigneeId ?? null,
          q.deviceId ?? null,
          q.propertyId ?? null,
          q.slaBreached === undefined ? null : q.slaBreached === 'true',
          q.createdFrom ?? null,
          q.createdTo ?? null,
          q.q ? websearchText(q.q) : null,
          numberQuery ? Number(numberQuery[1]) : null,
          limit + 1,
        ],
      );
      const now = new Date();
      return toPage(
        rows,
        limit,
        (r) => [r.id],
        (r) => ticketView(r, now),
      );
    });
  }

  get(actor: UserActor, id: string): Promise<TicketView> {
    return this.db.tenantTransaction(actor.tenantId, async ({ em }) => {
      const row = await this.find(em, id);
      return ticketView(row, new Date(), await this.stepsOf(em, id));
    });
  }

  update(
    actor: UserActor,
    id: string,
    expectedVersion: number,
    dto: UpdateTicketDto,
  ): Promise<TicketView> {
    return this.change(actor, id, expectedVersion, async (em, row, now) => {
      const changes: Partial<TicketRow> = {};
      if (dto.assigneeId !== undefined && dto.assigneeId !== row.assignee_id) {
        if (dto.assigneeId !== null) await this.assertAssignable(em, dto.assigneeId);
        changes.assignee_id = dto.assigneeId;
        await this.record(
          em,
          actor,
          row,
          'assigned',
          { assigneeId: row.assignee_id },
          { assigneeId: dto.assigneeId },
        );
      }
      if (dto.priority !== undefined && dto.priority !== row.priority) {
        Object.assign(
          changes,
          { priority: dto.priority },
          await this.retarget(em, row, dto.priority, now),
        );
        await this.record(
          em,
          actor,
          row,
          'priority_changed',
          { priority: row.priority },
          { priority: dto.priority },
        );
      }
      if (dto.status !== undefined && dto.status !== row.status) {
        Object.assign(changes, await this.transition(em, actor, row, dto.status, now));
      }
      return changes;
    });
  }

  comment(actor: UserActor, id: string, dto: CreateCommentDto): Promise<CommentView> {
    if (dto.internal && !isStaff(actor)) {
      throw new AppError('forbidden', 'Internal notes are for agents and admins.');
    }
    let view: CommentView | undefined;
    return this.change(actor, id, null, async (em, row, now) => {
      const commentId = uuidv7();
      await em.query(
        `INSERT INTO ticket_comments (tenant_id, id, ticket_id, author_id, body, internal, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [actor.tenantId, commentId, id, actor.userId, dto.body, dto.internal ?? false, now],
      );
      view = {
        id: commentId,
        authorId: actor.userId,
        body: dto.body,
        internal: dto.internal ?? false,
        createdAt: now.toISOString(),
      };
      await this.record(
        em,
        actor,
        row,
        'comment_added',
        null,
        { commentId, internal: view.internal },
        view.internal,
      );
      const changes: Partial<TicketRow> = {};
      if (!view.internal) {
        await em.query(
          `UPDATE tickets SET search = search || to_tsvector('english', $2) WHERE id = $1`,
          [id, dto.body],
        );
        Object.assign(changes, await this.responded(em, actor, row, now));
        // The reporter answered a question: the ticket is back with the desk.
        if (!isStaff(actor) && row.status === 'pending')
          Object.assign(changes, await this.transition(em, null, row, 'open', now));
      }
      return changes;
    }).then(() => view!);
  }

  /** Records an outcome and answers the ticket with its re-diagnosis. */
  recordStep(actor: UserActor, id: string, dto: RecordStepDto): Promise<TicketView> {
    return this.change(
      actor,
      id,
      null,
      async (em, row, now) => {
        await em.query(
          `INSERT INTO ticket_steps (tenant_id, id, ticket_id, step, outcome, note, actor_id, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
          [
            actor.tenantId,
            uuidv7(),
            id,
            dto.step,
            dto.outcome,
            dto.note ?? null,
            actor.userId,
            now,
          ],
        );
        const diagnosis = await this.rediagnose(em, row, now, `step:${dto.step}:${dto.outcome}`);
        await this.record(em, actor, row, 'step_recorded', null, {
          step: dto.step,
          outcome: dto.outcome,
          topCause: diagnosis.causes[0]?.code ?? null,
          nextStep: diagnosis.plan[0]?.step ?? null,
        });
        return { diagnosis, ...(await this.responded(em, actor, row, now)) };
      },
      true,
    );
  }

  /** Records answers to the diagnosis's questions and answers the ticket with its re-diagnosis. */
  recordAnswers(actor: UserActor, id: string, dto: RecordAnswersDto): Promise<TicketView> {
    return this.change(
      actor,
      id,
      null,
      async (em, row, now) => {
        // One statement for the whole batch.
        await em.query(
          `INSERT INTO ticket_answers (tenant_id, id, ticket_id, symptom, present, actor_id, created_at)
           SELECT $1, a.id, $2, a.symptom, a.present, $3, $4
             FROM unnest($5::uuid[], $6::text[], $7::boolean[]) AS a(id, symptom, present)`,
          [
            actor.tenantId,
            id,
            actor.userId,
            now,
            dto.answers.map(() => uuidv7()),
            dto.answers.map((a) => a.symptom),
            dto.answers.map((a) => a.present),
          ],
        );
        const said = dto.answers.map((a) => `${a.symptom}:${a.present ? 'yes' : 'no'}`);
        const diagnosis = await this.rediagnose(em, row, now, `answers:${said.join(',')}`);
        await this.record(em, actor, row, 'answers_recorded', null, {
          answers: dto.answers.map((a) => ({ symptom: a.symptom, present: a.present })),
          topCause: diagnosis.causes[0]?.code ?? null,
          nextStep: diagnosis.plan[0]?.step ?? null,
        });
        return { diagnosis, ...(await this.responded(em, actor, row, now)) };
      },
      true,
    );
  }

  /**
   * Diagnoses the ticket again from its report, every step outcome and the latest answer per
   * symptom, and appends the result to its diagnosis history.
   */
  private async rediagnose(
    em: EntityManager,
    row: TicketRow,
    now: Date,
    trigger: string,
  ): Promise<DiagnosisResponseDto> {
    const steps = await this.stepsOf(em, row.id);
    const answers = await em.query<{ symptom: SymptomCode; present: boolean }[]>(
      `SELECT DISTINCT ON (symptom) symptom, present FROM ticket_answers
        WHERE ticket_id = $1 ORDER BY symptom, id DESC`,
      [row.id],
    );
    const diagnosis = await this.diagnostics.diagnoseIn(
      em,
      {
        deviceId: row.device_id,
        description: row.description,
        symptoms: row.symptoms,
        stepsTried: steps.map((s) => ({ step: s.step, outcome: s.outcome })),
        answers,
      },
      now,
    );
    await em.query(
      `INSERT INTO ticket_diagnoses (tenant_id, id, ticket_id, trigger, diagnosis)
       VALUES (${CURRENT_TENANT_SQL}, $1, $2, $3, $4)`,
      [uuidv7(), row.id, trigger, JSON.stringify(diagnosis)],
    );
    return diagnosis;
  }

  resolve(actor: UserActor, id: string, dto: ResolveDto): Promise<TicketView> {
    return this.change(
      actor,
      id,
      null,
      (em, row, now) =>
        this.solveIn(em, actor, row, now, dto.confirmedCause, dto.resolution, 'resolved', {}),
      true,
    );
  }

  /**
   * Solved with a confirmed cause (by the desk, or by a partner closing an
   * escalation): the status change, the cause taught to this tenant's priors
   * for the lock's model, and the timeline event, in the caller's transaction.
   * A ticket that is already solved is a 409 naming the allowed transitions,
   * so the priors learn once per solve; the caller holds the ticket's row
   * lock (changeIn), so concurrent resolves queue up and all but the first
   * meet a solved ticket.
   */
  async solveIn(
    em: EntityManager,
    actor: Actor,
    row: TicketRow,
    now: Date,
    cause: CauseCode,
    resolution: string,
    eventType: string,
    eventDetail: object,
  ): Promise<Partial<TicketRow>> {
    const changes = await this.transition(em, actor, row, 'solved', now, cause);
    const [device] = await em.query<{ model_id: string }[]>(
      `SELECT coalesce(reference_model_id, tenant_model_id) AS model_id FROM devices WHERE id = $1`,
      [row.device_id],
    );
    await this.diagnostics.recordConfirmedCause(em, device.model_id, cause);
    await this.record(em, actor, row, eventType, null, {
      ...eventDetail,
      confirmedCause: cause,
      resolution,
    });
    return { ...changes, confirmed_cause: cause, resolution };
  }

  comments(
    actor: UserActor,
    id: string,
    q: { limit?: number; cursor?: string },
  ): Promise<Page<CommentView>> {
    const limit = pageLimit(q);
    const after = q.cursor ? (decodeCursor(q.cursor, ['uuid'])[0] as string) : null;
    return this.db.tenantTransaction(actor.tenantId, async ({ em }) => {
      await this.find(em, id);
      const rows = await em.query<
        { id: string; author_id: string; body: string; internal: boolean; created_at: Date }[]
      >(
        `SELECT id, author_id, body, internal, created_at FROM ticket_comments
          WHERE ticket_id = $1 AND ($2::uuid IS NULL OR id > $2) AND ($3 OR NOT internal)
          ORDER BY id LIMIT $4`,
        [id, after, isStaff(actor), limit + 1],
      );
      return toPage(
        rows,
        limit,
        (r) => [r.id],
        (r) => ({
          id: r.id,
          authorId: r.author_id,
          body: r.body,
          internal: r.internal,
          createdAt: r.created_at.toISOString(),
        }),
      );
    });
  }

  events(
    actor: UserActor,
    id: string,
    q: { limit?: number; cursor?: string },
  ): Promise<Page<TicketEventView>> {
    const limit = pageLimit(q);
    const after = q.cursor ? (decodeCursor(q.cursor, ['int'])[0] as number) : null;
    return this.db.tenantTransaction(actor.tenantId, async ({ em }) => {
      await this.find(em, id);
      const rows = await em.query<
        {
          id: string;
          type: string;
          actor_type: string;
          actor_id: string | null;
          before: unknown;
          after: unknown;
          created_at: Date;
        }[]
      >(
        `SELECT id::text, type, actor_type, actor_id, before, after, created_at FROM ticket_events
          WHERE ticket_id = $1 AND ($2::bigint IS NULL OR id > $2) AND ($3 OR NOT internal)
          ORDER BY id LIMIT $4`,
        [id, after, isStaff(actor), limit + 1],
      );
      return toPage(
        rows,
        limit,
        (r) => [Number(r.id)],
        (r) => ({
          id: r.id,
          type: r.type,
          actorType: r.actor_type,
          actorId: r.actor_id,
          before: r.before,
          after: r.after,
          createdAt: r.created_at.toISOString(),
        }),
      );
    });
  }

  diagnoses(
    actor: UserActor,
    id: string,
  ): Promise<{ data: { trigger: string; diagnosis: DiagnosisResponseDto; createdAt: string }[] }> {
    return this.db.tenantTransaction(actor.tenantId, async ({ em }) => {
      await this.find(em, id);
      const rows = await em.query<
        { trigger: string; diagnosis: DiagnosisResponseDto; created_at: Date }[]
      >(
        `SELECT trigger, diagnosis, created_at FROM ticket_diagnoses WHERE ticket_id = $1 ORDER BY id`,
        [id],
      );
      return {
        data: rows.map((r) => ({
          trigger: r.trigger,
          diagnosis: r.diagnosis,
          createdAt: r.created_at.toISOString(),
        })),
      };
    });
  }

  /**
   * Every change to a ticket: lock the row (concurrent changes queue up, so
   * the result is some serial order), check If-Match, apply, bump the
   * version, and answer the new state, all in one transaction.
   */
  change<T extends Partial<TicketRow> & { diagnosis?: DiagnosisResponseDto }>(
    actor: UserActor,
    id: string,
    expectedVersion: number | null,
    apply: (em: EntityManager, row: TicketRow, now: Date) => Promise<T>,
    withSteps = false,
  ): Promise<TicketView> {
    return this.db.tenantTransaction(actor.tenantId, ({ em }) =>
      this.changeIn(em, id, expectedVersion, apply, withSteps),
    );
  }

  /** The same in a transaction the caller holds (already scoped to the ticket's tenant). */
  async changeIn<T extends Partial<TicketRow> & { diagnosis?: DiagnosisResponseDto }>(
    em: EntityManager,
    id: string,
    expectedVersion: number | null,
    apply: (em: EntityManager, row: TicketRow, now: Date) => Promise<T>,
    withSteps = false,
  ): Promise<TicketView> {
    const row = await this.find(em, id, true);
    if (expectedVersion !== null && expectedVersion !== row.version) {
      throw new AppError(
        'precondition_failed',
        `The ticket is at version ${row.version}, not ${expectedVersion}.`,
        {
          headers: { etag: `"${row.version}"` },
        },
      );
    }
    if (row.status === 'closed') throw new AppError('ticket_closed', 'A closed ticket is final.');
    const now = new Date();
    const changes = await apply(em, row, now);
    const entries = Object.entries(changes).filter(([, v]) => v !== undefined);
    const sets = entries.map(([k], i) => `${k} = $${i + 2}`);
    const values = entries.map(([k, v]) => (k === 'diagnosis' ? JSON.stringify(v) : v));
    const [updated] = await em.query<[TicketRow[], number]>(
      `UPDATE tickets SET ${[...sets, 'version = version + 1', 'updated_at = now()'].join(', ')}
        WHERE id = $1 RETURNING ${TICKET_COLUMNS}`,
      [id, ...values],
    );
    return ticketView(updated[0], now, withSteps ? await this.stepsOf(em, id) : undefined);
  }

  /** A status change: lifecycle rules, SLA pause bookkeeping, timeline. */
  async transition(
    em: EntityManager,
    actor: Actor | null,
    row: TicketRow,
    to: TicketStatus,
    now: Date,
    confirmedCause?: string,
  ): Promise<Partial<TicketRow>> {
    const settings = await loadDeskSettings(em);
    const check = checkTransition(row.status, to, {
      solvedAt: row.solved_at,
      now,
      reopenWindowDays: settings.reopenWindowDays,
    });
    if (!check.ok) {
      throw new AppError(
        'illegal_transition',
        `${check.reason} Allowed: ${check.allowed.join(', ') || 'none'}.`,
        {
          allowed: check.allowed,
        },
      );
    }
    const changes: Partial<TicketRow> = { status: to };
    const wasPaused = PAUSED_STATUSES.includes(row.status);
    const pausing = PAUSED_STATUSES.includes(to);
    if (pausing && !wasPaused) {
      // Every pause is a step of each later SLA computation: their number is bounded.
      const [{ pauses }] = await em.query<[{ pauses: number }]>(
        `SELECT count(*)::int AS pauses FROM ticket_sla_pauses WHERE ticket_id = $1`,
        [row.id],
      );
      if (pauses >= MAX_SLA_PAUSES) {
        throw new AppError(
          'conflict',
          `The SLA clock of this ticket has been stopped ${pauses} times, the most allowed.`,
        );
      }
      await em.query(
        `INSERT INTO ticket_sla_pauses (tenant_id, ticket_id, started_at) SELECT tenant_id, id, $2 FROM tickets WHERE id = $1`,
        [row.id, now],
      );
      changes.sla_paused_at = now;
    }
    if (wasPaused && !pausing) {
      await em.query(
        `UPDATE ticket_sla_pauses SET ended_at = $2 WHERE ticket_id = $1 AND ended_at IS NULL`,
        [row.id, now],
      );
      changes.sla_paused_at = null;
      Object.assign(changes, await this.retarget(em, row, row.priority, now, settings));
    }
    if (to === 'solved') {
      changes.solved_at = now;
      if (row.resolution_due_at && now > row.resolution_due_at && !wasPaused)
        changes.sla_breached = true;
    }
    if (to === 'closed') changes.closed_at = now;
    if (row.status === 'solved' && to === 'open') {
      Object.assign(changes, { solved_at: null, confirmed_cause: null, resolution: null });
    }
    await this.record(
      em,
      actor,
      row,
      row.status === 'solved' && to === 'open' ? 'reopened' : 'status_changed',
      { status: row.status },
      {
        status: to,
        ...(confirmedCause ? { confirmedCause } : {}),
      },
    );
    return changes;
  }

  /** First public answer or step by the desk stops the first-response clock and opens a new ticket. */
  private async responded(
    em: EntityManager,
    actor: Actor,
    row: TicketRow,
    now: Date,
  ): Promise<Partial<TicketRow>> {
    if (!isStaff(actor)) return {};
    const changes: Partial<TicketRow> = {};
    if (row.first_responded_at === null) {
      changes.first_responded_at = now;
      if (
        row.first_response_due_at &&
        now > row.first_response_due_at &&
        row.sla_paused_at === null
      ) {
        changes.sla_breached = true;
      }
    }
    if (row.status === 'new')
      Object.assign(changes, await this.transition(em, actor, row, 'open', now));
    return changes;
  }

  /** Due times for the ticket's priority, counting business hours and the pauses so far. */
  private async retarget(
    em: EntityManager,
    row: TicketRow,
    priority: Priority,
    now: Date,
    settings?: DeskSettings,
  ): Promise<Partial<TicketRow>> {
    const s = settings ?? (await loadDeskSettings(em));
    const target = await loadSlaTarget(em, priority);
    const pauses = await em.query<{ start: Date; end: Date | null }[]>(
      `SELECT started_at AS start, ended_at AS "end" FROM ticket_sla_pauses WHERE ticket_id = $1 ORDER BY started_at`,
      [row.id],
    );
    const due = await this.dueTimes(row.created_at, target, pauses, s, now);
    return {
      first_response_minutes: target.firstResponseMinutes,
      resolution_minutes: target.resolutionMinutes,
      first_response_due_at: due.firstResponseDueAt,
      resolution_due_at: due.resolutionDueAt,
    };
  }

  private async dueTimes(
    createdAt: Date,
    target: SlaTarget,
    pauses: { start: Date; end: Date | null }[],
    settings: DeskSettings,
    now: Date,
  ): Promise<{ firstResponseDueAt: Date | null; resolutionDueAt: Date | null }> {
    const state = await slaStateAsync({
      createdAt,
      firstResponseMinutes: target.firstResponseMinutes,
      resolutionMinutes: target.resolutionMinutes,
      firstRespondedAt: null,
      resolvedAt: null,
      pauses,
      now,
      hours: settings.businessHours,
    });
    return { firstResponseDueAt: state.firstResponseDueAt, resolutionDueAt: state.resolutionDueAt };
  }

  /** Round-robin among available agents under the open-ticket cap, after the last one picked. */
  private async nextAssignee(em: EntityManager, settings: DeskSettings): Promise<string | null> {
    await em.query(
      `INSERT INTO desk_settings (tenant_id, business_hours, proactive)
       SELECT ${CURRENT_TENANT_SQL}, $1, $2
       ON CONFLICT (tenant_id) DO NOTHING`,
      [JSON.stringify(settings.businessHours), JSON.stringify(settings.proactive)],
    );
    const [locked] = await em.query<{ last_assignee_id: string | null }[]>(
      `SELECT last_assignee_id FROM desk_settings FOR UPDATE`,
    );
    const [next] = await em.query<{ id: string }[]>(
      `SELECT u.id FROM users u
        WHERE u.role = 'agent' AND NOT u.away AND u.deleted_at IS NULL
          AND (SELECT count(*) FROM tickets t WHERE t.assignee_id = u.id
                 AND t.status IN ('new', 'open', 'pending', 'on_hold')) < $2
        ORDER BY (u.id > coalesce($1, '00000000-0000-0000-0000-000000000000'::uuid)) DESC, u.id
        LIMIT 1`,
      [locked?.last_assignee_id ?? null, settings.maxOpenPerAgent],
    );
    return next?.id ?? null;
  }

  private async assertAssignable(em: EntityManager, userId: string): Promise<void> {
    const [u] = await em.query<{ role: string }[]>(
      `SELECT role FROM users WHERE id = $1 AND deleted_at IS NULL AND role IN ('agent', 'admin')`,
      [userId],
    );
    if (!u) {
      throw new AppError('assignee_not_agent', undefined, {
        errors: [{ field: 'assigneeId', message: 'no agent or admin with this id in your tenant' }],
      });
    }
  }

  /** A timeline event and its outbox message, in one statement, in the change's transaction. */
  async record(
    em: EntityManager,
    actor: Actor | null,
    row: Pick<TicketRow, 'id' | 'number'>,
    type: string,
    before: unknown,
    after: unknown,
    internal = false,
  ): Promise<void> {
    const who = actorOf(actor);
    await em.query(
      `WITH e AS (
         INSERT INTO ticket_events (tenant_id, ticket_id, type, actor_type, actor_id, internal, before, after)
         VALUES (${CURRENT_TENANT_SQL}, $1, $2, $3, $4, $5, $6, $7)
         RETURNING created_at
       )
       INSERT INTO outbox (tenant_id, topic, aggregate_id, payload)
       SELECT ${CURRENT_TENANT_SQL}, $8, $1,
              jsonb_build_object('ticketId', $1::uuid, 'number', $9::text, 'type', $2::text, 'internal', $5::boolean,
                                 'before', $6::jsonb, 'after', CASE WHEN $5 THEN NULL ELSE $7::jsonb END, 'at', e.created_at)
         FROM e`,
      [
        row.id,
        type,
        who.type,
        who.id,
        internal,
        before === null ? null : JSON.stringify(before),
        after === null ? null : JSON.stringify(after),
        `ticket.${type}`,
        ticketNumber(row.number),
      ],
    );
  }

  async find(em: EntityManager, id: string, lock = false): Promise<TicketRow> {
    const [row] = await em.query<TicketRow[]>(
      `SELECT ${TICKET_COLUMNS} FROM tickets WHERE id = $1 ${lock ? 'FOR UPDATE' : ''}`,
      [id],
    );
    if (!row) throw notFound('Ticket');
    return row;
  }

  private async stepsOf(em: EntityManager, id: string): Promise<StepTriedView[]> {
    const rows = await em.query<
      {
        step: StepCode;
        outcome: StepOutcome;
        note: string | null;
        actor_id: string;
        created_at: Date;
      }[]
    >(
      `SELECT step, outcome, note, actor_id, created_at FROM ticket_steps WHERE ticket_id = $1 ORDER BY id`,
      [id],
    );
    return rows.map((r) => ({
      step: r.step,
      outcome: r.outcome,
      note: r.note,
      by: r.actor_id,
      at: r.created_at.toISOString(),
    }));
  }
}
