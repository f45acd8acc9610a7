import type { MigrationInterface, QueryRunner } from 'typeorm';
import { CURRENT_TENANT_SQL, RUNTIME_ROLE } from './support.js';

/** Every function below with its argument types, for grants and the way down. */
const FUNCTIONS = [
  'due_queued_escalation_tenants()',
  'partner_open_jobs(uuid[])',
  'queued_escalation_customers(uuid)',
];

/**
 * Escalations never dead-end.
 *
 * - `closed`: the ticket was solved or closed on the desk while the escalation was still open; the
 *   partner's job ends. `cancelled` (already allowed) is now reachable: the customer cancels.
 *   `end_reason` says why either happened.
 * - `waiting_for`: why a queued escalation waits, as a code a client can act on
 *   (`waiting_reason` keeps the sentence). Existing queued rows get the code their reason implied.
 * - Capacity is a limit: a partner's open jobs (routed, claimed, scheduled) across all of its
 *   customers. No tenant can count another customer's escalations, so `partner_open_jobs` answers
 *   the counts, and only for partners the calling tenant (app.tenant_id) links.
 * - When a partner frees capacity or changes its profile, the customers that link it and have
 *   queued escalations of its kind are found through `queued_escalation_customers` (tenant ids
 *   only); the periodic job finds every customer with a queued escalation through
 *   `due_queued_escalation_tenants`. The routing itself runs in each customer's own transaction
 *   under row-level security, as the other due-work functions' jobs do.
 * - The functions read partner_links, so it gets the owner's read policy the other tables the
 *   due-work functions read already have (see 1764001400000-DueWorkFunctions).
 */
export class EscalationDispatch1764002600000 implements MigrationInterface {
  name = 'EscalationDispatch1764002600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE escalations DROP CONSTRAINT escalations_status_check`);
    await q.query(`ALTER TABLE escalations ADD CONSTRAINT escalations_status_check
      CHECK (status IN ('queued', 'routed', 'claimed', 'scheduled', 'resolved', 'cancelled', 'closed'))`);
    await q.query(`ALTER TABLE escalations
      ADD COLUMN waiting_for text CHECK (waiting_for IN (
        'no_linked_partner_covers_property', 'no_linked_partner_serves_brand',
        'covering_partners_declined', 'partners_at_capacity')),
      ADD COLUMN end_reason text CHECK (char_length(end_reason) <= 2000)`);
    await q.query(`UPDATE escalations SET waiting_for = CASE target
        WHEN 'locksmith' THEN 'no_linked_partner_covers_property' ELSE 'no_linked_partner_serves_brand' END
      WHERE status = 'queued'`);
    // The retry job's scan: queued escalations of a customer.
    await q.query(
      `CREATE INDEX escalations_queued_idx ON escalations (tenant_id, urgent DESC, created_at) WHERE status = 'queued'`,
    );

    await q.query(
      `CREATE POLICY owner_due_work ON partner_links FOR SELECT TO CURRENT_USER USING (true)`,
    );
    const definer = `LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp`;

    await q.query(`
      CREATE FUNCTION due_queued_escalation_tenants() RETURNS SETOF uuid ${definer} AS $$
        SELECT DISTINCT e.tenant_id FROM escalations e WHERE e.status = 'queued' ORDER BY 1
      $$`);

    await q.query(`
      CREATE FUNCTION partner_open_jobs(partners uuid[])
      RETURNS TABLE (partner uuid, open int) ${definer} AS $$
        SELECT l.partner_tenant_id,
               (SELECT count(*) FROM escalations e
                 WHERE e.partner_tenant_id = l.partner_tenant_id
                   AND e.status IN ('routed', 'claimed', 'scheduled'))::int
          FROM partner_links l
         WHERE l.tenant_id = ${CURRENT_TENANT_SQL} AND l.partner_tenant_id = ANY(partners)
      $$`);

    await q.query(`
      CREATE FUNCTION queued_escalation_customers(partner uuid) RETURNS SETOF uuid ${definer} AS $$
        SELECT l.tenant_id FROM partner_links l
         WHERE l.partner_tenant_id = partner
           AND EXISTS (SELECT 1 FROM escalations e
                        WHERE e.tenant_id = l.tenant_id AND e.status = 'queued' AND e.target = l.kind)
         ORDER BY 1
      $$`);

    for (const f of FUNCTIONS) {
      await q.query(`REVOKE ALL ON FUNCTION ${f} FROM PUBLIC`);
      await q.query(`GRANT EXECUTE ON FUNCTION ${f} TO ${RUNTIME_ROLE}`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const f of FUNCTIONS) await q.query(`DROP FUNCTION ${f}`);
    await q.query(`DROP POLICY owner_due_work ON partner_links`);
    await q.query(`DROP INDEX escalations_queued_idx`);
    await q.query(`ALTER TABLE escalations DROP COLUMN waiting_for, DROP COLUMN end_reason`);
    await q.query(`UPDATE escalations SET status = 'cancelled' WHERE status = 'closed'`);
    await q.query(`ALTER TABLE escalations DROP CONSTRAINT escalations_status_check`);
    await q.query(`ALTER TABLE escalations ADD CONSTRAINT escalations_status_check
      CHECK (status IN ('queued', 'routed', 'claimed', 'scheduled', 'resolved', 'cancelled'))`);
  }
}
