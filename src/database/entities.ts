import { ApiKey } from '../auth/api-key.entity.js';
import { RefreshToken } from '../auth/refresh-token.entity.js';
import { Tenant } from '../tenancy/tenant.entity.js';
import { User } from '../tenancy/user.entity.js';

/** Every entity, listed explicitly (no globs: the same list works under node and Jest). */
export const ENTITIES = [Tenant, User, RefreshToken, ApiKey];
