import type { MigrationInterface, QueryRunner } from 'typeorm';
import { RUNTIME_ROLE, tenantTableSql } from './support.js';

const definer = `LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp`;

/** Locks past a proactive threshold; `battery` and `excluded` are SQL (the two versions differ there). */
const dueProactiveSql = (battery: string, excluded: string) => `
        WITH limits AS (
          SELECT tn.id AS tenant_id,
                 ${battery} AS battery,
                 coalesce((s.proactive ->> 'offlineHours')::numeric, 24) AS offline_hours,
                 coalesce((s.proactive ->> 'jamsPerHour')::numeric, 3) AS jams
            FROM tenants tn LEFT JOIN desk_settings s ON s.tenant_id = tn.id
           WHERE tn.kind = 'customer'
        ), jams AS (
          SELECT e.tenant_id, e.device_id, count(*)::int AS jams FROM telemetry_events e
           WHERE e.type = 'jam' AND e.at > now() - interval '1 hour' GROUP BY e.tenant_id, e.device_id
        ), c AS (
          SELECT d.tenant_id, d.id AS device_id,
                 unnest(ARRAY[
                   CASE WHEN h.battery_percent <= l.battery THEN 'low_battery' END,
                   CASE WHEN h.last_seen_at < now() - l.offline_hours * interval '1 hour' THEN 'offline' END,
                   CASE WHEN j.jams >= l.jams THEN 'jam_burst' END]) AS reason
            FROM limits l
            JOIN devices d ON d.tenant_id = l.tenant_id AND d.status = 'active'
            JOIN device_health h ON h.tenant_id = d.tenant_id AND h.device_id = d.id
            LEFT JOIN jams j ON j.tenant_id = d.tenant_id AND j.device_id = d.id
        )
        SELECT DISTINCT c.tenant_id FROM c
         WHERE c.reason IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM tickets t
                            WHERE t.tenant_id = c.tenant_id AND t.device_id = c.device_id
                              AND ${excluded} AND t.status NOT IN ('solved', 'closed'))
         ORDER BY 1`;

/**
 * Reporting the way people report (issue 13, section 5):
 *
 * - `tickets.folded_reasons`: the proactive alerts (low_battery, offline, jam_burst) folded into
 *   this open ticket as a timeline note instead of opening a maintenance ticket of their own. The
 *   proactive job skips a lock and reason once its open ticket lists the reason.
 * - `ticket_links`: tickets linked as related, stored both ways round (one row per direction),
 *   so a ticket's links are one index range either way.
 * - `due_proactive_tenants(low_battery_percent)`: one low-battery threshold for the health flag
 *   and proactive tickets (the app's LOW_BATTERY_PERCENT), no longer the desk setting's own
 *   (whose default was 15 % while the flag's was 20 %); folded reasons count as handled. The
 *   desk settings' stored `batteryPercent` is removed.
 */
export class Reporting1764002900000 implements MigrationInterface {
  name = 'Reporting1764002900000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tickets ADD COLUMN folded_reasons text[] NOT NULL DEFAULT '{}'`);

    await q.query(`
      CREATE TABLE ticket_links (
        tenant_id uuid NOT NULL,
        ticket_id uuid NOT NULL,
        related_id uuid NOT NULL,
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, ticket_id, related_id),
        FOREIGN KEY (tenant_id, ticket_id) REFERENCES tickets (tenant_id, id),
        FOREIGN KEY (tenant_id, related_id) REFERENCES tickets (tenant_id, id),
        CHECK (ticket_id <> related_id)
      )`);
    await q.query(
      `CREATE INDEX ticket_links_related_idx ON ticket_links (tenant_id, related_id, ticket_id)`,
    );
    for (const sql of tenantTableSql('ticket_links', 'SELECT, INSERT, DELETE')) await q.query(sql);

    await q.query(`DROP FUNCTION due_proactive_tenants()`);
    await q.query(`
      CREATE FUNCTION due_proactive_tenants(low_battery_percent int) RETURNS SETOF uuid ${definer} AS $$
        ${dueProactiveSql('low_battery_percent', '(t.reason = c.reason OR c.reason = ANY (t.folded_reasons))')}
      $$`);
    await q.query(`REVOKE ALL ON FUNCTION due_proactive_tenants(int) FROM PUBLIC`);
    await q.query(`GRANT EXECUTE ON FUNCTION due_proactive_tenants(int) TO ${RUNTIME_ROLE}`);

    await q.query(
      `UPDATE desk_settings SET proactive = proactive - 'batteryPercent' WHERE proactive ? 'batteryPercent'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION due_proactive_tenants(int)`);
    await q.query(`
      CREATE FUNCTION due_proactive_tenants() RETURNS SETOF uuid ${definer} AS $$
        ${dueProactiveSql("coalesce((s.proactive ->> 'batteryPercent')::numeric, 15)", 't.reason = c.reason')}
      $$`);
    await q.query(`REVOKE ALL ON FUNCTION due_proactive_tenants() FROM PUBLIC`);
    await q.query(`GRANT EXECUTE ON FUNCTION due_proactive_tenants() TO ${RUNTIME_ROLE}`);
    await q.query(`DROP TABLE ticket_links`);
    await q.query(`ALTER TABLE tickets DROP COLUMN folded_reasons`);
  }
}
