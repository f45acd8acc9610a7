/** Tickets linked as related: stored both ways round, so a ticket's links are one index range. */
import type { TenantTx } from '../database/tenant-db.service.js';
import { table } from '../database/table.js';
import type { TicketStatus } from './ticket-state.util.js';

export const TICKET_LINKS = table('ticket_links', {
  tenant_id: 'uuid',
  ticket_id: 'uuid',
  related_id: 'uuid',
  created_by: 'uuid?',
  created_at: 'timestamptz',
});

export interface RelatedTicketRow {
  id: string;
  number: number;
  status: TicketStatus;
}

/** A ticket's related tickets, by number. */
export function relatedTickets(tx: TenantTx, id: string): Promise<RelatedTicketRow[]> {
  return tx.em.query<RelatedTicketRow[]>(
    `SELECT t.id, t.number, t.status
       FROM ticket_links l JOIN tickets t ON t.tenant_id = l.tenant_id AND t.id = l.related_id
      WHERE l.ticket_id = $1
      ORDER BY t.number`,
    [id],
  );
}

/**
 * Links two tickets both ways round; answers whether the link is new (false: they already were).
 * The caller holds both tickets' rows and bumps their versions (GET answers show the links).
 */
export async function linkTickets(
  tx: TenantTx,
  a: string,
  b: string,
  by: string | null,
): Promise<boolean> {
  const rows = await tx.em.query<{ ticket_id: string }[]>(
    `INSERT INTO ticket_links (tenant_id, ticket_id, related_id, created_by)
     VALUES ($1, $2, $3, $4), ($1, $3, $2, $4)
     ON CONFLICT DO NOTHING RETURNING ticket_id`,
    [tx.tenantId, a, b, by],
  );
  return rows.length > 0;
}

/** Unlinks two tickets (both rows); answers whether they were linked. */
export async function unlinkTickets(tx: TenantTx, a: string, b: string): Promise<boolean> {
  // TypeORM answers a DELETE as [rows, affected].
  const [rows] = await tx.em.query<[{ ticket_id: string }[], number]>(
    `DELETE FROM ticket_links
      WHERE (ticket_id = $1 AND related_id = $2) OR (ticket_id = $2 AND related_id = $1)
      RETURNING ticket_id`,
    [a, b],
  );
  return rows.length > 0;
}
