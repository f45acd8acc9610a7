/**
 * The public surface of the auth module: what other modules may import from it (the other one is
 * auth.module.ts). Everything else in src/auth/ is private; see .dependency-cruiser.cjs.
 */
export type { Actor, UserActor } from './actor.js';
export { AuthService } from './auth.service.js';
export {
  AnyRole,
  ApiKeyAccess,
  CurrentActor,
  CurrentUser,
  CustomerOnly,
  Public,
  Roles,
  TenantKinds,
} from './decorators.js';
export { TokenPairDto } from './dto/auth.dto.js';
export { LoginThrottle } from './login-throttle.js';
export { hashPassword, verifyPassword } from './passwords.js';
export { type TokenPair, TokenService } from './tokens.service.js';
