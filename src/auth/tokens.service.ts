import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import type { EntityManager } from 'typeorm';
import { AppError } from '../common/errors.js';
import { UUID_PATTERN, uuidv7 } from '../common/ids.js';
import { APP_CONFIG, type ResolvedConfig } from '../config/config.provider.js';
import type { Role } from '../tenancy/user.entity.js';
import { RefreshToken } from './refresh-token.entity.js';
import { newSecret } from './secrets.js';

export interface AccessClaims {
  sub: string;
  tid: string;
  role: Role;
  typ: 'access';
  iat: number;
  exp: number;
  /** The person's token version when issued; a password change bumps it (absent in tokens from before it existed: 0). */
  ver?: number;
}

export interface TokenPair {
  tokenType: 'Bearer';
  accessToken: string;
  expiresIn: number;
  refreshToken: string;
}

const ISSUER = 'lockdesk';
const AUDIENCE = 'lockdesk-api';

@Injectable()
export class TokenService {
  private readonly jwt = new JwtService();

  constructor(@Inject(APP_CONFIG) private readonly config: ResolvedConfig) {}

  async verifyAccess(token: string): Promise<AccessClaims> {
    try {
      const claims = await this.jwt.verifyAsync<AccessClaims>(token, {
        secret: this.config.jwtSecret,
        algorithms: ['HS256'],
        issuer: ISSUER,
        audience: AUDIENCE,
      });
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
        throw new Error('malformed claims');
      }
      return claims;
    } catch {
      throw new AppError('invalid_token');
    }
  }

  /**
   * A new access token and a refresh token stored (hashed) in `em`'s
   * transaction. A rotation passes the family it continues.
   */
  async issue(
    em: EntityManager,
    user: { tenantId: string; id: string; role: Role; tokenVersion?: number },
    familyId: string = uuidv7(),
  ): Promise<TokenPair> {
    const refresh = newSecret('ldr');
    await em.insert(RefreshToken, {
      tenantId: user.tenantId,
      id: uuidv7(),
      userId: user.id,
      familyId,
      tokenHash: refresh.hash,
      expiresAt: new Date(Date.now() + this.config.refreshTokenTtlSeconds * 1000),
    });
    const accessToken = await this.jwt.signAsync(
      {
        sub: user.id,
        tid: user.tenantId,
        role: user.role,
        typ: 'access',
        ver: user.tokenVersion ?? 0,
      },
      {
        secret: this.config.jwtSecret,
        algorithm: 'HS256',
        issuer: ISSUER,
        audience: AUDIENCE,
        expiresIn: this.config.accessTokenTtlSeconds,
        jwtid: uuidv7(),
      },
    );
    return {
      tokenType: 'Bearer',
      accessToken,
      expiresIn: this.config.accessTokenTtlSeconds,
      refreshToken: refresh.secret,
    };
  }
}
