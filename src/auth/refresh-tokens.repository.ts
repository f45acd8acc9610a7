/** Refresh tokens (stored only hashed), their rotation and revocation. */
import type { EntityManager } from 'typeorm';
import type { TenantTx } from '../database/tenant-db.service.js';
import { columnList, type RowOf, table } from '../database/table.js';

export const REFRESH_TOKENS = table('refresh_tokens', {
  tenant_id: 'uuid',
  id: 'uuid',
  user_id: 'uuid',
  family_id: 'uuid',
  token_hash: 'text',
  expires_at: 'timestamptz',
  used_at: 'timestamptz?',
  revoked_at: 'timestamptz?',
  created_at: 'timestamptz',
});

export type RefreshTokenRow = RowOf<typeof REFRESH_TOKENS>;

const COLUMNS = columnList(REFRESH_TOKENS);

/** Stores a new token of `tx`'s tenant. */
export async function insertRefreshToken(
  tx: TenantTx,
  token: { id: string; userId: string; familyId: string; tokenHash: string; expiresAt: Date },
): Promise<void> {
  await tx.em.query(
    `INSERT INTO refresh_tokens (tenant_id, id, user_id, family_id, token_hash, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [tx.tenantId, token.id, token.userId, token.familyId, token.tokenHash, token.expiresAt],
  );
}

/** The token with this hash, in a lookup transaction (the secret-hash policy): which tenant it is. */
export async function findRefreshTokenByHash(
  em: EntityManager,
  tokenHash: string,
): Promise<Pick<RefreshTokenRow, 'tenant_id' | 'id'> | undefined> {
  const [row] = await em.query<Pick<RefreshTokenRow, 'tenant_id' | 'id'>[]>(
    `SELECT tenant_id, id FROM refresh_tokens WHERE token_hash = $1`,
    [tokenHash],
  );
  return row;
}

/** A token locked for its rotation. */
export async function lockRefreshToken(
  tx: TenantTx,
  id: string,
): Promise<RefreshTokenRow | undefined> {
  const [row] = await tx.em.query<RefreshTokenRow[]>(
    `SELECT ${COLUMNS} FROM refresh_tokens WHERE id = $1 FOR UPDATE`,
    [id],
  );
  return row;
}

/** A token has been used (rotated). */
export async function markRefreshTokenUsed(tx: TenantTx, id: string): Promise<void> {
  await tx.em.query(`UPDATE refresh_tokens SET used_at = now() WHERE id = $1`, [id]);
}

/** A used token came back: every token of its family is revoked. */
export async function revokeRefreshTokenFamily(tx: TenantTx, familyId: string): Promise<void> {
  await tx.em.query(`UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1`, [
    familyId,
  ]);
}

/** Every live session of a person ends. */
export async function revokeUserRefreshTokens(tx: TenantTx, userId: string): Promise<void> {
  await tx.em.query(
    `UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL`,
    [userId],
  );
}
