/** The people of a tenant (users): every statement on that table. */
import type { EntityManager } from 'typeorm';
import type { TenantTx } from '../database/tenant-db.service.js';
import { columnList, type RowOf, table } from '../database/table.js';
import type { Role } from './types.js';

export const USERS = table('users', {
  tenant_id: 'uuid',
  id: 'uuid',
  email: 'text',
  name: 'text',
  role: 'text',
  password_hash: 'text',
  away: 'bool',
  password_changed_at: 'timestamptz',
  deleted_at: 'timestamptz?',
  created_at: 'timestamptz',
  updated_at: 'timestamptz',
  token_version: 'int4',
});

export type UserRow = Omit<RowOf<typeof USERS>, 'role'> & { role: Role };

const COLUMNS = columnList(USERS);

/** A new person of `tx`'s tenant, as stored. */
export async function insertUser(
  tx: TenantTx,
  user: { id: string; email: string; name: string; role: Role; passwordHash: string },
): Promise<UserRow> {
  const [row] = await tx.em.query<[UserRow]>(
    `INSERT INTO users (tenant_id, id, email, name, role, password_hash)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
    [tx.tenantId, user.id, user.email, user.name, user.role, user.passwordHash],
  );
  return row;
}

/** A page of live people in id order, optionally of one role, after a cursor id. */
export function listUsers(
  tx: TenantTx,
  q: { role?: Role; after?: string; limit: number },
): Promise<UserRow[]> {
  return tx.em.query<UserRow[]>(
    `SELECT ${COLUMNS} FROM users
      WHERE deleted_at IS NULL
        AND ($1::text IS NULL OR role = $1)
        AND ($2::uuid IS NULL OR id > $2)
      ORDER BY id LIMIT $3`,
    [q.role ?? null, q.after ?? null, q.limit],
  );
}

/** A live person, optionally locked for update; undefined when gone. */
export async function findUser(
  tx: TenantTx,
  id: string,
  options: { lock?: boolean } = {},
): Promise<UserRow | undefined> {
  const [row] = await tx.em.query<UserRow[]>(
    `SELECT ${COLUMNS} FROM users WHERE id = $1 AND deleted_at IS NULL
      ${options.lock ? 'FOR UPDATE' : ''}`,
    [id],
  );
  return row;
}

/** A person by id whether or not removed (a refresh checks `deleted_at` itself). */
export async function findUserAnyState(tx: TenantTx, id: string): Promise<UserRow | undefined> {
  const [row] = await tx.em.query<UserRow[]>(`SELECT ${COLUMNS} FROM users WHERE id = $1`, [id]);
  return row;
}

/** The ids of the live admins, locked so two concurrent demotions cannot both pass. */
export async function lockAdminIds(tx: TenantTx): Promise<string[]> {
  const rows = await tx.em.query<{ id: string }[]>(
    `SELECT id FROM users WHERE role = 'admin' AND deleted_at IS NULL FOR UPDATE`,
  );
  return rows.map((r) => r.id);
}

export interface UserPatch {
  name?: string;
  role?: Role;
  away?: boolean;
  passwordHash?: string;
  passwordChangedAt?: Date;
  tokenVersion?: number;
}

/** Changes the given fields (and updated_at) of a person; answers the row as stored. */
export async function updateUser(tx: TenantTx, id: string, patch: UserPatch): Promise<UserRow> {
  const [rows] = await tx.em.query<[UserRow[], number]>(
    `UPDATE users SET
       name = coalesce($2, name),
       role = coalesce($3, role),
       away = coalesce($4, away),
       password_hash = coalesce($5, password_hash),
       password_changed_at = coalesce($6, password_changed_at),
       token_version = coalesce($7, token_version),
       updated_at = $8
     WHERE id = $1 RETURNING ${COLUMNS}`,
    [
      id,
      patch.name ?? null,
      patch.role ?? null,
      patch.away ?? null,
      patch.passwordHash ?? null,
      patch.passwordChangedAt ?? null,
      patch.tokenVersion ?? null,
      new Date(),
    ],
  );
  return rows[0]!;
}

/** A removal keeps the row (tickets and events point at it) and hides it. */
export async function softDeleteUser(tx: TenantTx, id: string): Promise<void> {
  await tx.em.query(`UPDATE users SET deleted_at = now(), updated_at = now() WHERE id = $1`, [id]);
}

/** The live person with this email, in a lookup transaction (the login email policy). */
export async function findLoginUser(
  em: EntityManager,
  email: string,
): Promise<UserRow | undefined> {
  const [row] = await em.query<UserRow[]>(
    `SELECT ${COLUMNS} FROM users WHERE email = $1 AND deleted_at IS NULL`,
    [email],
  );
  return row;
}
