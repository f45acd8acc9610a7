import type { MigrationInterface, QueryRunner } from 'typeorm';
import { RUNTIME_ROLE, tenantTableSql } from './support.js';

/**
 * The support desk: tickets, their comments, step outcomes, diagnosis
 * history, the append-only timeline, SLA pauses, desk settings and SLA
 * policies, and the transactional outbox.
 */
export class Tickets1763790300000 implements MigrationInterface {
  name = 'Tickets1763790300000';

  async up(q: QueryRunner): Promise<void> {
    // Tenant rows are a directory (name, kind, handle: no customer data). Scheduled jobs must
    // enumerate tenants to work each one in its own RLS-scoped transaction, and partners are
    // found by handle; every other table stays invisible across tenants.
    await q.query(`CREATE POLICY tenant_directory ON tenants FOR SELECT USING (true)`);

    await q.query(`
      CREATE TABLE desk_settings (
        tenant_id uuid PRIMARY KEY REFERENCES tenants (id),
        business_hours jsonb NOT NULL,
        reopen_window_days int NOT NULL DEFAULT 7 CHECK (reopen_window_days BETWEEN 0 AND 365),
        max_open_per_agent int NOT NULL DEFAULT 25 CHECK (max_open_per_agent BETWEEN 1 AND 10000),
        auto_assign boolean NOT NULL DEFAULT false,
        last_assignee_id uuid,
        proactive jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    for (const sql of tenantTableSql('desk_settings', 'SELECT, INSERT, UPDATE')) await q.query(sql);

    await q.query(`
      CREATE TABLE sla_policies (
        tenant_id uuid NOT NULL REFERENCES tenants (id),
        priority text NOT NULL CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
        first_response_minutes int CHECK (first_response_minutes > 0),
        resolution_minutes int CHECK (resolution_minutes > 0),
        PRIMARY KEY (tenant_id, priority)
      )`);
    for (const sql of tenantTableSql('sla_policies')) await q.query(sql);

    await q.query(`
      CREATE TABLE ticket_counters (
        tenant_id uuid PRIMARY KEY REFERENCES tenants (id),
        last_number int NOT NULL
      )`);
    for (const sql of tenantTableSql('ticket_counters', 'SELECT, INSERT, UPDATE'))
      await q.query(sql);

    await q.query(`
      CREATE TABLE tickets (
        tenant_id uuid NOT NULL REFERENCES tenants (id),
        id uuid NOT NULL,
        number int NOT NULL,
        device_id uuid NOT NULL,
        property_id uuid NOT NULL,
        reporter_id uuid,
        assignee_id uuid,
        status text NOT NULL CHECK (status IN ('new', 'open', 'pending', 'on_hold', 'solved', 'closed')),
        priority text NOT NULL CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
        source text NOT NULL DEFAULT 'reported' CHECK (source IN ('reported', 'proactive')),
        reason text,
        symptoms text[] NOT NULL DEFAULT '{}',
        description text NOT NULL CHECK (char_length(description) <= 10000),
        diagnosis jsonb NOT NULL,
        confirmed_cause text,
        resolution text,
        version int NOT NULL DEFAULT 1,
        first_response_minutes int,
        resolution_minutes int,
        first_response_due_at timestamptz,
        resolution_due_at timestamptz,
        first_responded_at timestamptz,
        sla_breached boolean NOT NULL DEFAULT false,
        sla_paused_at timestamptz,
        solved_at timestamptz,
        closed_at timestamptz,
        search tsvector NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, number),
        FOREIGN KEY (tenant_id, device_id) REFERENCES devices (tenant_id, id),
        FOREIGN KEY (tenant_id, property_id) REFERENCES properties (tenant_id, id),
        FOREIGN KEY (tenant_id, reporter_id) REFERENCES users (tenant_id, id),
        FOREIGN KEY (tenant_id, assignee_id) REFERENCES users (tenant_id, id)
      )`);
    // ids are UUIDv7 (time-ordered): (tenant_id, x, id) indexes serve filtered newest-first pages.
    await q.query(`CREATE INDEX tickets_status_idx ON tickets (tenant_id, status, id)`);
    await q.query(`CREATE INDEX tickets_priority_idx ON tickets (tenant_id, priority, id)`);
    await q.query(`CREATE INDEX tickets_assignee_idx ON tickets (tenant_id, assignee_id, id)`);
    await q.query(`CREATE INDEX tickets_device_idx ON tickets (tenant_id, device_id, id)`);
    await q.query(`CREATE INDEX tickets_property_idx ON tickets (tenant_id, property_id, id)`);
    await q.query(
      `CREATE INDEX tickets_breached_idx ON tickets (tenant_id, id) WHERE sla_breached`,
    );
    await q.query(`CREATE INDEX tickets_search_idx ON tickets USING gin (search)`);
    await q.query(
      `CREATE INDEX tickets_sla_due_idx ON tickets (tenant_id, resolution_due_at)
        WHERE NOT sla_breached AND status IN ('new', 'open')`,
    );
    // At most one open proactive ticket per lock and reason.
    await q.query(
      `CREATE UNIQUE INDEX tickets_proactive_key ON tickets (tenant_id, device_id, reason)
        WHERE reason IS NOT NULL AND status NOT IN ('solved', 'closed')`,
    );
    for (const sql of tenantTableSql('tickets', 'SELECT, INSERT, UPDATE')) await q.query(sql);

    await q.query(`
      CREATE TABLE ticket_comments (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL,
        ticket_id uuid NOT NULL,
        author_id uuid NOT NULL,
        body text NOT NULL CHECK (char_length(body) BETWEEN 1 AND 10000),
        internal boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, ticket_id) REFERENCES tickets (tenant_id, id),
        FOREIGN KEY (tenant_id, author_id) REFERENCES users (tenant_id, id)
      )`);
    await q.query(
      `CREATE INDEX ticket_comments_ticket_idx ON ticket_comments (tenant_id, ticket_id, id)`,
    );
    for (const sql of tenantTableSql('ticket_comments', 'SELECT, INSERT')) await q.query(sql);

    await q.query(`
      CREATE TABLE ticket_steps (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL,
        ticket_id uuid NOT NULL,
        step text NOT NULL,
        outcome text NOT NULL CHECK (outcome IN ('fixed', 'not_fixed', 'skipped', 'unable')),
        note text CHECK (char_length(note) <= 2000),
        actor_id uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, ticket_id) REFERENCES tickets (tenant_id, id),
        FOREIGN KEY (tenant_id, actor_id) REFERENCES users (tenant_id, id)
      )`);
    await q.query(
      `CREATE INDEX ticket_steps_ticket_idx ON ticket_steps (tenant_id, ticket_id, id)`,
    );
    for (const sql of tenantTableSql('ticket_steps', 'SELECT, INSERT')) await q.query(sql);

    await q.query(`
      CREATE TABLE ticket_diagnoses (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL,
        ticket_id uuid NOT NULL,
        trigger text NOT NULL,
        diagnosis jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, ticket_id) REFERENCES tickets (tenant_id, id)
      )`);
    await q.query(
      `CREATE INDEX ticket_diagnoses_ticket_idx ON ticket_diagnoses (tenant_id, ticket_id, id)`,
    );
    for (const sql of tenantTableSql('ticket_diagnoses', 'SELECT, INSERT')) await q.query(sql);

    await q.query(`
      CREATE TABLE ticket_sla_pauses (
        tenant_id uuid NOT NULL,
        ticket_id uuid NOT NULL,
        started_at timestamptz NOT NULL,
        ended_at timestamptz,
        PRIMARY KEY (tenant_id, ticket_id, started_at),
        FOREIGN KEY (tenant_id, ticket_id) REFERENCES tickets (tenant_id, id)
      )`);
    for (const sql of tenantTableSql('ticket_sla_pauses', 'SELECT, INSERT, UPDATE'))
      await q.query(sql);

    // The timeline: written in the same transaction as each change; never updated or deleted.
    await q.query(`
      CREATE TABLE ticket_events (
        tenant_id uuid NOT NULL,
        id bigint GENERATED ALWAYS AS IDENTITY,
        ticket_id uuid NOT NULL,
        type text NOT NULL,
        actor_type text NOT NULL CHECK (actor_type IN ('user', 'api_key', 'system', 'partner')),
        actor_id uuid,
        internal boolean NOT NULL DEFAULT false,
        before jsonb,
        after jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, ticket_id) REFERENCES tickets (tenant_id, id)
      )`);
    await q.query(
      `CREATE INDEX ticket_events_ticket_idx ON ticket_events (tenant_id, ticket_id, id)`,
    );
    for (const sql of tenantTableSql('ticket_events', 'SELECT, INSERT')) await q.query(sql);

    // Transactional outbox: every state change leaves a message here in its own transaction.
    await q.query(`
      CREATE TABLE outbox (
        tenant_id uuid NOT NULL REFERENCES tenants (id),
        id bigint GENERATED ALWAYS AS IDENTITY,
        topic text NOT NULL,
        aggregate_id uuid NOT NULL,
        payload jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz,
        PRIMARY KEY (tenant_id, id)
      )`);
    await q.query(
      `CREATE INDEX outbox_unpublished_idx ON outbox (tenant_id, id) WHERE published_at IS NULL`,
    );
    for (const sql of tenantTableSql('outbox', 'SELECT, INSERT')) await q.query(sql);
    await q.query(`GRANT UPDATE (published_at) ON outbox TO ${RUNTIME_ROLE}`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of [
      'outbox',
      'ticket_events',
      'ticket_sla_pauses',
      'ticket_diagnoses',
      'ticket_steps',
      'ticket_comments',
      'tickets',
      'ticket_counters',
      'sla_policies',
      'desk_settings',
    ]) {
      await q.query(`DROP TABLE ${t}`);
    }
    await q.query(`DROP POLICY tenant_directory ON tenants`);
  }
}
