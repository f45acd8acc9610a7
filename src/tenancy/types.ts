/** The kinds of tenant and the roles people hold in them. */
export const TENANT_KINDS = ['customer', 'locksmith', 'manufacturer'] as const;
export type TenantKind = (typeof TENANT_KINDS)[number];

export const ROLES = ['admin', 'manager', 'agent', 'locksmith', 'manufacturer'] as const;
export type Role = (typeof ROLES)[number];

/** Which roles exist in which kind of tenant. */
export const ROLES_BY_KIND: Record<TenantKind, readonly Role[]> = {
  customer: ['admin', 'manager', 'agent'],
  locksmith: ['admin', 'locksmith'],
  manufacturer: ['admin', 'manufacturer'],
};
