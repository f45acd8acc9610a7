import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type passport from 'passport';
import { AppError } from '../common/errors.js';
import type { Role, TenantKind } from '../tenancy/index.js';
import type { Actor } from './actor.js';
import {
  ADDRESS_RATE_LIMIT_KEY,
  API_KEY_KEY,
  PUBLIC_KEY,
  ROLES_KEY,
  TENANT_KINDS_KEY,
} from './decorators.js';
import { bearerToken } from './jwt.strategy.js';
import { authenticate, AUTHENTICATOR } from './passport.js';
import { RateLimits } from './rate-limits.js';

/**
 * The global guard: every route is closed unless marked @Public(). People
 * authenticate with a Bearer JWT and need one of the route's @Roles();
 * machines use X-Api-Key, only where a route says @ApiKeyAccess(). The
 * passport strategies (JwtStrategy, ApiKeyStrategy) verify the credentials
 * and find the caller; this guard keeps the route rules and answers every
 * refusal as problem+json. Once the caller is known, the general rate limits
 * apply (per tenant, per API key; per client address on public routes marked
 * @AddressRateLimit()).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly limits: RateLimits,
    @Inject(AUTHENTICATOR) private readonly authenticator: passport.Authenticator,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    const request = context.switchToHttp().getRequest<FastifyRequest & { actor?: Actor }>();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) {
      if (this.reflector.getAllAndOverride<boolean>(ADDRESS_RATE_LIMIT_KEY, targets))
        await this.limits.forAddress(request, reply);
      return true;
    }
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
    const allowsApiKey = this.reflector.getAllAndOverride<boolean>(API_KEY_KEY, targets) ?? false;
    const kinds = this.reflector.getAllAndOverride<TenantKind[] | undefined>(
      TENANT_KINDS_KEY,
      targets,
    );

    // A key is used only without an Authorization header (as the API-key strategy does);
    // on a route that does not take keys it is refused before any lookup.
    const apiKey = request.headers['x-api-key'];
    if (
      typeof apiKey === 'string' &&
      apiKey.length > 0 &&
      !request.headers.authorization &&
      !allowsApiKey
    ) {
      throw new AppError('forbidden', 'This route does not accept API keys.');
    }

    const actor = await authenticate(this.authenticator, request, reply);
    if (!actor) {
      // No strategy accepted the request and none threw: a bearer token that
      // jsonwebtoken refused (signature, alg, expiry, issuer, audience), or no credentials.
      if (bearerToken(request) !== null) throw new AppError('invalid_token');
      throw new AppError('unauthenticated', 'Send Authorization: Bearer <access token>.', {
        headers: { 'www-authenticate': 'Bearer' },
      });
    }
    request.actor = actor;
    await this.limits.forActor(request, reply, actor);
    // A route with no access rule is a bug: closed to everyone rather than open.
    // (API keys reach only @ApiKeyAccess routes, checked above; roles are for people.)
    if (actor.type === 'user' && (!roles || !roles.includes(actor.role))) {
      throw new AppError(
        'forbidden',
        roles ? `Requires role: ${roles.join(' or ')}.` : 'No access rule.',
      );
    }
    this.checkKind(actor, kinds);
    return true;
  }

  private checkKind(actor: Actor, kinds: TenantKind[] | undefined): void {
    if (kinds && !kinds.includes(actor.tenantKind)) {
      throw new AppError('forbidden', `This route is for ${kinds.join(' or ')} tenants.`);
    }
  }
}
