import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import passport from 'passport';
import { HeaderAPIKeyStrategy } from 'passport-headerapikey';
import { AppError } from '../common/errors.js';
import { TenantDb } from '../database/tenant-db.service.js';
import { findOwnTenant } from '../tenancy/index.js';
import type { ApiKeyActor } from './actor.js';
import { findApiKeyByHash, touchApiKey } from './api-keys.repository.js';
import { hashSecret } from './secrets.js';

type Request = Parameters<HeaderAPIKeyStrategy['authenticate']>[0];

/**
 * Machines: `X-Api-Key: <key>`, found by its hash (the key is stored only
 * hashed), scoped to its tenant; a revoked key or a gone tenant is refused.
 * Which routes take a key is the guard's business (@ApiKeyAccess).
 */
@Injectable()
export class ApiKeyStrategy extends PassportStrategy(HeaderAPIKeyStrategy, 'api-key') {
  constructor(private readonly db: TenantDb) {
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
    const actor = await this.db.lookupTransaction('app.secret_hash', keyHash, async (em, enter) => {
      const found = await findApiKeyByHash(em, keyHash);
      if (!found || found.revoked_at !== null) return undefined;
      // From here the lookup transaction is the key's tenant's (row-level security scopes it).
      const tx = await enter(found.tenant_id);
      const tenant = await findOwnTenant(tx);
      if (!tenant) return undefined;
      await touchApiKey(tx, found.id);
      return {
        type: 'api_key',
        tenantId: found.tenant_id,
        tenantKind: tenant.kind,
        apiKeyId: found.id,
      } as const;
    });
    if (!actor) throw new AppError('invalid_api_key');
    return actor;
  }
}
