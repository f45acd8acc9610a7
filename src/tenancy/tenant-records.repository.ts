/**
 * The tenants table: a tenant's own row (created at signup, read for "who am I"), and a partner
 * found by handle to link it (through a narrow SECURITY DEFINER function: a tenant reads only its
 * own row and those of the partners it is linked with).
 */
import type { TenantTx } from '../database/tenant-db.service.js';
import { columnList, type RowOf, table } from '../database/table.js';
import type { TenantKind } from './types.js';

export const TENANTS = table('tenants', {
  id: 'uuid',
  name: 'text',
  kind: 'text',
  handle: 'text',
  created_at: 'timestamptz',
});

export type TenantRow = Omit<RowOf<typeof TENANTS>, 'kind'> & { kind: TenantKind };

/** Creates `tx`'s tenant. */
export async function insertTenant(
  tx: TenantTx,
  tenant: { name: string; kind: TenantKind; handle: string },
): Promise<TenantRow> {
  const [row] = await tx.em.query<[TenantRow]>(
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

/** A partner as a customer finds it to link it: no more than this. */
export interface PartnerByHandle {
  id: string;
  kind: Extract<TenantKind, 'locksmith' | 'manufacturer'>;
  name: string;
}

/** The locksmith or manufacturer tenant with this handle, if any (any tenant may ask). */
export async function partnerByHandle(
  tx: TenantTx,
  handle: string,
): Promise<PartnerByHandle | undefined> {
  const rows = await tx.em.query<PartnerByHandle[]>(
    `SELECT id, kind, name FROM partner_by_handle($1)`,
    [handle],
  );
  return rows[0]!;
}

export interface TenantCard {
  id: string;
  name: string;
  handle: string;
  kind: string;
}

/**
 * Tenants by id, as row-level security lets `tx`'s tenant see them (its own row and its linked
 * partners'), in no particular order.
 */
export function tenantCards(tx: TenantTx, ids: readonly string[]): Promise<TenantCard[]> {
  return tx.em.query<TenantCard[]>(
    `SELECT id, name, handle, kind FROM tenants WHERE id = ANY($1::uuid[])`,
    [ids],
  );
}
