import type { DataSource } from 'typeorm';
import type { TenantKind } from '../tenancy/types.js';
import { table } from './table.js';

export const TENANTS = table('tenants', {
  id: 'uuid',
  name: 'text',
  kind: 'text',
  handle: 'text',
  created_at: 'timestamptz',
});

/**
 * The ids of every tenant (or of one kind), in a stable order: the directory that scheduled
 * jobs walk, each tenant then worked in its own row-level-security-scoped transaction.
 */
export async function tenantIds(ds: DataSource, kind?: TenantKind): Promise<string[]> {
  const rows = await ds.query<{ id: string }[]>(
    `SELECT id FROM tenants WHERE $1::text IS NULL OR kind = $1 ORDER BY id`,
    [kind ?? null],
  );
  return rows.map((r) => r.id);
}
