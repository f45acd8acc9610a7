import type { MigrationInterface, QueryRunner } from 'typeorm';
import { CURRENT_TENANT_SQL, RUNTIME_ROLE, tenantTableSql } from './support.js';

/** Every function below with its argument types, for grants and the way down. */
const FUNCTIONS = ['partner_rating_summary(uuid[])', 'partner_own_ratings(uuid, int)'];

/**
 * Who acted, by name, and the customer's rating of a solved ticket.
 *
 * - `ticket_events.actor_tenant_id`: the company a partner person acted for. A customer's
 *   timeline names a partner's act by the partner company (its tenants row, visible through the
 *   link), never by the person, whose row the customer cannot read anyway. Existing partner
 *   events get it from their person's row (read through temporary owner policies, so a migrator
 *   that is not a superuser sees the rows too; FORCE ROW LEVEL SECURITY applies to owners).
 * - `ticket_ratings`: one rating per ticket (score 1-5, optional comment), the customer's row.
 *   When the ticket was solved by a partner's escalation, the rating names that escalation and
 *   partner: it is part of the partner's record.
 * - No partner reads a customer's ratings table. Two SECURITY DEFINER functions answer what the
 *   partner's record shows, and nothing more: `partner_rating_summary(partners)` (count and
 *   average over all customers, and the caller's own share) for the caller itself or partners the
 *   caller links; `partner_own_ratings(after, lim)` a page of the calling partner's ratings as
 *   score, comment and date (no customer, ticket or person).
 */
export class ActorsAndRatings1764002800000 implements MigrationInterface {
  name = 'ActorsAndRatings1764002800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE ticket_events ADD COLUMN actor_tenant_id uuid`);
    await q.query(`CREATE POLICY actors_backfill ON ticket_events TO CURRENT_USER USING (true)`);
    await q.query(`CREATE POLICY actors_backfill ON users FOR SELECT TO CURRENT_USER USING (true)`);
    await q.query(`UPDATE ticket_events e SET actor_tenant_id = u.tenant_id FROM users u
      WHERE e.actor_type = 'partner' AND u.id = e.actor_id`);
    await q.query(`DROP POLICY actors_backfill ON users`);
    await q.query(`DROP POLICY actors_backfill ON ticket_events`);

    await q.query(`
      CREATE TABLE ticket_ratings (
        tenant_id uuid NOT NULL REFERENCES tenants (id),
        id uuid NOT NULL, -- UUIDv7 from the app: time-ordered, so the key pages
        ticket_id uuid NOT NULL,
        score smallint NOT NULL CHECK (score BETWEEN 1 AND 5),
        comment text CHECK (char_length(comment) BETWEEN 1 AND 2000),
        rated_by uuid NOT NULL,
        escalation_id uuid,
        partner_tenant_id uuid REFERENCES tenants (id),
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, ticket_id),
        FOREIGN KEY (tenant_id, ticket_id) REFERENCES tickets (tenant_id, id),
        FOREIGN KEY (tenant_id, rated_by) REFERENCES users (tenant_id, id),
        FOREIGN KEY (tenant_id, escalation_id) REFERENCES escalations (tenant_id, id),
        CHECK ((escalation_id IS NULL) = (partner_tenant_id IS NULL))
      )`);
    // The partner's record: its ratings across customers, newest first.
    await q.query(
      `CREATE INDEX ticket_ratings_partner_idx ON ticket_ratings (partner_tenant_id, id)
        WHERE partner_tenant_id IS NOT NULL`,
    );
    for (const sql of tenantTableSql('ticket_ratings', 'SELECT, INSERT')) await q.query(sql);
    // As 1764001400000-DueWorkFunctions: the functions' owner reads the table under FORCE RLS.
    await q.query(
      `CREATE POLICY owner_due_work ON ticket_ratings FOR SELECT TO CURRENT_USER USING (true)`,
    );

    const definer = `LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp`;
    await q.query(`
      CREATE FUNCTION partner_rating_summary(partners uuid[])
      RETURNS TABLE (partner uuid, count int, average numeric, own_count int, own_average numeric)
      ${definer} AS $$
        SELECT p.id,
               count(r.score)::int,
               round(avg(r.score), 2),
               (count(r.score) FILTER (WHERE r.tenant_id = ${CURRENT_TENANT_SQL}))::int,
               round(avg(r.score) FILTER (WHERE r.tenant_id = ${CURRENT_TENANT_SQL}), 2)
          FROM unnest(partners) AS p(id)
          LEFT JOIN ticket_ratings r ON r.partner_tenant_id = p.id
         WHERE p.id = ${CURRENT_TENANT_SQL}
            OR EXISTS (SELECT 1 FROM partner_links l
                        WHERE l.tenant_id = ${CURRENT_TENANT_SQL} AND l.partner_tenant_id = p.id)
         GROUP BY p.id
      $$`);
    await q.query(`
      CREATE FUNCTION partner_own_ratings(after uuid, lim int)
      RETURNS TABLE (id uuid, score int, comment text, created_at timestamptz) ${definer} AS $$
        SELECT r.id, r.score::int, r.comment, r.created_at FROM ticket_ratings r
         WHERE r.partner_tenant_id = ${CURRENT_TENANT_SQL} AND (after IS NULL OR r.id < after)
         ORDER BY r.id DESC LIMIT least(lim, 201)
      $$`);
    for (const f of FUNCTIONS) {
      await q.query(`REVOKE ALL ON FUNCTION ${f} FROM PUBLIC`);
      await q.query(`GRANT EXECUTE ON FUNCTION ${f} TO ${RUNTIME_ROLE}`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const f of FUNCTIONS) await q.query(`DROP FUNCTION ${f}`);
    await q.query(`DROP TABLE ticket_ratings`);
    await q.query(`ALTER TABLE ticket_events DROP COLUMN actor_tenant_id`);
  }
}
