import {
  applyDecorators,
  createParamDecorator,
  type ExecutionContext,
  SetMetadata,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiSecurity,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { ProblemDto } from '../common/problem.dto.js';
import { AppError } from '../common/errors.js';
import { ROLES, type Role, type TenantKind } from '../tenancy/index.js';
import type { Actor, UserActor } from './actor.js';

export const PUBLIC_KEY = 'lockdesk:public';
export const ROLES_KEY = 'lockdesk:roles';
export const API_KEY_KEY = 'lockdesk:api-key';
export const TENANT_KINDS_KEY = 'lockdesk:tenant-kinds';
export const ADDRESS_RATE_LIMIT_KEY = 'lockdesk:address-rate-limit';

/** No authentication. Every other route is guarded; a test enforces one or the other. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_KEY, true);

/**
 * A public route limited per client address (RATE_LIMIT_PUBLIC_PER_ADDRESS
 * per RATE_LIMIT_WINDOW_SECONDS): 429 problem+json with Retry-After over it.
 */
export const AddressRateLimit = (): MethodDecorator & ClassDecorator =>
  applyDecorators(
    SetMetadata(ADDRESS_RATE_LIMIT_KEY, true),
    ApiTooManyRequestsResponse({
      type: ProblemDto,
      description: 'Rate limited (Retry-After)',
    }),
  );

/** People with one of these roles (Bearer JWT). */
export const Roles = (...roles: Role[]): MethodDecorator & ClassDecorator =>
  applyDecorators(
    SetMetadata(ROLES_KEY, roles),
    ApiBearerAuth('bearer'),
    ApiUnauthorizedResponse({ type: ProblemDto, description: 'Missing, invalid or expired token' }),
    ApiForbiddenResponse({ type: ProblemDto, description: `Requires role: ${roles.join(' or ')}` }),
    ApiTooManyRequestsResponse({
      type: ProblemDto,
      description: 'Over the tenant or API-key rate limit (Retry-After)',
    }),
  );

/** Only callers from these kinds of tenant (customer routes are closed to partner tenants). */
export const TenantKinds = (...kinds: TenantKind[]): MethodDecorator & ClassDecorator =>
  SetMetadata(TENANT_KINDS_KEY, kinds);

/** Routes of the customer's desk and fleet: partner tenants get 403. */
export const CustomerOnly = (): MethodDecorator & ClassDecorator => TenantKinds('customer');

/** Any signed-in person, whatever their role. */
export const AnyRole = (): MethodDecorator & ClassDecorator => Roles(...ROLES);

/** Also accepts a tenant API key (`X-Api-Key`) for machine clients. */
export const ApiKeyAccess = (): MethodDecorator & ClassDecorator =>
  applyDecorators(SetMetadata(API_KEY_KEY, true), ApiSecurity('apiKey'));

export const CurrentActor = createParamDecorator((_: unknown, ctx: ExecutionContext): Actor => {
  const actor = ctx.switchToHttp().getRequest<{ actor?: Actor }>().actor;
  if (!actor) throw new Error('CurrentActor used on a route without authentication');
  return actor;
});

/** The calling person; a machine (API key) on a person-only route is refused. */
export const CurrentUser = createParamDecorator((_: unknown, ctx: ExecutionContext): UserActor => {
  const actor = ctx.switchToHttp().getRequest<{ actor?: Actor }>().actor;
  if (!actor) throw new Error('CurrentUser used on a route without authentication');
  if (actor.type !== 'user')
    throw new AppError('forbidden', 'This route is for people, not API keys.');
  return actor;
});
