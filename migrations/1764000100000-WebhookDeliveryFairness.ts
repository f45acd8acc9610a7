import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhook deliveries can be `cancelled` (their webhook was deleted while they
 * were pending), and due deliveries are claimed per webhook so that one slow
 * receiver's backlog does not hide the tenant's other webhooks.
 */
export class WebhookDeliveryFairness1764000100000 implements MigrationInterface {
  name = 'WebhookDeliveryFairness1764000100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE webhook_deliveries DROP CONSTRAINT IF EXISTS webhook_deliveries_status_check`,
    );
    await q.query(
      `ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_status_check
         CHECK (status IN ('pending', 'delivered', 'dead', 'cancelled'))`,
    );
    await q.query(
      `CREATE INDEX webhook_deliveries_hook_due_idx ON webhook_deliveries (tenant_id, webhook_id, next_attempt_at)
        WHERE status = 'pending'`,
    );
    // Deliveries that kept retrying after their webhook was deleted stop now (when the
    // migrator bypasses RLS; the senders skip deleted webhooks' deliveries either way).
    await q.query(
      `UPDATE webhook_deliveries d SET status = 'cancelled', last_error = 'cancelled: the webhook was deleted'
         FROM webhooks w
        WHERE w.tenant_id = d.tenant_id AND w.id = d.webhook_id AND w.deleted_at IS NOT NULL AND d.status = 'pending'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX webhook_deliveries_hook_due_idx`);
    await q.query(`UPDATE webhook_deliveries SET status = 'dead' WHERE status = 'cancelled'`);
    await q.query(
      `ALTER TABLE webhook_deliveries DROP CONSTRAINT IF EXISTS webhook_deliveries_status_check`,
    );
    await q.query(
      `ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_status_check
         CHECK (status IN ('pending', 'delivered', 'dead'))`,
    );
  }
}
