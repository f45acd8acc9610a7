import { Injectable } from '@nestjs/common';
import { AppError } from '../common/errors.js';
import { uuidv7 } from '../common/ids.js';
import { isUniqueViolation } from '../database/pg-errors.js';
import { TenantDb, type TenantTx } from '../database/tenant-db.service.js';
import { insertTenant } from '../tenancy/index.js';
import { findLoginUser, findUserAnyState, insertUser } from '../tenancy/index.js';
import { tenantView, userView } from '../tenancy/index.js';
import { AuthCache } from './auth-cache.js';
import type { LoginDto, SignupDto, SignupResponseDto } from './dto/auth.dto.js';
import { LoginThrottle } from './login-throttle.js';
import { burnPasswordCheck, hashPassword, verifyPassword } from './passwords.js';
import {
  findRefreshTokenByHash,
  lockRefreshToken,
  markRefreshTokenUsed,
  revokeRefreshTokenFamily,
  revokeUserRefreshTokens,
} from './refresh-tokens.repository.js';
import { hashSecret } from './secrets.js';
import { TokenService, type TokenPair } from './tokens.service.js';

/** A slug from a company name: "Harbor Property Group" -> "harbor-property-group". */
export function slugify(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/g, '');
  return slug.length >= 3 ? slug : `tenant-${slug}`.replace(/-+$/g, '');
}

@Injectable()
export class AuthService {
  constructor(
    private readonly db: TenantDb,
    private readonly tokens: TokenService,
    private readonly throttle: LoginThrottle,
    private readonly cache: AuthCache,
  ) {}

  /**
   * Runs a change to people (role, removal, password) and then, before anyone is answered,
   * makes this instance forget what it remembered of `userId`, so the very next request here
   * sees the change (other instances hear of it from the users trigger's NOTIFY).
   */
  changingUser<T>(userId: string, change: () => Promise<T>): Promise<T> {
    return change().finally(() => this.cache.forgetUser(userId));
  }

  async signup(dto: SignupDto): Promise<SignupResponseDto> {
    const passwordHash = await hashPassword(dto.password);
    const base = dto.handle ?? slugify(dto.tenantName);
    for (let attempt = 0; ; attempt++) {
      const handle =
        attempt === 0 ? base : `${base.slice(0, 44)}-${Math.random().toString(36).slice(2, 7)}`;
      const tenantId = uuidv7();
      try {
        return await this.db.tenantTransaction(tenantId, async (tx) => {
          const tenant = await insertTenant(tx, {
            name: dto.tenantName,
            kind: dto.kind ?? 'customer',
            handle,
          });
          const user = await insertUser(tx, {
            id: uuidv7(),
            email: dto.email,
            name: dto.name,
            role: 'admin',
            passwordHash,
          });
          const tokens = await this.tokens.issue(tx, {
            id: user.id,
            role: user.role,
            tokenVersion: user.token_version,
          });
          return { tenant: tenantView(tenant), user: userView(user), ...tokens };
        });
      } catch (err) {
        if (isUniqueViolation(err, 'users_email_key')) throw new AppError('email_taken');
        if (isUniqueViolation(err, 'tenants_handle_key')) {
          if (dto.handle !== undefined)
            throw new AppError('handle_taken', `The handle "${handle}" is taken.`);
          if (attempt < 5) continue;
        }
        throw err;
      }
    }
  }

  /**
   * Every attempt is reserved (counted) before the password is checked, per
   * client address and then per account, so a parallel burst cannot pass a
   * check made before the count; a right password gives the reservation back.
   */
  async login(dto: LoginDto, address: string): Promise<TokenPair> {
    await this.throttle.reserveAddress(address);
    const user = await this.db.lookupTransaction('app.login_email', dto.email, (em) =>
      findLoginUser(em, dto.email),
    );
    const account = user ? { userId: user.id } : { email: dto.email };
    await this.throttle.reserveAccount(account);
    const ok = user ? await verifyPassword(user.password_hash, dto.password) : false;
    if (!user || !ok) {
      if (!user) await burnPasswordCheck(dto.password);
      throw new AppError('invalid_credentials');
    }
    await this.throttle.succeeded(account, address);
    return this.db.tenantTransaction(user.tenant_id, (tx) =>
      this.tokens.issue(tx, { id: user.id, role: user.role, tokenVersion: user.token_version }),
    );
  }

  /**
   * Rotation: a refresh token works once and answers a new pair in the same
   * family. Presenting a used one means it leaked: the whole family is revoked.
   */
  async refresh(refreshToken: string): Promise<TokenPair> {
    const tokenHash = hashSecret(refreshToken);
    const found = await this.db.lookupTransaction('app.secret_hash', tokenHash, (em) =>
      findRefreshTokenByHash(em, tokenHash),
    );
    if (!found) throw new AppError('invalid_token');
    const outcome = await this.db.tenantTransaction(found.tenant_id, async (tx) => {
      const token = await lockRefreshToken(tx, found.id);
      if (!token) return 'invalid' as const;
      if (token.used_at !== null) {
        await revokeRefreshTokenFamily(tx, token.family_id);
        return 'reused' as const;
      }
      if (token.revoked_at !== null || token.expires_at.getTime() <= Date.now())
        return 'invalid' as const;
      const user = await findUserAnyState(tx, token.user_id);
      if (!user || user.deleted_at !== null) return 'invalid' as const;
      await markRefreshTokenUsed(tx, token.id);
      return this.tokens.issue(
        tx,
        { id: user.id, role: user.role, tokenVersion: user.token_version },
        { familyId: token.family_id },
      );
    });
    // Thrown after the commit, so the family's revocation sticks.
    if (outcome === 'reused') throw new AppError('refresh_token_reused');
    if (outcome === 'invalid') throw new AppError('invalid_token');
    return outcome;
  }

  /** Every session of a person ends (password change, removal). */
  async revokeSessions(tx: TenantTx, userId: string): Promise<void> {
    await revokeUserRefreshTokens(tx, userId);
  }
}
