/**
 * Ratings of solved tickets (`ticket_ratings`, the customer's rows), and the partner's record made
 * of them. A partner never reads the table: two SECURITY DEFINER functions answer what its record
 * shows (migration 1764002800000-ActorsAndRatings).
 */
import type { ActorView } from '../common/actor.dto.js';
import type { TenantTx } from '../database/tenant-db.service.js';
import { type RowOf, table } from '../database/table.js';
import { FORMER_PARTNER, userActorSql } from '../tenancy/index.js';
import { lastSolutionSql } from './ticket-timeline.repository.js';

export const TICKET_RATINGS = table('ticket_ratings', {
  tenant_id: 'uuid',
  id: 'uuid',
  ticket_id: 'uuid',
  score: 'int2',
  comment: 'text?',
  rated_by: 'uuid',
  escalation_id: 'uuid?',
  partner_tenant_id: 'uuid?',
  created_at: 'timestamptz',
});

/** A rating as the ticket shows it: who rated, named; the partner company it counts for. */
export type RatingRow = Pick<RowOf<typeof TICKET_RATINGS>, 'score' | 'comment' | 'created_at'> & {
  rated_by: ActorView;
  partner: ActorView | null;
};

const RATER = userActorSql('rb', 'r.rated_by');
const RATING_COLUMNS = `r.score, r.comment, r.created_at, ${RATER.json} AS rated_by,
  CASE WHEN r.partner_tenant_id IS NULL THEN NULL
       ELSE jsonb_build_object('id', r.partner_tenant_id, 'name', coalesce(rp.name, '${FORMER_PARTNER}'), 'kind', 'partner')
  END AS partner`;
const RATING_JOINS = `${RATER.joins} LEFT JOIN tenants rp ON rp.id = r.partner_tenant_id`;

/**
 * Rates the ticket, once: when its latest solution was a partner's (an `escalation_resolved`
 * event of a resolved escalation), the rating counts for that partner. Undefined when the ticket
 * already has a rating. One statement.
 */
export async function insertRating(
  tx: TenantTx,
  r: {
    id: string;
    ticketId: string;
    score: number;
    comment: string | null;
    ratedBy: string;
    at: Date;
  },
): Promise<RatingRow | undefined> {
  const [row] = await tx.em.query<RatingRow[]>(
    `WITH s AS (${lastSolutionSql('$2')}),
     x AS (
       SELECT es.id, es.partner_tenant_id FROM s
         JOIN escalations es ON es.tenant_id = $1 AND es.id = (s.after->>'escalationId')::uuid
        WHERE s.type = 'escalation_resolved' AND es.status = 'resolved' AND es.partner_tenant_id IS NOT NULL
     ),
     r AS (
       INSERT INTO ticket_ratings (tenant_id, id, ticket_id, score, comment, rated_by, escalation_id,
                                   partner_tenant_id, created_at)
       SELECT $1, $3, $2, $4, $5, $6, (SELECT id FROM x), (SELECT partner_tenant_id FROM x), $7
       ON CONFLICT (tenant_id, ticket_id) DO NOTHING
       RETURNING *
     )
     SELECT ${RATING_COLUMNS} FROM r ${RATING_JOINS}`,
    [tx.tenantId, r.ticketId, r.id, r.score, r.comment, r.ratedBy, r.at],
  );
  return row;
}

/** What GET /v1/tickets/:id adds: who solved it last (named), and its rating. One statement. */
export async function ticketOutcome(
  tx: TenantTx,
  ticketId: string,
): Promise<{ resolved_by: ActorView | null; rating: RatingRow | null }> {
  const [row] = await tx.em.query<{ resolved_by: ActorView | null; rating: RatingRow | null }[]>(
    `SELECT (SELECT s.actor FROM (${lastSolutionSql('$1', { named: true })}) s) AS resolved_by,
            (SELECT to_jsonb(x) FROM (SELECT ${RATING_COLUMNS} FROM ticket_ratings r ${RATING_JOINS}
                                       WHERE r.ticket_id = $1) x) AS rating`,
    [ticketId],
  );
  const rating = row?.rating ?? null;
  return {
    resolved_by: row?.resolved_by ?? null,
    // Read through to_jsonb: the date arrives as text.
    rating: rating && { ...rating, created_at: new Date(rating.created_at) },
  };
}

/** A partner's record as one tenant sees it: every customer's ratings, and the caller's own. */
export interface RatingSummaryRow {
  partner: string;
  count: number;
  average: string | null;
  own_count: number;
  own_average: string | null;
}

/**
 * The rating summaries of these partners (only the caller itself, or partners it links, are
 * answered; the others are left out).
 */
export function partnerRatingSummaries(
  tx: TenantTx,
  partners: readonly string[],
): Promise<RatingSummaryRow[]> {
  return tx.em.query<RatingSummaryRow[]>(
    `SELECT partner, count, average::text, own_count, own_average::text
       FROM partner_rating_summary($1::uuid[])`,
    [partners],
  );
}

/** A page of the calling partner's ratings, newest first: score, comment and date only. */
export function partnerOwnRatings(
  tx: TenantTx,
  q: { before: string | null; limit: number },
): Promise<{ id: string; score: number; comment: string | null; created_at: Date }[]> {
  return tx.em.query(`SELECT id, score, comment, created_at FROM partner_own_ratings($1, $2)`, [
    q.before,
    q.limit,
  ]);
}
