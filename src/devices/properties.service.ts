import { Injectable } from '@nestjs/common';
import type { UserActor } from '../auth/index.js';
import { AppError, notFound } from '../common/errors.js';
import type { IdempotencyScope } from '../common/idempotency/idempotency.service.js';
import { uuidv7 } from '../common/ids.js';
import { decodeCursor, type Page, pageLimit, toPage } from '../common/pagination.js';
import { isForeignKeyViolation } from '../database/pg-errors.js';
import { TenantDb, type TenantTx } from '../database/tenant-db.service.js';
import type {
  CreatePropertyDto,
  ListPropertiesQueryDto,
  PropertyListItem,
  PropertyView,
  UpdatePropertyDto,
} from './dto/properties.dto.js';
import {
  deleteProperty,
  findProperty,
  insertProperty,
  listProperties,
  type PropertyListRow,
  type PropertyRow,
  updateProperty,
} from './properties.repository.js';

function view(r: PropertyRow): PropertyView {
  return {
    id: r.id,
    name: r.name,
    address: r.address,
    units: r.units,
    timeZone: r.time_zone,
    accessNotes: r.access_notes,
    contact:
      r.contact_name !== null && r.contact_phone !== null
        ? { name: r.contact_name, phone: r.contact_phone }
        : null,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

function listItem(r: PropertyListRow): PropertyListItem {
  return {
    id: r.id,
    name: r.name,
    address: r.address,
    unitCount: r.unit_count,
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
    return this.db.tenantTransaction(actor.tenantId, async (tx) => {
      const row = await insertProperty(tx, uuidv7(), {
        name: dto.name,
        address: dto.address,
        units: uniqueUnits(dto.units),
        timeZone: dto.timeZone,
        accessNotes: dto.accessNotes ?? null,
        contact: dto.contact ?? null,
      });
      const out = view(row);
      await idem?.complete(tx, out);
      return out;
    });
  }

  list(actor: UserActor, q: ListPropertiesQueryDto): Promise<Page<PropertyListItem>> {
    const limit = pageLimit(q);
    const after = q.cursor ? (decodeCursor(q.cursor, ['uuid'])[0] as string) : undefined;
    return this.db.tenantTransaction(actor.tenantId, async (tx) => {
      const rows = await listProperties(tx, { after, text: q.q, limit: limit + 1 });
      return toPage(rows, limit, (r) => [r.id], listItem);
    });
  }

  get(actor: UserActor, id: string): Promise<PropertyView> {
    return this.db.tenantTransaction(actor.tenantId, async (tx) => view(await this.find(tx, id)));
  }

  update(actor: UserActor, id: string, dto: UpdatePropertyDto): Promise<PropertyView> {
    return this.db.tenantTransaction(actor.tenantId, async (tx) => {
      const current = await this.find(tx, id, { lock: true });
      await updateProperty(tx, id, {
        name: dto.name ?? current.name,
        address: dto.address ?? current.address,
        units: dto.units ? uniqueUnits(dto.units) : current.units,
        timeZone: dto.timeZone ?? current.time_zone,
        // null clears; left out keeps
        accessNotes: dto.accessNotes === undefined ? current.access_notes : dto.accessNotes,
        contact:
          dto.contact === undefined
            ? current.contact_name !== null && current.contact_phone !== null
              ? { name: current.contact_name, phone: current.contact_phone }
              : null
            : dto.contact,
      });
      return view(await this.find(tx, id));
    });
  }

  remove(actor: UserActor, id: string): Promise<void> {
    return this.db
      .tenantTransaction(actor.tenantId, async (tx) => {
        await this.find(tx, id);
        await deleteProperty(tx, id);
      })
      .catch((err: unknown) => {
        if (isForeignKeyViolation(err)) throw new AppError('property_in_use');
        throw err;
      });
  }

  private async find(
    tx: TenantTx,
    id: string,
    options: { lock?: boolean } = {},
  ): Promise<PropertyRow> {
    const row = await findProperty(tx, id, options);
    if (!row) throw notFound('Property');
    return row;
  }
}
