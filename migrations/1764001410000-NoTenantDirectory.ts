import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * No tenant reads every tenants row any more: the jobs find their tenants through the due-work
 * functions and partners are found by handle through partner_by_handle (both in
 * 1764001400000-DueWorkFunctions). A tenant reads its own row and those of the tenants it is
 * linked with (policies tenant_isolation and linked_partner).
 */
export class NoTenantDirectory1764001410000 implements MigrationInterface {
  name = 'NoTenantDirectory1764001410000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP POLICY tenant_directory ON tenants`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE POLICY tenant_directory ON tenants FOR SELECT USING (true)`);
  }
}
