import type { MigrationInterface, QueryRunner } from 'typeorm';
import { RUNTIME_ROLE } from './support.js';

/**
 * The outbox and webhook deliveries stop growing without bound: a scheduled job (outbox purge)
 * deletes outbox messages published more than OUTBOX_RETENTION_DAYS ago and finished webhook
 * deliveries (delivered, dead, cancelled) created more than WEBHOOK_DELIVERY_RETENTION_DAYS ago.
 *
 * - The job works tenant by tenant under row-level security, as the other purges do: the
 *   runtime role may now delete from both tables (its policy still scopes it to one tenant), and
 *   `due_outbox_purge_tenants` (SECURITY DEFINER, like the other due-work functions) answers which
 *   tenants have something to purge.
 * - Two partial indexes make both cheap: the due-work function probes each tenant's oldest
 *   published message / finished delivery, and each batch deletes an index range, not a scan.
 *   Unpublished messages and pending deliveries are in neither index and are never purged.
 */
export class OutboxRetention1764003100000 implements MigrationInterface {
  name = 'OutboxRetention1764003100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX outbox_published_idx ON outbox (tenant_id, published_at) WHERE published_at IS NOT NULL`,
    );
    await q.query(
      `CREATE INDEX webhook_deliveries_finished_idx ON webhook_deliveries (tenant_id, created_at)
        WHERE status <> 'pending'`,
    );
    await q.query(`GRANT DELETE ON outbox, webhook_deliveries TO ${RUNTIME_ROLE}`);

    // One index probe per tenant and table: a tenant with nothing old enough costs two lookups.
    await q.query(`
      CREATE FUNCTION due_outbox_purge_tenants(outbox_before timestamptz, deliveries_before timestamptz)
      RETURNS SETOF uuid LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
        SELECT tn.id FROM tenants tn
         WHERE EXISTS (SELECT 1 FROM outbox o
                        WHERE o.tenant_id = tn.id AND o.published_at IS NOT NULL
                          AND o.published_at < outbox_before)
            OR EXISTS (SELECT 1 FROM webhook_deliveries d
                        WHERE d.tenant_id = tn.id AND d.status <> 'pending'
                          AND d.created_at < deliveries_before)
         ORDER BY 1
      $$`);
    await q.query(
      `REVOKE ALL ON FUNCTION due_outbox_purge_tenants(timestamptz, timestamptz) FROM PUBLIC`,
    );
    await q.query(
      `GRANT EXECUTE ON FUNCTION due_outbox_purge_tenants(timestamptz, timestamptz) TO ${RUNTIME_ROLE}`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION due_outbox_purge_tenants(timestamptz, timestamptz)`);
    await q.query(`REVOKE DELETE ON outbox, webhook_deliveries FROM ${RUNTIME_ROLE}`);
    await q.query(`DROP INDEX webhook_deliveries_finished_idx`);
    await q.query(`DROP INDEX outbox_published_idx`);
  }
}
