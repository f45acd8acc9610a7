/**
 * What other modules (tickets) read about a tenant's members, owned by tenancy. Declares no
 * tables (the tenancy repositories do).
 */
import type { TenantTx } from '../database/tenant-db.service.js';

/** Whether `userId` is a live agent or admin of the tenant (who may hold tickets). */
export async function isAssignableMember(tx: TenantTx, userId: string): Promise<boolean> {
  const rows = await tx.em.query<{ role: string }[]>(
    `SELECT role FROM users WHERE id = $1 AND deleted_at IS NULL AND role IN ('agent', 'admin')`,
    [userId],
  );
  return rows.length > 0;
}

/**
 * A SELECT of the tenant's available agents (role agent, not away, not deleted): column `id`.
 * For a caller that composes it into one statement (round-robin assignment).
 */
export function availableAgentsSql(): string {
  return `SELECT u.id FROM users u WHERE u.role = 'agent' AND NOT u.away AND u.deleted_at IS NULL`;
}
