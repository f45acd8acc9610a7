import type { MigrationInterface, QueryRunner } from 'typeorm';
import { CURRENT_TENANT_SQL, tenantTableSql } from './support.js';

/**
 * A work order a locksmith can act on, and the talk on the job.
 *
 * - properties: access notes and an on-site contact (name and phone, both or neither), which a
 *   work order copies unless the escalation gives its own.
 * - escalations: `visit_until`, the end of the visit window a partner books (`scheduled_at` is
 *   its start).
 * - escalation_messages: the thread between the customer and the partner the escalation is with.
 *   Owned by the customer (tenant_id, like its escalation); `partner_tenant_id` is the partner on
 *   the other side of the thread when the message was written. Like escalations (see
 *   1764000400000-PartnerLinkedAccess), a second policy shows a message to that partner, and lets
 *   it write one, only while the escalation is still with it (the escalation's own row-level
 *   security, which asks for the customer's link, applies inside the subquery, and the link is
 *   asked for here too): re-routed away or unlinked, its thread is gone from its sight. Another
 *   partner the escalation goes to later does not read the earlier thread. Messages are never
 *   changed or deleted (SELECT and INSERT only).
 */
export class WorkOrderAndMessages1764002700000 implements MigrationInterface {
  name = 'WorkOrderAndMessages1764002700000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE properties
      ADD COLUMN access_notes text CHECK (char_length(access_notes) BETWEEN 1 AND 2000),
      ADD COLUMN contact_name text CHECK (char_length(contact_name) BETWEEN 1 AND 200),
      ADD COLUMN contact_phone text CHECK (char_length(contact_phone) BETWEEN 3 AND 40),
      ADD CONSTRAINT properties_contact_whole CHECK ((contact_name IS NULL) = (contact_phone IS NULL))`);

    await q.query(`ALTER TABLE escalations
      ADD COLUMN visit_until timestamptz,
      ADD CONSTRAINT escalations_visit_window CHECK (visit_until IS NULL OR visit_until > scheduled_at)`);

    await q.query(`
      CREATE TABLE escalation_messages (
        tenant_id uuid NOT NULL REFERENCES tenants (id),
        id uuid NOT NULL,
        escalation_id uuid NOT NULL,
        partner_tenant_id uuid NOT NULL REFERENCES tenants (id),
        author_kind text NOT NULL CHECK (author_kind IN ('user', 'partner', 'system')),
        author_id uuid,
        author_user_id uuid,
        author_name text NOT NULL CHECK (char_length(author_name) BETWEEN 1 AND 300),
        body text NOT NULL CHECK (char_length(body) BETWEEN 1 AND 4000),
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, escalation_id) REFERENCES escalations (tenant_id, id),
        CHECK ((author_kind = 'system') = (author_id IS NULL))
      )`);
    await q.query(
      `CREATE INDEX escalation_messages_thread_idx ON escalation_messages (tenant_id, escalation_id, id)`,
    );
    for (const sql of tenantTableSql('escalation_messages', 'SELECT, INSERT')) await q.query(sql);
    const withPartner = `partner_tenant_id = ${CURRENT_TENANT_SQL}
      AND EXISTS (SELECT 1 FROM escalations e
                   WHERE e.tenant_id = escalation_messages.tenant_id
                     AND e.id = escalation_messages.escalation_id
                     AND e.partner_tenant_id = escalation_messages.partner_tenant_id)
      AND EXISTS (SELECT 1 FROM partner_links l
                   WHERE l.tenant_id = escalation_messages.tenant_id
                     AND l.partner_tenant_id = escalation_messages.partner_tenant_id)`;
    await q.query(
      `CREATE POLICY partner_access ON escalation_messages USING (${withPartner}) WITH CHECK (${withPartner})`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE escalation_messages`);
    await q.query(`ALTER TABLE escalations DROP CONSTRAINT escalations_visit_window,
      DROP COLUMN visit_until`);
    await q.query(`ALTER TABLE properties DROP CONSTRAINT properties_contact_whole,
      DROP COLUMN access_notes, DROP COLUMN contact_name, DROP COLUMN contact_phone`);
  }
}
