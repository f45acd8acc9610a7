import type { MigrationInterface, QueryRunner } from 'typeorm';
import { tenantTableSql } from './support.js';

/**
 * Learned priors: how often each cause was confirmed for a device model in a
 * tenant. The diagnosis blends them into its priors, per tenant, so one
 * tenant's history never moves another's rankings.
 */
export class Diagnostics1763790200000 implements MigrationInterface {
  name = 'Diagnostics1763790200000';

  async up(q: QueryRunner): Promise<void> {
    // model_id is a reference or a tenant model (two tables), hence no foreign key.
    await q.query(`
      CREATE TABLE learned_causes (
        tenant_id uuid NOT NULL REFERENCES tenants (id),
        model_id uuid NOT NULL,
        cause text NOT NULL CHECK (cause ~ '^[a-z_]{2,60}$'),
        confirmations int NOT NULL CHECK (confirmations > 0),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, model_id, cause)
      )`);
    for (const sql of tenantTableSql('learned_causes', 'SELECT, INSERT, UPDATE'))
      await q.query(sql);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE learned_causes`);
  }
}
