/**
 * The role requests run as. Created by the first migration: NOLOGIN, not a
 * superuser, no BYPASSRLS, owns nothing. Migrations run as the operator's
 * DATABASE_URL role; every pooled runtime connection takes this role.
 */
export const RUNTIME_ROLE = 'lockdesk_app';

/** The row-level-security predicate every tenant-owned table uses. */
export const CURRENT_TENANT_SQL = "NULLIF(current_setting('app.tenant_id', true), '')::uuid";

/**
 * SQL for a tenant-owned table's isolation: RLS enabled and forced (owners
 * too), one policy with the same USING and WITH CHECK, and the runtime
 * role's grants. Used by each table's own migration.
 */
export function tenantTableSql(
  table: string,
  grants: string = 'SELECT, INSERT, UPDATE, DELETE',
  tenantColumn = 'tenant_id',
): string[] {
  return [
    `ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`,
    `ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`,
    `CREATE POLICY tenant_isolation ON ${table} USING (${tenantColumn} = ${CURRENT_TENANT_SQL}) WITH CHECK (${tenantColumn} = ${CURRENT_TENANT_SQL})`,
    `GRANT ${grants} ON ${table} TO ${RUNTIME_ROLE}`,
  ];
}
