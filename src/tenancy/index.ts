/**
 * The public surface of the tenancy module: what other modules may import from it (the other one
 * is tenancy.module.ts). Everything else in src/tenancy/ is private; see .dependency-cruiser.cjs.
 */
export { EmailField, NameField, NewPasswordField } from './dto/fields.js';
export { type Role, ROLES, TENANT_KINDS, type TenantKind } from './types.js';
export { tenantView, type TenantView, userView, type UserView } from './views.js';
