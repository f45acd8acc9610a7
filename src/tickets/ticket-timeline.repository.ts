/** The timeline: every change to a ticket, each with its outbox message. */
import { outboxInsert } from '../common/outbox/outbox.repository.js';
import type { TenantTx } from '../database/tenant-db.service.js';
import { type RowOf, table } from '../database/table.js';

export const TICKET_EVENTS = table('ticket_events', {
  tenant_id: 'uuid',
  id: 'int8',
  ticket_id: 'uuid',
  type: 'text',
  actor_type: 'text',
  actor_id: 'uuid?',
  internal: 'bool',
  before: 'jsonb?',
  after: 'jsonb?',
  created_at: 'timestamptz',
});

export type TicketEventRow = Omit<RowOf<typeof TICKET_EVENTS>, 'tenant_id' | 'internal'>;

export interface NewTicketEvent {
  ticketId: string;
  /** "LD-12": the outbox message names the ticket by number */
  number: string;
  type: string;
  actorType: 'user' | 'api_key' | 'system' | 'partner';
  actorId: string | null;
  internal: boolean;
  before: unknown;
  after: unknown;
}

/**
 * Timeline events and their `ticket.<type>` outbox messages (internal events carry no `after`
 * outward), in order, in one statement.
 */
export async function appendEvents(tx: TenantTx, events: readonly NewTicketEvent[]): Promise<void> {
  if (events.length === 0) return;
  await tx.em.query(
    `WITH m AS (
       SELECT * FROM jsonb_to_recordset($2::jsonb)
         AS m(ord int, ticket_id uuid, number text, type text, actor_type text, actor_id uuid, internal boolean,
              before jsonb, after jsonb)
     ), e AS (
       INSERT INTO ticket_events (tenant_id, ticket_id, type, actor_type, actor_id, internal, before, after)
       SELECT $1, m.ticket_id, m.type, m.actor_type, m.actor_id, m.internal, m.before, m.after FROM m ORDER BY m.ord
       RETURNING id, created_at
     ), numbered AS (
       SELECT e.created_at, row_number() OVER (ORDER BY e.id) AS ord FROM e
     )
     ${outboxInsert(`SELECT $1, 'ticket.' || m.type, m.ticket_id,
              jsonb_build_object('ticketId', m.ticket_id, 'number', m.number, 'type', m.type, 'internal', m.internal,
                                 'before', m.before, 'after', CASE WHEN m.internal THEN NULL ELSE m.after END,
                                 'at', to_char(numbered.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
         FROM m JOIN numbered USING (ord) ORDER BY m.ord`)}`,
    [
      tx.tenantId,
      JSON.stringify(
        events.map((e, i) => ({
          ord: i + 1,
          ticket_id: e.ticketId,
          number: e.number,
          type: e.type,
          actor_type: e.actorType,
          actor_id: e.actorId,
          internal: e.internal,
          before: e.before ?? null,
          after: e.after ?? null,
        })),
      ),
    ],
  );
}

/** A ticket's events after `after` (by id), oldest first; internal ones only when asked. */
export function listEvents(
  tx: TenantTx,
  ticketId: string,
  opts: { after: number | null; withInternal: boolean; limit: number },
): Promise<TicketEventRow[]> {
  return tx.em.query<TicketEventRow[]>(
    `SELECT id::text, ticket_id, type, actor_type, actor_id, before, after, created_at FROM ticket_events
      WHERE ticket_id = $1 AND ($2::bigint IS NULL OR id > $2) AND ($3 OR NOT internal)
      ORDER BY id LIMIT $4`,
    [ticketId, opts.after, opts.withInternal, opts.limit],
  );
}
