/**
 * Who acted, named in the caller's statement: SQL fragments that turn a stored actor (a kind and
 * an id) into `{id, name, kind}` (ActorView) with LEFT JOINs, so a page of comments or events
 * is named in the same statement that reads it (no query per row). Declares no tables (the
 * tenancy repositories and auth's api_keys do). Row-level security decides what is visible:
 * the tenant's own people and keys, and the partner companies it links.
 */

import type { TenantTx } from '../database/tenant-db.service.js';

/** The name a person keeps once their row cannot be read (it always can today: removal is soft). */
export const FORMER_MEMBER = 'Former member';
/** A partner company the tenant no longer links (its tenants row is no longer visible). */
export const FORMER_PARTNER = 'Former partner';

export interface ActorSql {
  /** A jsonb expression: `{id, name, kind}`. */
  json: string;
  /** LEFT JOINs to append to the FROM clause. */
  joins: string;
}

/**
 * A stored actor as ActorView. `type` is an SQL expression of 'user' | 'partner' | 'api_key' |
 * 'system' (ticket_events.actor_type); `id` the person's or key's id; `tenantId` the partner
 * company's tenant id. `alias` keeps the joined tables' names apart when several are used.
 */
export function actorSql(
  alias: string,
  c: { type: string; id: string; tenantId: string },
): ActorSql {
  const u = `${alias}_u`;
  const p = `${alias}_p`;
  const k = `${alias}_k`;
  return {
    json: `CASE ${c.type}
      WHEN 'user' THEN jsonb_build_object('id', ${c.id}, 'name', coalesce(${u}.name, '${FORMER_MEMBER}'), 'kind', 'user')
      WHEN 'partner' THEN jsonb_build_object('id', ${c.tenantId}, 'name', coalesce(${p}.name, '${FORMER_PARTNER}'), 'kind', 'partner')
      WHEN 'api_key' THEN jsonb_build_object('id', ${c.id}, 'name', coalesce('API key "' || ${k}.name || '"', 'API key'), 'kind', 'system')
      ELSE jsonb_build_object('id', NULL, 'name', 'LockDesk', 'kind', 'system') END`,
    joins: `LEFT JOIN users ${u} ON ${c.type} = 'user' AND ${u}.id = ${c.id}
      LEFT JOIN tenants ${p} ON ${c.type} = 'partner' AND ${p}.id = ${c.tenantId}
      LEFT JOIN api_keys ${k} ON ${c.type} = 'api_key' AND ${k}.id = ${c.id}`,
  };
}

/** A person of the tenant (a comment's author, a step's performer) as ActorView. */
export function userActorSql(alias: string, id: string): ActorSql {
  const u = `${alias}_u`;
  return {
    json: `jsonb_build_object('id', ${id}, 'name', coalesce(${u}.name, '${FORMER_MEMBER}'), 'kind', 'user')`,
    joins: `LEFT JOIN users ${u} ON ${u}.id = ${id}`,
  };
}

/** The names of these people of `tx`'s tenant (removed ones too), by id; one read for all. */
export async function personNames(
  tx: TenantTx,
  ids: readonly string[],
): Promise<Map<string, string>> {
  const rows = await tx.em.query<{ id: string; name: string }[]>(
    `SELECT id, name FROM users WHERE id = ANY($1::uuid[])`,
    [ids],
  );
  return new Map(rows.map((r) => [r.id, r.name] as const));
}
