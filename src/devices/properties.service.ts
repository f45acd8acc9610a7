import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { UserActor } from '../auth/actor.js';
import { AppError, notFound } from '../common/errors.js';
import type { IdempotencyScope } from '../common/idempotency/idempotency.service.js';
import { uuidv7 } from '../common/ids.js';
import { decodeCursor, type Page, pageLimit, toPage } from '../common/pagination.js';
import { likeLiteral } from '../database/like.js';
import { isForeignKeyViolation } from '../database/pg-errors.js';
import { TenantDb } from '../database/tenant-db.service.js';
import type {
  AddressDto,
  CreatePropertyDto,
  ListPropertiesQueryDto,
  PropertyView,
  UpdatePropertyDto,
} from './dto/properties.dto.js';

interface PropertyRow {
  id: string;
  name: string;
  address: AddressDto;
  units: string[];
  time_zone: string;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'id, name, address, units, time_zone, created_at, updated_at';

function view(r: PropertyRow): PropertyView {
  return {
    id: r.id,
    name: r.name,
    address: r.address,
    units: r.units,
    timeZone: r.time_zone,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

function uniqueUnits(units: string[] | undefined): string[] {
  return [...new Set((units ?? []).map((u) => u.trim()))];
}

@Injectable()
export class PropertiesService {
  constructor(private readonly db: TenantDb) {}

  create(actor: UserActor, dto: CreatePropertyDto, idem?: IdempotencyScope): Promise<PropertyView> {
    return this.db.tenantTransaction(actor.tenantId, async ({ em }) => {
      const [row] = await em.query<PropertyRow[]>(
        `INSERT INTO properties (tenant_id, id, name, address, units, time_zone)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
        [
          actor.tenantId,
          uuidv7(),
          dto.name,
          JSON.stringify(dto.address),
          uniqueUnits(dto.units),
          dto.timeZone,
        ],
      );
      const out = view(row);
      await idem?.complete(em, out);
      return out;
    });
  }

  list(actor: UserActor, q: ListPropertiesQueryDto): Promise<Page<PropertyView>> {
    const limit = pageLimit(q);
    const after = q.cursor ? (decodeCursor(q.cursor, ['uuid'])[0] as string) : null;
    return this.db.tenantTransaction(actor.tenantId, async ({ em }) => {
      const rows = await em.query<PropertyRow[]>(
        `SELECT ${COLUMNS} FROM properties
          WHERE ($1::uuid IS NULL OR id > $1)
            AND ($2::text IS NULL OR name ILIKE '%' || ${likeLiteral('$2')} || '%')
          ORDER BY id LIMIT $3`,
        [after, q.q ?? null, limit + 1],
      );
      return toPage(rows, limit, (r) => [r.id], view);
    });
  }

  get(actor: UserActor, id: string): Promise<PropertyView> {
    return this.db.tenantTransaction(actor.tenantId, async ({ em }) =>
      view(await this.find(em, id)),
    );
  }

  update(actor: UserActor, id: string, dto: UpdatePropertyDto): Promise<PropertyView> {
    return this.db.tenantTransaction(actor.tenantId, async ({ em }) => {
      const current = await this.find(em, id, true);
      await em.query(
        `UPDATE properties SET name = $2, address = $3, units = $4, time_zone = $5, updated_at = now() WHERE id = $1`,
        [
          id,
          dto.name ?? current.name,
          JSON.stringify(dto.address ?? current.address),
          dto.units ? uniqueUnits(dto.units) : current.units,
          dto.timeZone ?? current.time_zone,
        ],
      );
      return view(await this.find(em, id));
    });
  }

  remove(actor: UserActor, id: string): Promise<void> {
    return this.db
      .tenantTransaction(actor.tenantId, async ({ em }) => {
        await this.find(em, id);
        await em.query(`DELETE FROM properties WHERE id = $1`, [id]);
      })
      .catch((err: unknown) => {
        if (isForeignKeyViolation(err)) throw new AppError('property_in_use');
        throw err;
      });
  }

  private async find(em: EntityManager, id: string, lock = false): Promise<PropertyRow> {
    const [row] = await em.query<PropertyRow[]>(
      `SELECT ${COLUMNS} FROM properties WHERE id = $1 ${lock ? 'FOR UPDATE' : ''}`,
      [id],
    );
    if (!row) throw notFound('Property');
    return row;
  }
}
