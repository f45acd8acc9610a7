import { Injectable } from '@nestjs/common';
import { uuidv7 } from '../common/ids.js';
import { notFound } from '../common/errors.js';
import {
  decodeCursor,
  type Page,
  pageLimit,
  type PageQueryDto,
  toPage,
} from '../common/pagination.js';
import { TenantDb } from '../database/tenant-db.service.js';
import type { UserActor } from './actor.js';
import { AuthCache } from './auth-cache.js';
import { type ApiKeyRow, insertApiKey, listApiKeys, revokeApiKey } from './api-keys.repository.js';
import type { ApiKeyView, CreateApiKeyDto, CreatedApiKeyDto } from './dto/api-keys.dto.js';
import { newSecret } from './secrets.js';

function apiKeyView(k: ApiKeyRow): ApiKeyView {
  return {
    id: k.id,
    name: k.name,
    prefix: k.key_prefix,
    createdAt: k.created_at.toISOString(),
    lastUsedAt: k.last_used_at?.toISOString() ?? null,
  };
}

@Injectable()
export class ApiKeysService {
  constructor(
    private readonly db: TenantDb,
    private readonly cache: AuthCache,
  ) {}

  create(actor: UserActor, dto: CreateApiKeyDto): Promise<CreatedApiKeyDto> {
    const { secret, hash } = newSecret('ldk');
    return this.db.tenantTransaction(actor.tenantId, async (tx) => {
      const key = await insertApiKey(tx, {
        id: uuidv7(),
        name: dto.name,
        keyPrefix: secret.slice(0, 8),
        keyHash: hash,
        createdBy: actor.userId,
      });
      return { ...apiKeyView(key), key: secret };
    });
  }

  list(actor: UserActor, q: PageQueryDto): Promise<Page<ApiKeyView>> {
    const limit = pageLimit(q);
    const after = q.cursor ? (decodeCursor(q.cursor, ['uuid'])[0] as string) : undefined;
    return this.db.tenantTransaction(actor.tenantId, async (tx) =>
      toPage(await listApiKeys(tx, { after, limit: limit + 1 }), limit, (k) => [k.id], apiKeyView),
    );
  }

  /**
   * Revocation is immediate: the next request with the key is 401, here (the cache forgets it
   * after the commit, before this answers) and on other instances as soon as the api_keys
   * trigger's NOTIFY reaches them.
   */
  revoke(actor: UserActor, id: string): Promise<void> {
    return this.db
      .tenantTransaction(actor.tenantId, async (tx) => {
        if (!(await revokeApiKey(tx, id))) throw notFound('API key');
      })
      .finally(() => this.cache.forgetApiKey(id));
  }
}
