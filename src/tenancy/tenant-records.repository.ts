/**
 * The tenant's own row: created at signup, read for "who am I". The table is declared in
 * src/database/tenants.repository.ts (with the jobs' tenant directory); this is its SQL for the
 * tenancy and auth modules.
 */
import type { TenantTx } from '../database/tenant-db.service.js';
import { columnList, type RowOf } from '../database/table.js';
import { TENANTS } from '../database/tenants.repository.js';
import type { TenantKind } from './types.js';

export type TenantRow = Omit<RowOf<typeof TENANTS>, 'kind'> & { kind: TenantKind };

/** Creates `tx`'s tenant. */
export async function insertTenant(
  tx: TenantTx,
  tenant: { name: string; kind: TenantKind; handle: string },
): Promise<TenantRow> {
  const [row] = await tx.em.query<TenantRow[]>(
    `INSERT INTO tenants (id, name, kind, handle) VALUES ($1, $2, $3, $4)
     RETURNING ${columnList(TENANTS)}`,
    [tx.tenantId, tenant.name, tenant.kind, tenant.handle],
  );
  return row;
}

/** `tx`'s own tenant; undefined when it is gone. */
export async function findOwnTenant(tx: TenantTx): Promise<TenantRow | undefined> {
  const [row] = await tx.em.query<TenantRow[]>(
    `SELECT ${columnList(TENANTS)} FROM tenants WHERE id = $1`,
    [tx.tenantId],
  );
  return row;
}
