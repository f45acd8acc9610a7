/** The SQL that authentication runs per request: the token holder, and an API key's last use. */
import type { EntityManager } from 'typeorm';
import type { UserActor } from './actor.js';

export interface TokenHolder {
  role: UserActor['role'];
  passwordChangedAt: Date;
  tokenVersion: number;
  kind: UserActor['tenantKind'];
}

/** The user a token names, with their tenant's kind, in one statement (tenant-scoped `em`). */
export async function findTokenHolder(
  em: EntityManager,
  userId: string,
): Promise<TokenHolder | undefined> {
  const rows = await em.query<TokenHolder[]>(
    `SELECT u.role, u.password_changed_at AS "passwordChangedAt",
            u.token_version AS "tokenVersion", t.kind
       FROM users u JOIN tenants t ON t.id = u.tenant_id
      WHERE u.id = $1 AND u.deleted_at IS NULL`,
    [userId],
  );
  return rows[0];
}

/** Records a key's use at most once a minute, to keep authentication read-mostly. */
export async function touchApiKey(em: EntityManager, tenantId: string, id: string): Promise<void> {
  await em.query(
    `UPDATE api_keys SET last_used_at = now()
      WHERE tenant_id = $1 AND id = $2 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
    [tenantId, id],
  );
}
