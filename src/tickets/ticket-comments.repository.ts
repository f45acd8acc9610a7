/** Comments on tickets (public ones and internal notes). */
import type { TenantTx } from '../database/tenant-db.service.js';
import { type RowOf, table } from '../database/table.js';
import type { ActorView } from '../common/actor.dto.js';
import { userActorSql } from '../tenancy/index.js';

export const TICKET_COMMENTS = table('ticket_comments', {
  tenant_id: 'uuid',
  id: 'uuid',
  ticket_id: 'uuid',
  author_id: 'uuid',
  body: 'text',
  internal: 'bool',
  created_at: 'timestamptz',
});

/** A comment as answered: its author named. */
export type CommentRow = Omit<
  RowOf<typeof TICKET_COMMENTS>,
  'tenant_id' | 'ticket_id' | 'author_id'
> & { author: ActorView };

const AUTHOR = userActorSql('a', 'c.author_id');

/** A new comment, answered with its author named (one statement). */
export async function insertComment(
  tx: TenantTx,
  c: { id: string; ticketId: string; authorId: string; body: string; internal: boolean; at: Date },
): Promise<CommentRow> {
  const [row] = await tx.em.query<CommentRow[]>(
    `WITH c AS (
       INSERT INTO ticket_comments (tenant_id, id, ticket_id, author_id, body, internal, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       RETURNING id, author_id, body, internal, created_at
     )
     SELECT c.id, ${AUTHOR.json} AS author, c.body, c.internal, c.created_at FROM c ${AUTHOR.joins}`,
    [tx.tenantId, c.id, c.ticketId, c.authorId, c.body, c.internal, c.at],
  );
  return row!;
}

/**
 * A ticket's comments after `after` (by id), oldest first; internal notes only when asked; each
 * author named in the same statement.
 */
export function listComments(
  tx: TenantTx,
  ticketId: string,
  opts: { after: string | null; withInternal: boolean; limit: number },
): Promise<CommentRow[]> {
  return tx.em.query<CommentRow[]>(
    `SELECT c.id, ${AUTHOR.json} AS author, c.body, c.internal, c.created_at
       FROM ticket_comments c ${AUTHOR.joins}
      WHERE c.ticket_id = $1 AND ($2::uuid IS NULL OR c.id > $2) AND ($3 OR NOT c.internal)
      ORDER BY c.id LIMIT $4`,
    [ticketId, opts.after, opts.withInternal, opts.limit],
  );
}
