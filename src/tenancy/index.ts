/**
 * The public surface of the tenancy module: what other modules may import from it (the other one
 * is tenancy.module.ts). Everything else in src/tenancy/ is private; see .dependency-cruiser.cjs.
 */
export { EmailField, NameField, NewPasswordField } from './dto/fields.js';
export { type Role, ROLES, TENANT_KINDS, type TenantKind } from './types.js';
export { TenantView, UserView } from './dto/views.dto.js';
export { tenantView, userView } from './views.js';
export { availableAgentsSql, isAssignableMember } from './members.repository.js';
export { findLoginUser, findUserAnyState, insertUser } from './users.repository.js';
export { findOwnTenant, insertTenant } from './tenant-records.repository.js';
export { type PartnerByHandle, partnerByHandle } from './tenant-records.repository.js';
export { type TenantCard, tenantCards } from './tenant-records.repository.js';
export { type ActorSql, actorSql, personNames, userActorSql } from './actors.repository.js';
export { FORMER_MEMBER, FORMER_PARTNER } from './actors.repository.js';
