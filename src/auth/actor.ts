import type { Role, TenantKind } from '../tenancy/index.js';

/** Who is calling: resolved once by the auth guard, passed explicitly to services. */
export type Actor = UserActor | ApiKeyActor;

export interface UserActor {
  type: 'user';
  tenantId: string;
  tenantKind: TenantKind;
  userId: string;
  role: Role;
}

export interface ApiKeyActor {
  type: 'api_key';
  tenantId: string;
  tenantKind: TenantKind;
  apiKeyId: string;
}
