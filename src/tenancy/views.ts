import type { TenantView, UserView } from './dto/views.dto.js';
import type { TenantRow } from './tenant-records.repository.js';
import type { UserRow } from './users.repository.js';

export type { TenantView, UserView };

export function tenantView(t: TenantRow): TenantView {
  return {
    id: t.id,
    name: t.name,
    kind: t.kind,
    handle: t.handle,
    createdAt: t.created_at.toISOString(),
  };
}

/** What the API says about a person: never the password hash. */
export function userView(u: UserRow): UserView {
  return {
    id: u.id,
    tenantId: u.tenant_id,
    email: u.email,
    name: u.name,
    role: u.role,
    away: u.away,
    createdAt: u.created_at.toISOString(),
    updatedAt: u.updated_at.toISOString(),
  };
}
