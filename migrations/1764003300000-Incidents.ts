import type { MigrationInterface, QueryRunner } from 'typeorm';
import { RUNTIME_ROLE, tenantTableSql } from './support.js';

/**
 * Fleet incidents: clusters of locks of one model (and firmware version) showing the same top
 * cause or telemetry anomaly at a rate well above the model's base rate in the tenant (the
 * detection job, src/incidents).
 *
 * - `incidents`: one row per cluster. At most one incident per (model, firmware, kind, signal)
 *   is not resolved (`incidents_active_key`), so concurrent or repeated detection runs update
 *   the same incident instead of opening a second one. `evidence` holds the last test's figures.
 * - `incident_tickets`, `incident_locks`: the members, linked by the detection job (new tickets
 *   matching an open incident are linked on its next run).
 * - `incident_detection`: one row per tenant, the last detection run. The job takes it with
 *   FOR UPDATE SKIP LOCKED, so one instance works a tenant at a time and a fresh run is not
 *   repeated by another instance.
 * - `due_incident_tenants(min_age_seconds)`: customers with an active lock whose last detection
 *   is older than that (tenant ids only; the work runs under row-level security), as the other
 *   due-work functions (1764001400000-DueWorkFunctions).
 */
export class Incidents1764003300000 implements MigrationInterface {
  name = 'Incidents1764003300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE incidents (
        tenant_id uuid NOT NULL REFERENCES tenants (id),
        id uuid NOT NULL, -- UUIDv7 from the app: time-ordered, so the primary key pages
        title text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 300),
        model_id uuid NOT NULL,
        firmware_version text NOT NULL DEFAULT '', -- '' when the locks report none
        kind text NOT NULL CHECK (kind IN ('cause', 'telemetry')),
        signal text NOT NULL CHECK (char_length(signal) BETWEEN 1 AND 100),
        state text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'acknowledged', 'resolved')),
        suspected_cause text,
        window_start timestamptz NOT NULL,
        first_seen_at timestamptz NOT NULL,
        last_seen_at timestamptz NOT NULL,
        lock_count int NOT NULL DEFAULT 0,
        ticket_count int NOT NULL DEFAULT 0,
        p_value float8 NOT NULL,
        evidence jsonb NOT NULL,
        confirmed_cause text,
        resolution text CHECK (char_length(resolution) <= 5000),
        acknowledged_at timestamptz,
        acknowledged_by uuid,
        resolved_at timestamptz,
        resolved_by uuid,
        version int NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, acknowledged_by) REFERENCES users (tenant_id, id),
        FOREIGN KEY (tenant_id, resolved_by) REFERENCES users (tenant_id, id),
        CHECK ((state = 'resolved') = (resolved_at IS NOT NULL AND confirmed_cause IS NOT NULL))
      )`);
    await q.query(
      `CREATE UNIQUE INDEX incidents_active_key ON incidents (tenant_id, model_id, firmware_version, kind, signal)
        WHERE state <> 'resolved'`,
    );
    await q.query(`CREATE INDEX incidents_state_idx ON incidents (tenant_id, state, id)`);
    // The detection's cut-off: the last resolved incident of a group.
    await q.query(
      `CREATE INDEX incidents_group_idx ON incidents (tenant_id, model_id, firmware_version, kind, signal, resolved_at)`,
    );
    for (const sql of tenantTableSql('incidents', 'SELECT, INSERT, UPDATE')) await q.query(sql);

    await q.query(`
      CREATE TABLE incident_tickets (
        tenant_id uuid NOT NULL,
        incident_id uuid NOT NULL,
        ticket_id uuid NOT NULL,
        linked_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, incident_id, ticket_id),
        FOREIGN KEY (tenant_id, incident_id) REFERENCES incidents (tenant_id, id),
        FOREIGN KEY (tenant_id, ticket_id) REFERENCES tickets (tenant_id, id)
      )`);
    await q.query(
      `CREATE INDEX incident_tickets_ticket_idx ON incident_tickets (tenant_id, ticket_id)`,
    );
    for (const sql of tenantTableSql('incident_tickets', 'SELECT, INSERT')) await q.query(sql);

    await q.query(`
      CREATE TABLE incident_locks (
        tenant_id uuid NOT NULL,
        incident_id uuid NOT NULL,
        device_id uuid NOT NULL,
        first_seen_at timestamptz NOT NULL,
        last_seen_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, incident_id, device_id),
        FOREIGN KEY (tenant_id, incident_id) REFERENCES incidents (tenant_id, id),
        FOREIGN KEY (tenant_id, device_id) REFERENCES devices (tenant_id, id)
      )`);
    for (const sql of tenantTableSql('incident_locks', 'SELECT, INSERT, UPDATE'))
      await q.query(sql);

    await q.query(`
      CREATE TABLE incident_detection (
        tenant_id uuid NOT NULL REFERENCES tenants (id),
        last_run_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id)
      )`);
    for (const sql of tenantTableSql('incident_detection', 'SELECT, INSERT, UPDATE'))
      await q.query(sql);

    await q.query(
      `CREATE POLICY owner_due_work ON incident_detection FOR SELECT TO CURRENT_USER USING (true)`,
    );
    await q.query(`
      CREATE FUNCTION due_incident_tenants(min_age_seconds int) RETURNS SETOF uuid
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
        SELECT tn.id FROM tenants tn
         WHERE tn.kind = 'customer'
           AND EXISTS (SELECT 1 FROM devices d WHERE d.tenant_id = tn.id AND d.status = 'active')
           AND NOT EXISTS (SELECT 1 FROM incident_detection r
                            WHERE r.tenant_id = tn.id
                              AND r.last_run_at > now() - make_interval(secs => min_age_seconds))
         ORDER BY tn.id
      $$`);
    await q.query(`REVOKE ALL ON FUNCTION due_incident_tenants(int) FROM PUBLIC`);
    await q.query(`GRANT EXECUTE ON FUNCTION due_incident_tenants(int) TO ${RUNTIME_ROLE}`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION due_incident_tenants(int)`);
    await q.query(`DROP TABLE incident_detection`);
    await q.query(`DROP TABLE incident_locks`);
    await q.query(`DROP TABLE incident_tickets`);
    await q.query(`DROP TABLE incidents`);
  }
}
