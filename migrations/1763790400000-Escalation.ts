import type { MigrationInterface, QueryRunner } from 'typeorm';
import { CURRENT_TENANT_SQL, RUNTIME_ROLE, tenantTableSql } from './support.js';

/**
 * Partner profiles and links, escalations visible to exactly two tenants
 * (the customer and the partner it is routed to), webhooks and their deliveries.
 */
export class Escalation1763790400000 implements MigrationInterface {
  name = 'Escalation1763790400000';

  async up(q: QueryRunner): Promise<void> {
    // A partner's public profile: what customers route on. Readable by all, written by its owner.
    await q.query(`
      CREATE TABLE partner_profiles (
        tenant_id uuid PRIMARY KEY REFERENCES tenants (id),
        postal_codes text[] NOT NULL DEFAULT '{}',
        cities text[] NOT NULL DEFAULT '{}',
        manufacturers text[] NOT NULL DEFAULT '{}',
        capacity int NOT NULL DEFAULT 10 CHECK (capacity BETWEEN 1 AND 10000),
        emergency boolean NOT NULL DEFAULT false,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    for (const sql of tenantTableSql('partner_profiles', 'SELECT, INSERT, UPDATE'))
      await q.query(sql);
    await q.query(`CREATE POLICY partner_directory ON partner_profiles FOR SELECT USING (true)`);

    await q.query(`
      CREATE TABLE partner_links (
        tenant_id uuid NOT NULL REFERENCES tenants (id),
        partner_tenant_id uuid NOT NULL REFERENCES tenants (id),
        kind text NOT NULL CHECK (kind IN ('locksmith', 'manufacturer')),
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, partner_tenant_id)
      )`);
    for (const sql of tenantTableSql('partner_links', 'SELECT, INSERT, DELETE')) await q.query(sql);

    await q.query(`
      CREATE TABLE escalations (
        tenant_id uuid NOT NULL REFERENCES tenants (id),
        id uuid NOT NULL,
        ticket_id uuid NOT NULL,
        target text NOT NULL CHECK (target IN ('locksmith', 'manufacturer')),
        partner_tenant_id uuid REFERENCES tenants (id),
        status text NOT NULL CHECK (status IN ('queued', 'routed', 'claimed', 'scheduled', 'resolved', 'cancelled')),
        urgent boolean NOT NULL DEFAULT false,
        waiting_reason text,
        work_order jsonb NOT NULL,
        declined_by uuid[] NOT NULL DEFAULT '{}',
        lease_token uuid,
        lease_expires_at timestamptz,
        claimed_by uuid,
        scheduled_at timestamptz,
        confirmed_cause text,
        notes text,
        routed_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, ticket_id) REFERENCES tickets (tenant_id, id)
      )`);
    await q.query(`CREATE INDEX escalations_ticket_idx ON escalations (tenant_id, ticket_id)`);
    // The partner's queue: claimable work in order, across all of its customers.
    await q.query(
      `CREATE INDEX escalations_partner_queue_idx ON escalations (partner_tenant_id, status, urgent DESC, created_at)`,
    );
    await q.query(
      `CREATE INDEX escalations_tenant_status_idx ON escalations (tenant_id, status, id)`,
    );
    await q.query(`ALTER TABLE escalations ENABLE ROW LEVEL SECURITY`);
    await q.query(`ALTER TABLE escalations FORCE ROW LEVEL SECURITY`);
    // Two tenants see an escalation: the customer that raised it and the partner it is routed to.
    await q.query(`CREATE POLICY customer_access ON escalations
      USING (tenant_id = ${CURRENT_TENANT_SQL}) WITH CHECK (tenant_id = ${CURRENT_TENANT_SQL})`);
    await q.query(`CREATE POLICY partner_access ON escalations
      USING (partner_tenant_id = ${CURRENT_TENANT_SQL}) WITH CHECK (partner_tenant_id = ${CURRENT_TENANT_SQL})`);
    await q.query(`GRANT SELECT, INSERT, UPDATE ON escalations TO ${RUNTIME_ROLE}`);

    await q.query(`
      CREATE TABLE webhooks (
        tenant_id uuid NOT NULL REFERENCES tenants (id),
        id uuid NOT NULL,
        url text NOT NULL CHECK (char_length(url) <= 2000),
        events text[] NOT NULL,
        secret text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz,
        PRIMARY KEY (tenant_id, id)
      )`);
    for (const sql of tenantTableSql('webhooks', 'SELECT, INSERT, UPDATE')) await q.query(sql);

    await q.query(`
      CREATE TABLE webhook_deliveries (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL,
        webhook_id uuid NOT NULL,
        outbox_id bigint NOT NULL,
        event_type text NOT NULL,
        body text NOT NULL,
        status text NOT NULL CHECK (status IN ('pending', 'delivered', 'dead')),
        attempts int NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        last_status int,
        last_error text,
        delivered_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, webhook_id, outbox_id),
        FOREIGN KEY (tenant_id, webhook_id) REFERENCES webhooks (tenant_id, id)
      )`);
    await q.query(
      `CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (tenant_id, next_attempt_at) WHERE status = 'pending'`,
    );
    await q.query(
      `CREATE INDEX webhook_deliveries_list_idx ON webhook_deliveries (tenant_id, webhook_id, id)`,
    );
    for (const sql of tenantTableSql('webhook_deliveries', 'SELECT, INSERT, UPDATE'))
      await q.query(sql);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of [
      'webhook_deliveries',
      'webhooks',
      'escalations',
      'partner_links',
      'partner_profiles',
    ]) {
      await q.query(`DROP TABLE ${t}`);
    }
  }
}
