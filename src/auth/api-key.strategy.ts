import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import passport from 'passport';
import { HeaderAPIKeyStrategy } from 'passport-headerapikey';
import { AppError } from '../common/errors.js';
import { TenantDb } from '../database/tenant-db.service.js';
import { findOwnTenant } from '../tenancy/index.js';
import type { ApiKeyActor } from './actor.js';
import { ApiKeyUsage } from './api-key-usage.js';
import { findApiKeyByHash } from './api-keys.repository.js';
import { AuthCache, type CachedApiKey } from './auth-cache.js';
import { hashSecret } from './secrets.js';

type Request = Parameters<HeaderAPIKeyStrategy['authenticate']>[0];

/**
 * Machines: `X-Api-Key: <key>`, found by its hash (the key is stored only
 * hashed), scoped to its tenant; a revoked key or a gone tenant is refused.
 * Which routes take a key is the guard's business (@ApiKeyAccess). A key seen recently is
 * answered from AuthCache (no database round trip; revocation is forgotten at once, see there);
 * its use is recorded by ApiKeyUsage, off the request's path.
 */
@Injectable()
export class ApiKeyStrategy extends PassportStrategy(HeaderAPIKeyStrategy, 'api-key') {
  constructor(
    private readonly db: TenantDb,
    private readonly cache: AuthCache,
    private readonly usage: ApiKeyUsage,
  ) {
    super({ header: 'X-Api-Key', prefix: '' }, false);
  }

  /** Registered on the app's own authenticator (see passport.ts), not on passport's process-wide one. */
  getPassportInstance(): passport.Authenticator {
    return new passport.Passport();
  }

  /** A request with an Authorization header is a person's: its key is not looked at. */
  override authenticate(req: Request, options?: object): void {
    if (req.headers.authorization) {
      this.fail({ message: 'Authorization header present' }, 401);
      return;
    }
    super.authenticate(req, options);
  }

  async validate(key: string): Promise<ApiKeyActor> {
    if (key.length > 200) throw new AppError('invalid_api_key');
    const keyHash = hashSecret(key);
    const found = this.cache.apiKey(keyHash) ?? (await this.lookup(keyHash));
    if (!found) throw new AppError('invalid_api_key');
    const now = Date.now();
    if (ApiKeyUsage.due(found.lastUsedAt, now)) {
      found.lastUsedAt = now;
      this.usage.mark(found.tenantId, found.apiKeyId, new Date(now));
    }
    return {
      type: 'api_key',
      tenantId: found.tenantId,
      tenantKind: found.tenantKind,
      apiKeyId: found.apiKeyId,
    };
  }

  /** The live key with this hash and its tenant, from the database; cached when it may be. */
  private async lookup(keyHash: string): Promise<CachedApiKey | undefined> {
    const ticket = this.cache.ticket();
    const found = await this.db.lookupTransaction('app.secret_hash', keyHash, async (em, enter) => {
      const row = await findApiKeyByHash(em, keyHash);
      if (!row || row.revoked_at !== null) return undefined;
      // From here the lookup transaction is the key's tenant's (row-level security scopes it).
      const tenant = await findOwnTenant(await enter(row.tenant_id));
      if (!tenant) return undefined;
      return {
        tenantId: row.tenant_id,
        tenantKind: tenant.kind,
        apiKeyId: row.id,
        lastUsedAt: row.last_used_at?.getTime() ?? null,
      };
    });
    if (found) this.cache.putApiKey(ticket, keyHash, found);
    return found;
  }
}
