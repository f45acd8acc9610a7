import type { MigrationInterface, QueryRunner } from 'typeorm';
import { CURRENT_TENANT_SQL, RUNTIME_ROLE } from './support.js';

/** The tables the functions below read, each given an owner-only read policy. */
const READ_BY_FUNCTIONS = [
  'tenants',
  'tickets',
  'desk_settings',
  'devices',
  'device_health',
  'telemetry_events',
  'escalations',
  'outbox',
  'webhooks',
  'webhook_deliveries',
  'idempotency_keys',
];

/** Every function below with its argument types, for grants and the way down. */
const FUNCTIONS = [
  'due_sla_breach_tenants(timestamptz)',
  'due_proactive_tenants()',
  'due_stale_escalation_tenants(int, int)',
  'due_webhook_tenants()',
  'due_idempotency_purge_tenants()',
  'partner_by_handle(text)',
];

/**
 * What replaces the tenant directory (`tenant_directory`, dropped by the next migration once no
 * job walks tenants any more). Until now every tenant could read every tenants row, because the
 * scheduled jobs enumerated tenants and partners were found by handle. Now:
 *
 * - Each job asks a SECURITY DEFINER function for the tenants with due work for it (the same
 *   condition the job then applies row by row in that tenant's own RLS-scoped transaction), and
 *   a customer finds a partner through `partner_by_handle`, which answers one locksmith or
 *   manufacturer (id, kind, name) and nothing else. The functions run as their owner (the role
 *   running this migration), with a fixed search_path (`public, pg_temp`: nobody can slip a
 *   table or operator in ahead of ours); PUBLIC may not execute them, only the runtime role.
 *   They return tenant ids only: the work itself still happens under row-level security.
 *
 * - The tables FORCE row-level security, owners included, so a function owned by a role that is
 *   not a superuser would see no row at all (no app.tenant_id is set when a job asks). Each table
 *   the functions read gets a policy `FOR SELECT TO <owner> USING (true)`: `CURRENT_USER` here is
 *   the migrating owner, who could disable row-level security on its own tables anyway, so this
 *   widens nobody's reach; it is SELECT only, and the runtime role (and any login that is only a
 *   member of it) is not the owner and does not inherit from it, so requests still see one tenant.
 *   A superuser owner bypasses row-level security and needs none of it; the policies are harmless.
 *
 * - A tenant still reads its own tenants row (tenant_isolation), and now also the rows of the
 *   tenants it is linked with through partner_links, either way round (a customer's partners, a
 *   partner's customers): their names appear in partner lists and work orders. The subquery reads
 *   partner_links under its own policies (a customer sees its links, a partner the links naming it).
 */
export class DueWorkFunctions1764001400000 implements MigrationInterface {
  name = 'DueWorkFunctions1764001400000';

  async up(q: QueryRunner): Promise<void> {
    for (const t of READ_BY_FUNCTIONS) {
      await q.query(`CREATE POLICY owner_due_work ON ${t} FOR SELECT TO CURRENT_USER USING (true)`);
    }

    const definer = `LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp`;

    // SLA breach job: open tickets past a due time at `at`, not flagged yet (customers only).
    await q.query(`
      CREATE FUNCTION due_sla_breach_tenants(at timestamptz) RETURNS SETOF uuid ${definer} AS $$
        SELECT tn.id FROM tenants tn
         WHERE tn.kind = 'customer'
           AND EXISTS (SELECT 1 FROM tickets t
                        WHERE t.tenant_id = tn.id AND NOT t.sla_breached AND t.status IN ('new', 'open')
                          AND ((t.first_responded_at IS NULL AND t.first_response_due_at < at)
                               OR t.resolution_due_at < at))
         ORDER BY tn.id
      $$`);

    // Proactive tickets: an active lock whose health crosses the tenant's thresholds
    // (desk_settings.proactive over the defaults 15 %, 24 h, 3 jams an hour), for a reason with no
    // unsolved ticket yet.
    await q.query(`
      CREATE FUNCTION due_proactive_tenants() RETURNS SETOF uuid ${definer} AS $$
        WITH limits AS (
          SELECT tn.id AS tenant_id,
                 coalesce((s.proactive ->> 'batteryPercent')::numeric, 15) AS battery,
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
                              AND t.reason = c.reason AND t.status NOT IN ('solved', 'closed'))
         ORDER BY 1
      $$`);

    // Stale escalations: routed to a partner who has not claimed within the window.
    await q.query(`
      CREATE FUNCTION due_stale_escalation_tenants(urgent_minutes int, normal_minutes int)
      RETURNS SETOF uuid ${definer} AS $$
        SELECT DISTINCT e.tenant_id FROM escalations e
         WHERE e.status = 'routed'
           AND e.routed_at < now() - make_interval(mins => CASE WHEN e.urgent THEN urgent_minutes ELSE normal_minutes END)
         ORDER BY 1
      $$`);

    // Webhook relay and delivery: unpublished outbox messages, or deliveries due to a live webhook.
    await q.query(`
      CREATE FUNCTION due_webhook_tenants() RETURNS SETOF uuid ${definer} AS $$
        SELECT o.tenant_id FROM outbox o WHERE o.published_at IS NULL
        UNION
        SELECT d.tenant_id FROM webhook_deliveries d
          JOIN webhooks w ON w.tenant_id = d.tenant_id AND w.id = d.webhook_id AND w.deleted_at IS NULL
         WHERE d.status = 'pending' AND d.next_attempt_at <= now()
        ORDER BY 1
      $$`);

    // Idempotency purge: expired keys.
    await q.query(`
      CREATE FUNCTION due_idempotency_purge_tenants() RETURNS SETOF uuid ${definer} AS $$
        SELECT DISTINCT k.tenant_id FROM idempotency_keys k WHERE k.expires_at <= now() ORDER BY 1
      $$`);

    // Linking a partner: the one locksmith or manufacturer with this handle, nothing more.
    await q.query(`
      CREATE FUNCTION partner_by_handle(p_handle text)
      RETURNS TABLE (id uuid, kind text, name text) ${definer} AS $$
        SELECT tn.id, tn.kind, tn.name FROM tenants tn
         WHERE tn.handle = p_handle AND tn.kind IN ('locksmith', 'manufacturer')
      $$`);

    for (const f of FUNCTIONS) {
      await q.query(`REVOKE ALL ON FUNCTION ${f} FROM PUBLIC`);
      await q.query(`GRANT EXECUTE ON FUNCTION ${f} TO ${RUNTIME_ROLE}`);
    }

    await q.query(`
      CREATE POLICY linked_partner ON tenants FOR SELECT
      USING (EXISTS (SELECT 1 FROM partner_links l
                      WHERE (l.tenant_id = ${CURRENT_TENANT_SQL} AND l.partner_tenant_id = tenants.id)
                         OR (l.partner_tenant_id = ${CURRENT_TENANT_SQL} AND l.tenant_id = tenants.id)))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP POLICY linked_partner ON tenants`);
    for (const f of FUNCTIONS) await q.query(`DROP FUNCTION ${f}`);
    for (const t of READ_BY_FUNCTIONS) await q.query(`DROP POLICY owner_due_work ON ${t}`);
  }
}
