import type { EntityManager } from 'typeorm';

/**
 * A transaction scoped to one tenant by row-level security, and that tenant. Repositories take it
 * and write `tenant_id` from it explicitly; the tenant of a `TenantTx` never changes (crossing to
 * another tenant is `asTenant`, which hands out a new one).
 */
export interface TenantTx {
  readonly em: EntityManager;
  readonly tenantId: string;
}
