import type { MigrationInterface, QueryRunner } from 'typeorm';
import { CURRENT_TENANT_SQL } from './support.js';

/**
 * A partner sees an escalation only while the customer still links it.
 * The partner's policy on escalations now also asks for the link row, so
 * unlinking revokes read, claim, schedule, decline and resolve at once, on
 * every route and query, whatever the escalation's state. For the policy's
 * subquery to see the customer's link from the partner's side, a partner may
 * read the link rows that name it (which customers linked it; it already
 * sees their ids on the escalations routed to it).
 */
export class PartnerLinkedAccess1764000400000 implements MigrationInterface {
  name = 'PartnerLinkedAccess1764000400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE POLICY partner_side ON partner_links FOR SELECT
      USING (partner_tenant_id = ${CURRENT_TENANT_SQL})`);
    const linked = `partner_tenant_id = ${CURRENT_TENANT_SQL}
      AND EXISTS (SELECT 1 FROM partner_links l
                   WHERE l.tenant_id = escalations.tenant_id
                     AND l.partner_tenant_id = escalations.partner_tenant_id)`;
    await q.query(`DROP POLICY partner_access ON escalations`);
    await q.query(
      `CREATE POLICY partner_access ON escalations USING (${linked}) WITH CHECK (${linked})`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP POLICY partner_access ON escalations`);
    await q.query(`CREATE POLICY partner_access ON escalations
      USING (partner_tenant_id = ${CURRENT_TENANT_SQL}) WITH CHECK (partner_tenant_id = ${CURRENT_TENANT_SQL})`);
    await q.query(`DROP POLICY partner_side ON partner_links`);
  }
}
