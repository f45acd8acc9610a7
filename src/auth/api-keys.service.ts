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
import { ApiKey } from './api-key.entity.js';
import type { ApiKeyView, CreateApiKeyDto, CreatedApiKeyDto } from './dto/api-keys.dto.js';
import { newSecret } from './secrets.js';

function apiKeyView(k: ApiKey): ApiKeyView {
  return {
    id: k.id,
    name: k.name,
    prefix: k.keyPrefix,
    createdAt: k.createdAt.toISOString(),
    lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
  };
}

@Injectable()
export class ApiKeysService {
  constructor(private readonly db: TenantDb) {}

  create(actor: UserActor, dto: CreateApiKeyDto): Promise<CreatedApiKeyDto> {
    const { secret, hash } = newSecret('ldk');
    return this.db.tenantTransaction(actor.tenantId, async ({ em }) => {
      const key = em.create(ApiKey, {
        tenantId: actor.tenantId,
        id: uuidv7(),
        name: dto.name,
        keyPrefix: secret.slice(0, 8),
        keyHash: hash,
        createdBy: actor.userId,
        createdAt: new Date(),
        lastUsedAt: null,
        revokedAt: null,
      });
      await em.insert(ApiKey, key);
      return { ...apiKeyView(key), key: secret };
    });
  }

  list(actor: UserActor, q: PageQueryDto): Promise<Page<ApiKeyView>> {
    const limit = pageLimit(q);
    return this.db.tenantTransaction(actor.tenantId, async ({ em }) => {
      const qb = em
        .createQueryBuilder(ApiKey, 'k')
        .where('k.revoked_at IS NULL')
        .orderBy('k.id', 'ASC')
        .limit(limit + 1);
      if (q.cursor) qb.andWhere('k.id > :after', { after: decodeCursor(q.cursor, ['uuid'])[0] });
      return toPage(await qb.getMany(), limit, (k) => [k.id], apiKeyView);
    });
  }

  /** Revocation is immediate: the next request with the key is 401. */
  revoke(actor: UserActor, id: string): Promise<void> {
    return this.db.tenantTransaction(actor.tenantId, async ({ em }) => {
      const result = await em
        .createQueryBuilder()
        .update(ApiKey)
        .set({ revokedAt: () => 'now()' })
        .where('id = :id AND revoked_at IS NULL', { id })
        .execute();
      if (!result.affected) throw notFound('API key');
    });
  }
}
