import { Injectable } from '@nestjs/common';
import type { UserActor } from '../auth/index.js';
import { Clock } from '../common/clock.js';
import { AppError, notFound } from '../common/errors.js';
import { appendOutbox } from '../common/outbox/outbox.repository.js';
import { decodeCursor, type Page, pageLimit, toPage } from '../common/pagination.js';
import { TenantDb, type TenantTx } from '../database/tenant-db.service.js';
import { recordConfirmedCause } from '../diagnostics/index.js';
import { TicketsForIncidents } from '../tickets/index.js';
import type {
  IncidentSummaryView,
  IncidentView,
  ListIncidentsQueryDto,
  ResolveIncidentDto,
} from './dto/incidents.dto.js';
import { incidentSummary, incidentView } from './incident-view.js';
import {
  findIncident,
  incidentsOfTicket,
  type IncidentRow,
  listIncidents,
  markAcknowledged,
  markResolved,
  memberLocks,
  memberTickets,
  unsolvedMemberTickets,
} from './incidents.repository.js';

/** Members shown on one incident (the counts say how many there are in all). */
const MEMBERS_SHOWN = 500;

/** Reading, acknowledging and resolving fleet incidents. */
@Injectable()
export class IncidentsService {
  constructor(
    private readonly db: TenantDb,
    private readonly clock: Clock,
    private readonly tickets: TicketsForIncidents,
  ) {
    // A ticket shows the incidents it belongs to.
    tickets.connect({ ofTicket: (tx, ticketId) => incidentsOfTicket(tx, ticketId) });
  }

  list(actor: UserActor, q: ListIncidentsQueryDto): Promise<Page<IncidentSummaryView>> {
    const limit = pageLimit(q);
    const after = q.cursor ? (decodeCursor(q.cursor, ['uuid'])[0] as string) : null;
    return this.db.tenantTransaction(actor.tenantId, async (tx) => {
      const rows = await listIncidents(tx, {
        state: q.state,
        ticketId: q.ticketId,
        after,
        limit: limit + 1,
      });
      return toPage(rows, limit, (r) => [r.id], incidentSummary);
    });
  }

  get(actor: UserActor, id: string): Promise<IncidentView> {
    return this.db.tenantTransaction(actor.tenantId, async (tx) =>
      this.view(tx, await this.find(tx, id)),
    );
  }

  /** open -> acknowledged: someone is on it. */
  acknowledge(actor: UserActor, id: string): Promise<IncidentView> {
    return this.db.tenantTransaction(actor.tenantId, async (tx) => {
      const row = await this.find(tx, id, true);
      if (row.state !== 'open') {
        throw new AppError(
          'conflict',
          `The incident is ${row.state}; only an open one is acknowledged.`,
        );
      }
      await markAcknowledged(tx, id, actor.userId, this.clock.now());
      return this.view(tx, await this.find(tx, id));
    });
  }

  /**
   * Resolves the incident with its confirmed cause, and with it every member ticket not solved
   * or closed yet (each with an `incident_resolved` timeline event), in one transaction. The
   * tenant's priors learn the cause once for the incident's model, not once per ticket.
   */
  resolve(actor: UserActor, id: string, dto: ResolveIncidentDto): Promise<IncidentView> {
    return this.db.tenantTransaction(actor.tenantId, async (tx) => {
      const row = await this.find(tx, id, true);
      if (row.state === 'resolved') {
        throw new AppError('conflict', 'The incident is already resolved.');
      }
      const now = this.clock.now();
      const open = await unsolvedMemberTickets(tx, id);
      for (const ticketId of open) {
        await this.tickets.solveFromIncident(tx, actor, ticketId, {
          incidentId: id,
          cause: dto.confirmedCause,
          resolution: dto.resolution,
        });
      }
      await recordConfirmedCause(tx, row.model_id, dto.confirmedCause);
      await markResolved(tx, id, {
        userId: actor.userId,
        now,
        cause: dto.confirmedCause,
        resolution: dto.resolution,
      });
      await appendOutbox(tx, [
        {
          topic: 'incident.resolved',
          aggregateId: id,
          payload: {
            id,
            title: row.title,
            modelId: row.model_id,
            firmwareVersion: row.firmware_version || null,
            kind: row.kind,
            signal: row.signal,
            confirmedCause: dto.confirmedCause,
            resolution: dto.resolution,
            ticketsResolved: open.length,
          },
        },
      ]);
      return { ...(await this.view(tx, await this.find(tx, id))), ticketsResolved: open.length };
    });
  }

  private async find(tx: TenantTx, id: string, lock = false): Promise<IncidentRow> {
    const row = await findIncident(tx, id, { lock });
    if (!row) throw notFound('Incident');
    return row;
  }

  private async view(tx: TenantTx, row: IncidentRow): Promise<IncidentView> {
    return incidentView(
      row,
      await memberTickets(tx, row.id, MEMBERS_SHOWN),
      await memberLocks(tx, row.id, MEMBERS_SHOWN),
    );
  }
}
