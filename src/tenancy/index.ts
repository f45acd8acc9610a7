/**
 * The public surface of the tenancy module: what other modules may import from it (the other one
 * is tenancy.module.ts). Everything else in src/tenancy/ is private; see .dependency-cruiser.cjs.
 */
export { EmailField, NameField, NewPasswordField } from './dto/fields.js';
export { Tenant, TENANT_KINDS, type TenantKind } from './tenant.entity.js';
export { type Role, ROLES, User } from './user.entity.js';
export { tenantView, TenantView, userView, UserView } from './views.js';
