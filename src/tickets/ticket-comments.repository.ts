/** Comments on tickets (public ones and internal notes). */
import type { TenantTx } from '../database/tenant-db.service.js';
import { type RowOf, table } from '../database/table.js';

export const TICKET_COMMENTS = table('ticket_comments', {
  tenant_id: 'uuid',
  id: 'uuid',
  ticket_id: 'uuid',
  author_id: 'uuid',
  body: 'text',
  internal: 'bool',
  created_at: 'timestamptz',
});

export type CommentRow = Omit<RowOf<typeof TICKET_COMMENTS>, 'tenant_id' | 'ticket_id'>;

export async function insertComment(
  tx: TenantTx,
  c: { id: string; ticketId: string; authorId: string; body: string; internal: boolean; at: Date },
): Promise<void> {
  await tx.em.query(
    `INSERT INTO ticket_comments (tenant_id, id, ticket_id, author_id, body, internal, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [tx.tenantId, c.id, c.ticketId, c.authorId, c.body, c.internal, c.at],
  );
}

/** A ticket's comments after `after` (by id), oldest first; internal notes only when asked. */
export function listComments(
  tx: TenantTx,
  ticketId: string,
  opts: { after: string | null; withInternal: boolean; limit: number },
): Promise<CommentRow[]> {
  return tx.em.query<CommentRow[]>(
    `SELECT id, author_id, body, internal, created_at FROM ticket_comments
      WHERE ticket_id = $1 AND ($2::uuid IS NULL OR id > $2) AND ($3 OR NOT internal)
      ORDER BY id LIMIT $4`,
    [ticketId, opts.after, opts.withInternal, opts.limit],
  );
}
