/**
 * The SQL of `escalation_messages`, the thread between a customer and the partner its escalation
 * is with. A message belongs to the customer (tenant_id, like its escalation) and names the
 * partner on the other side (partner_tenant_id). Row-level security shows it to the customer, and
 * to that partner only while the escalation is still with it and linked (migration
 * 1764002700000-WorkOrderAndMessages); the same policy lets that partner write one, so a partner's
 * message is written in the partner's own scope with the customer's tenant_id, checked by the
 * database.
 */
import type { TenantTx } from '../database/tenant-db.service.js';
import { type RowOf, table } from '../database/table.js';

export const ESCALATION_MESSAGES = table('escalation_messages', {
  tenant_id: 'uuid',
  id: 'uuid',
  escalation_id: 'uuid',
  partner_tenant_id: 'uuid',
  author_kind: 'text',
  author_id: 'uuid?',
  author_user_id: 'uuid?',
  author_name: 'text',
  body: 'text',
  created_at: 'timestamptz',
});

export type AuthorKind = 'user' | 'partner' | 'system';

export type MessageRow = Omit<
  RowOf<typeof ESCALATION_MESSAGES>,
  'tenant_id' | 'author_user_id' | 'author_kind'
> & { author_kind: AuthorKind };

const COLUMNS =
  'id, escalation_id, partner_tenant_id, author_kind, author_id, author_name, body, created_at';

export interface NewMessage {
  /** The customer the escalation belongs to. */
  customerTenantId: string;
  id: string;
  escalationId: string;
  partnerTenantId: string;
  authorKind: AuthorKind;
  /** The person (user), the partner company (partner), null (system). */
  authorId: string | null;
  /** The person who wrote it, also for a partner's message (kept, not shown). */
  authorUserId: string | null;
  authorName: string;
  body: string;
}

/** A message of the escalation's thread, written as `tx`'s tenant (the customer or its partner). */
export async function insertMessage(tx: TenantTx, m: NewMessage): Promise<MessageRow> {
  const [row] = await tx.em.query<[MessageRow]>(
    `INSERT INTO escalation_messages (tenant_id, id, escalation_id, partner_tenant_id, author_kind, author_id,
       author_user_id, author_name, body)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ${COLUMNS}`,
    [
      m.customerTenantId,
      m.id,
      m.escalationId,
      m.partnerTenantId,
      m.authorKind,
      m.authorId,
      m.authorUserId,
      m.authorName,
      m.body,
    ],
  );
  return row;
}

/** A page of an escalation's thread as `tx`'s tenant sees it, oldest first, after a cursor id. */
export function listMessages(
  tx: TenantTx,
  escalationId: string,
  q: { after: string | null; limit: number },
): Promise<MessageRow[]> {
  return tx.em.query<MessageRow[]>(
    `SELECT ${COLUMNS} FROM escalation_messages
      WHERE escalation_id = $1 AND ($2::uuid IS NULL OR id > $2)
      ORDER BY id LIMIT $3`,
    [escalationId, q.after, q.limit],
  );
}
