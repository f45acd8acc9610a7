/** The SQL that authentication runs per bearer token: the token holder. */
import type { TenantTx } from '../database/tenant-db.service.js';
import type { UserActor } from './actor.js';

export interface TokenHolder {
  role: UserActor['role'];
  passwordChangedAt: Date;
  tokenVersion: number;
  kind: UserActor['tenantKind'];
}

/** The user a token names, with their tenant's kind, in one statement. */
export async function findTokenHolder(
  tx: TenantTx,
  userId: string,
): Promise<TokenHolder | undefined> {
  const rows = await tx.em.query<TokenHolder[]>(
    `SELECT u.role, u.password_changed_at AS "passwordChangedAt",
            u.token_version AS "tokenVersion", t.kind
       FROM users u JOIN tenants t ON t.id = u.tenant_id
      WHERE u.id = $1 AND u.deleted_at IS NULL`,
    [userId],
  );
  return rows[0];
}
