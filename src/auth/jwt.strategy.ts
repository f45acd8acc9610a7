import type { IncomingHttpHeaders } from 'node:http';
import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import passport from 'passport';
import { Strategy } from 'passport-jwt';
import { AppError } from '../common/errors.js';
import { UUID_PATTERN } from '../common/ids.js';
import { TenantDb } from '../database/tenant-db.service.js';
import type { UserActor } from './actor.js';
import { AuthCache } from './auth-cache.js';
import { findTokenHolder, type TokenHolder } from './credentials.repository.js';
import { type AccessClaims, TokenService } from './tokens.service.js';

/**
 * The token of `Authorization: Bearer <token>`, or null. Stricter than
 * passport-jwt's ExtractJwt.fromAuthHeaderAsBearerToken (which takes the
 * first word of "Bearer a b"): anything but exactly one token is "no token"
 * (401 unauthenticated), not a bad token (401 invalid_token).
 */
export function bearerToken(req: { headers: IncomingHttpHeaders }): string | null {
  const header = req.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return match ? match[1]! : null;
}

/**
 * People: `Authorization: Bearer <access token>`. passport-jwt checks the
 * signature (HS256 only), issuer, audience and expiry with the KeyObject
 * TokenService made once (a string secret would make jsonwebtoken build a
 * key object on every request); validate() adds the checks jsonwebtoken does
 * not make, then reads the person as the database says now (role changes,
 * removals and password changes count at once): from AuthCache when it holds the person (a
 * change is forgotten at once, see there), else in one query.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    tokens: TokenService,
    private readonly db: TenantDb,
    private readonly cache: AuthCache,
  ) {
    super({
      jwtFromRequest: bearerToken,
      // jsonwebtoken takes a KeyObject; @types/passport-jwt only lists string | Buffer.
      secretOrKey: tokens.key as unknown as Buffer,
      algorithms: ['HS256'],
      issuer: TokenService.ISSUER,
      audience: TokenService.AUDIENCE,
    });
  }

  /** Registered on the app's own authenticator (see passport.ts), not on passport's process-wide one. */
  getPassportInstance(): passport.Authenticator {
    return new passport.Passport();
  }

  async validate(claims: AccessClaims): Promise<UserActor> {
    // jsonwebtoken accepts tokens without exp or iat; ours always carry both.
    // Ids that are not UUIDs would fail later as a server error: refuse them here.
    if (
      claims.typ !== 'access' ||
      typeof claims.sub !== 'string' ||
      !UUID_PATTERN.test(claims.sub) ||
      typeof claims.tid !== 'string' ||
      !UUID_PATTERN.test(claims.tid) ||
      !Number.isInteger(claims.iat) ||
      !Number.isInteger(claims.exp) ||
      (claims.ver !== undefined && !(Number.isInteger(claims.ver) && claims.ver >= 0))
    ) {
      throw new AppError('invalid_token');
    }
    const row = this.cache.holder(claims.tid, claims.sub) ?? (await this.lookup(claims));
    // The version catches a password change in the same second as the token's
    // issue; the time check covers tokens from before versions existed.
    if (
      !row ||
      row.tokenVersion !== (claims.ver ?? 0) ||
      Math.floor(row.passwordChangedAt.getTime() / 1000) > claims.iat
    ) {
      throw new AppError('invalid_token');
    }
    return {
      type: 'user',
      tenantId: claims.tid,
      tenantKind: row.kind,
      userId: claims.sub,
      role: row.role,
    };
  }

  private async lookup(claims: AccessClaims): Promise<TokenHolder | undefined> {
    const ticket = this.cache.ticket();
    const row = await this.db.tenantTransaction(claims.tid, (tx) =>
      findTokenHolder(tx, claims.sub),
    );
    if (row) this.cache.putHolder(ticket, claims.sub, { ...row, tenantId: claims.tid });
    return row;
  }
}
