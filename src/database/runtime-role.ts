import type { DataSource } from 'typeorm';

export class UnsafeRuntimeRoleError extends Error {}

interface RoleFacts {
  role: string;
  superuser: boolean;
  bypassrls: boolean;
  ownedTables: number;
}

export async function runtimeRoleFacts(ds: DataSource): Promise<RoleFacts> {
  const rows = await ds.query<RoleFacts[]>(`
    SELECT r.rolname AS role, r.rolsuper AS superuser, r.rolbypassrls AS bypassrls,
      (SELECT count(*)::int FROM pg_class c
        WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm')
          AND pg_has_role(current_user, c.relowner, 'USAGE')) AS "ownedTables"
    FROM pg_roles r WHERE r.rolname = current_user`);
  return rows[0]!;
}

/**
 * Row-level security only protects tenants if the role serving requests
 * cannot bypass it. Refuse to start otherwise.
 */
export async function assertRuntimeRoleIsRestricted(ds: DataSource): Promise<RoleFacts> {
  const facts = await runtimeRoleFacts(ds);
  const problems: string[] = [];
  if (facts.superuser) problems.push('is a superuser');
  if (facts.bypassrls) problems.push('has BYPASSRLS');
  if (facts.ownedTables > 0)
    problems.push(`owns (or inherits ownership of) ${facts.ownedTables} table(s)`);
  if (problems.length > 0) {
    throw new UnsafeRuntimeRoleError(
      `Refusing to start: the runtime database role "${facts.role}" ${problems.join(', ')}, ` +
        'so it could bypass row-level security and read every tenant. ' +
        'Unset DATABASE_APP_URL to let LockDesk use its restricted role lockdesk_app, ' +
        'or point DATABASE_APP_URL at a login that is only a member of lockdesk_app.',
    );
  }
  return facts;
}
