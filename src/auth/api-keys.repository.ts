/** API keys (stored only hashed): every statement on that table. */
import type { EntityManager } from 'typeorm';
import type { TenantTx } from '../database/tenant-db.service.js';
import { columnList, type RowOf, table } from '../database/table.js';

export const API_KEYS = table('api_keys', {
  tenant_id: 'uuid',
  id: 'uuid',
  name: 'text',
  key_prefix: 'text',
  key_hash: 'text',
  created_by: 'uuid',
  created_at: 'timestamptz',
  last_used_at: 'timestamptz?',
  revoked_at: 'timestamptz?',
});

export type ApiKeyRow = RowOf<typeof API_KEYS>;

const COLUMNS = columnList(API_KEYS);

/** A new key of `tx`'s tenant, as stored. */
export async function insertApiKey(
  tx: TenantTx,
  key: { id: string; name: string; keyPrefix: string; keyHash: string; createdBy: string },
): Promise<ApiKeyRow> {
  const [row] = await tx.em.query<[ApiKeyRow]>(
    `INSERT INTO api_keys (tenant_id, id, name, key_prefix, key_hash, created_by)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
    [tx.tenantId, key.id, key.name, key.keyPrefix, key.keyHash, key.createdBy],
  );
  return row;
}

/** A page of live keys in id order, after a cursor id. */
export function listApiKeys(
  tx: TenantTx,
  q: { after?: string; limit: number },
): Promise<ApiKeyRow[]> {
  return tx.em.query<ApiKeyRow[]>(
    `SELECT ${COLUMNS} FROM api_keys
      WHERE revoked_at IS NULL AND ($1::uuid IS NULL OR id > $1)
      ORDER BY id LIMIT $2`,
    [q.after ?? null, q.limit],
  );
}

/** Revokes a live key; answers whether there was one. */
export async function revokeApiKey(tx: TenantTx, id: string): Promise<boolean> {
  const [, affected] = await tx.em.query<[unknown, number]>(
    `UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL`,
    [id],
  );
  return affected > 0;
}

/** The key with this hash, in a lookup transaction (the secret-hash policy). */
export async function findApiKeyByHash(
  em: EntityManager,
  keyHash: string,
): Promise<ApiKeyRow | undefined> {
  const [row] = await em.query<ApiKeyRow[]>(`SELECT ${COLUMNS} FROM api_keys WHERE key_hash = $1`, [
    keyHash,
  ]);
  return row;
}

/**
 * Records when keys of `tx`'s tenant were last used (a batch from ApiKeyUsage): one statement,
 * never moving a time backwards.
 */
export async function touchApiKeys(tx: TenantTx, uses: { id: string; at: Date }[]): Promise<void> {
  await tx.em.query(
    `UPDATE api_keys k SET last_used_at = greatest(k.last_used_at, u.at)
       FROM unnest($2::uuid[], $3::timestamptz[]) AS u(id, at)
      WHERE k.tenant_id = $1 AND k.id = u.id`,
    [tx.tenantId, uses.map((u) => u.id), uses.map((u) => u.at)],
  );
}
