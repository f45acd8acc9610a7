import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Desk reports read a tenant's tickets by creation time (`GET /v1/reports/...?from=&to=`). Ticket
 * ids are time-ordered, but by the server's clock at insert, not by `created_at`, so the window
 * needs its own index.
 */
export class DeskReports1764003200000 implements MigrationInterface {
  name = 'DeskReports1764003200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX tickets_created_idx ON tickets (tenant_id, created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX tickets_created_idx`);
  }
}
