import { Injectable } from '@nestjs/common';
import type { UserActor } from '../auth/index.js';
import { AppError, notFound } from '../common/errors.js';
import { Clock } from '../common/clock.js';
import {
  decodeCursor,
  type Page,
  type PageQueryDto,
  pageLimit,
  toPage,
} from '../common/pagination.js';
import { TenantDb, type TenantTx } from '../database/tenant-db.service.js';
import type { StepTriedView, TicketView } from './dto/tickets.dto.js';
import { stepsOf } from './ticket-steps.repository.js';
import {
  findTicket,
  type NewDiagnosis,
  type TicketChanges,
  type TicketRow,
  updateTicket,
} from './tickets.repository.js';
import { isStaff, stepView, ticketView } from './ticket-view.js';

/** How to page one kind of a ticket's entries (comments, timeline events) by a single key. */
export interface TicketEntries<R, V, K extends string | number> {
  /** The cursor's key: a uuid (string) or an integer (number). */
  keyType: K extends number ? 'int' : 'uuid';
  key: (row: R) => K;
  list: (
    tx: TenantTx,
    ticketId: string,
    o: { after: K | null; withInternal: boolean; limit: number },
  ) => Promise<R[]>;
  view: (row: R) => V;
}

export type ApplyChange = (
  tx: TenantTx,
  row: TicketRow,
  now: Date,
) => Promise<TicketChanges & { diagnosis?: NewDiagnosis }>;

export interface ChangeOptions {
  /** The version the client's If-Match names; a stale one is a 412. Omitted: no check. */
  expectedVersion?: number;
  /** Answer the ticket with the steps tried (as GET /tickets/:id does). */
  withSteps?: boolean;
  /** The change may touch a closed ticket (a rating); every other change refuses it (409). */
  allowClosed?: boolean;
}

/**
 * The generic change engine every ticket change goes through, plus reading one ticket.
 * Lock the row (concurrent changes queue up, so the result is some serial order), check
 * If-Match, apply, bump the version, and answer the new state, all in one transaction.
 */
@Injectable()
export class TicketChange {
  constructor(
    private readonly db: TenantDb,
    private readonly clock: Clock,
  ) {}

  change(
    actor: UserActor,
    id: string,
    apply: ApplyChange,
    opts: ChangeOptions = {},
  ): Promise<TicketView> {
    return this.db.tenantTransaction(actor.tenantId, (tx) => this.changeIn(tx, id, apply, opts));
  }

  /** The same in a transaction the caller holds (scoped to the ticket's tenant). */
  async changeIn(
    tx: TenantTx,
    id: string,
    apply: ApplyChange,
    opts: ChangeOptions = {},
  ): Promise<TicketView> {
    const row = await this.find(tx, id, { lock: true });
    if (opts.expectedVersion !== undefined && opts.expectedVersion !== row.version) {
      throw new AppError(
        'precondition_failed',
        `The ticket is at version ${row.version}, not ${opts.expectedVersion}.`,
        {
          headers: { etag: `"${row.version}"` },
        },
      );
    }
    if (row.status === 'closed' && !opts.allowClosed)
      throw new AppError('ticket_closed', 'A closed ticket is final.', {
        ticketStatus: row.status,
      });
    const now = this.clock.now();
    const { diagnosis, ...changes } = await apply(tx, row, now);
    const updated = await updateTicket(tx, id, changes, diagnosis);
    return ticketView(
      { ...updated, diagnosis: diagnosis?.diagnosis ?? row.diagnosis },
      now,
      opts.withSteps ? await this.stepsTried(tx, id) : undefined,
    );
  }

  /**
   * A page of one ticket's entries: 404 for a ticket the tenant does not have, internal entries
   * only for staff, keyset-paged after the cursor's key.
   */
  entriesPage<R, V, K extends string | number>(
    actor: UserActor,
    id: string,
    q: PageQueryDto,
    entries: TicketEntries<R, V, K>,
  ): Promise<Page<V>> {
    const limit = pageLimit(q);
    const after = q.cursor ? (decodeCursor(q.cursor, [entries.keyType])[0] as K) : null;
    return this.db.tenantTransaction(actor.tenantId, async (tx) => {
      await this.find(tx, id);
      const rows = await entries.list(tx, id, {
        after,
        withInternal: isStaff(actor),
        limit: limit + 1,
      });
      return toPage(rows, limit, (r) => [entries.key(r)], entries.view);
    });
  }

  /** One ticket (404 when the tenant has none with this id); `lock` holds its row. */
  async find(tx: TenantTx, id: string, opts: { lock?: boolean } = {}): Promise<TicketRow> {
    const row = await findTicket(tx, id, opts);
    if (!row) throw notFound('Ticket');
    return row;
  }

  async stepsTried(tx: TenantTx, id: string): Promise<StepTriedView[]> {
    return (await stepsOf(tx, id)).map(stepView);
  }
}
