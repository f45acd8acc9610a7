/** The timeline: every change to a ticket, each with its outbox message. */
import { outboxInsert } from '../common/outbox/outbox.repository.js';
import type { TenantTx } from '../database/tenant-db.service.js';
import { type RowOf, table } from '../database/table.js';
import type { ActorView } from '../common/actor.dto.js';
import { actorSql } from '../tenancy/index.js';

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
  /** The partner company a partner person acted for (actor_type 'partner'). */
  actor_tenant_id: 'uuid?',
});

/** An event as the timeline shows it: who acted, named. */
export type TicketEventRow = Omit<
  RowOf<typeof TICKET_EVENTS>,
  'tenant_id' | 'internal' | 'actor_type' | 'actor_id' | 'actor_tenant_id'
> & { actor: ActorView };

export interface NewTicketEvent {
  ticketId: string;
  /** "LD-12": the outbox message names the ticket by number */
  number: string;
  type: string;
  actorType: 'user' | 'api_key' | 'system' | 'partner';
  actorId: string | null;
  /** The partner company, when a partner person acted. */
  actorTenantId?: string | null;
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
         AS m(ord int, ticket_id uuid, number text, type text, actor_type text, actor_id uuid,
              actor_tenant_id uuid, internal boolean, before jsonb, after jsonb)
     ), e AS (
       INSERT INTO ticket_events (tenant_id, ticket_id, type, actor_type, actor_id, actor_tenant_id, internal, before, after)
       SELECT $1, m.ticket_id, m.type, m.actor_type, m.actor_id, m.actor_tenant_id, m.internal, m.before, m.after
         FROM m ORDER BY m.ord
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
          actor_tenant_id: e.actorTenantId ?? null,
          internal: e.internal,
          before: e.before ?? null,
          after: e.after ?? null,
        })),
      ),
    ],
  );
}

const EVENT_ACTOR = actorSql('a', {
  type: 'e.actor_type',
  id: 'e.actor_id',
  tenantId: 'e.actor_tenant_id',
});

/**
 * A ticket's events after `after` (by id), oldest first; internal ones only when asked; each
 * with who acted, named in the same statement.
 */
export function listEvents(
  tx: TenantTx,
  ticketId: string,
  opts: { after: number | null; withInternal: boolean; limit: number },
): Promise<TicketEventRow[]> {
  return tx.em.query<TicketEventRow[]>(
    `SELECT e.id::text, e.ticket_id, e.type, ${EVENT_ACTOR.json} AS actor, e.before, e.after, e.created_at
       FROM ticket_events e ${EVENT_ACTOR.joins}
      WHERE e.ticket_id = $1 AND ($2::bigint IS NULL OR e.id > $2) AND ($3 OR NOT e.internal)
      ORDER BY e.id LIMIT $4`,
    [ticketId, opts.after, opts.withInternal, opts.limit],
  );
}

/**
 * A SELECT of the ticket's latest solving event (`resolved`, `escalation_resolved`, or a status
 * change to solved): columns `type`, `after` and, when `named`, `actor` (who acted, named). For
 * a caller that composes it into one statement (ratings, the ticket's outcome).
 */
export function lastSolutionSql(ticketId: string, o: { named?: boolean } = {}): string {
  return `SELECT e.type, e.after${o.named ? `, ${EVENT_ACTOR.json} AS actor` : ''}
       FROM (SELECT * FROM ticket_events
              WHERE ticket_id = ${ticketId}
                AND (type IN ('resolved', 'escalation_resolved')
                     OR (type = 'status_changed' AND after->>'status' = 'solved'))
              ORDER BY id DESC LIMIT 1) e
       ${o.named ? EVENT_ACTOR.joins : ''}`;
}
