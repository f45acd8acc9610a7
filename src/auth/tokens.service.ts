import { createSecretKey, type KeyObject } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { uuidv7 } from '../common/ids.js';
import { APP_CONFIG, type ResolvedConfig } from '../config/config.provider.js';
import type { Role } from '../tenancy/index.js';
import type { TenantTx } from '../database/tenant-db.service.js';
import { insertRefreshToken } from './refresh-tokens.repository.js';
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

@Injectable()
export class TokenService {
  static readonly ISSUER = 'lockdesk';
  static readonly AUDIENCE = 'lockdesk-api';

  /**
   * The HS256 key, made once: given the secret as a string, jsonwebtoken
   * would build a key object on every sign and verify. JwtStrategy verifies
   * access tokens with it.
   */
  readonly key: KeyObject;
  private readonly jwt = new JwtService();

  constructor(@Inject(APP_CONFIG) private readonly config: ResolvedConfig) {
    this.key = createSecretKey(Buffer.from(config.jwtSecret, 'utf8'));
  }

  /**
   * A new access token for a person of `tx`'s tenant and a refresh token stored (hashed) in
   * `tx`. A rotation passes the family it continues.
   */
  async issue(
    tx: TenantTx,
    user: { id: string; role: Role; tokenVersion?: number },
    options: { familyId?: string } = {},
  ): Promise<TokenPair> {
    const refresh = newSecret('ldr');
    await insertRefreshToken(tx, {
      id: uuidv7(),
      userId: user.id,
      familyId: options.familyId ?? uuidv7(),
      tokenHash: refresh.hash,
      expiresAt: new Date(Date.now() + this.config.refreshTokenTtlSeconds * 1000),
    });
    const accessToken = await this.jwt.signAsync(
      {
        sub: user.id,
        tid: tx.tenantId,
        role: user.role,
        typ: 'access',
        ver: user.tokenVersion ?? 0,
      },
      {
        privateKey: this.key,
        algorithm: 'HS256',
        issuer: TokenService.ISSUER,
        audience: TokenService.AUDIENCE,
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
