/** The tenant's properties (buildings with units, where locks are installed). */
import type { TenantTx } from '../database/tenant-db.service.js';
import { likeLiteral } from '../database/like.js';
import { type RowOf, table } from '../database/table.js';
import type { AddressDto } from './dto/properties.dto.js';

export const PROPERTIES = table('properties', {
  tenant_id: 'uuid',
  id: 'uuid',
  name: 'text',
  address: 'jsonb',
  units: '_text',
  time_zone: 'text',
  created_at: 'timestamptz',
  updated_at: 'timestamptz',
  access_notes: 'text?',
  contact_name: 'text?',
  contact_phone: 'text?',
});

export type PropertyRow = Omit<RowOf<typeof PROPERTIES>, 'tenant_id' | 'address'> & {
  address: AddressDto;
};

/** What a device row names a property by. */
export type PropertyRef = Pick<PropertyRow, 'id' | 'name' | 'units'>;

export interface PropertyFields {
  name: string;
  address: AddressDto;
  units: string[];
  timeZone: string;
  accessNotes: string | null;
  contact: { name: string; phone: string } | null;
}

const COLUMNS =
  'id, name, address, units, time_zone, access_notes, contact_name, contact_phone, created_at, updated_at';

/** A new property of `tx`'s tenant, as stored. */
export async function insertProperty(
  tx: TenantTx,
  id: string,
  f: PropertyFields,
): Promise<PropertyRow> {
  const [row] = await tx.em.query<[PropertyRow]>(
    `INSERT INTO properties (tenant_id, id, name, address, units, time_zone, access_notes, contact_name, contact_phone)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ${COLUMNS}`,
    [
      tx.tenantId,
      id,
      f.name,
      JSON.stringify(f.address),
      f.units,
      f.timeZone,
      f.accessNotes,
      f.contact?.name ?? null,
      f.contact?.phone ?? null,
    ],
  );
  return row;
}

/** A property as lists show it: how many units, not the units (a property may list 5,000). */
export type PropertyListRow = Omit<
  PropertyRow,
  'units' | 'access_notes' | 'contact_name' | 'contact_phone'
> & { unit_count: number };

/** A page in id order, after a cursor id, optionally whose name contains `text`. */
export function listProperties(
  tx: TenantTx,
  q: { after?: string; text?: string; limit: number },
): Promise<PropertyListRow[]> {
  return tx.em.query<PropertyListRow[]>(
    `SELECT id, name, address, cardinality(units) AS unit_count, time_zone, created_at, updated_at
       FROM properties
      WHERE ($1::uuid IS NULL OR id > $1)
        AND ($2::text IS NULL OR name ILIKE '%' || ${likeLiteral('$2')} || '%')
      ORDER BY id LIMIT $3`,
    [q.after ?? null, q.text ?? null, q.limit],
  );
}

/** One property, optionally locked for update. */
export async function findProperty(
  tx: TenantTx,
  id: string,
  options: { lock?: boolean } = {},
): Promise<PropertyRow | undefined> {
  const [row] = await tx.em.query<PropertyRow[]>(
    `SELECT ${COLUMNS} FROM properties WHERE id = $1 ${options.lock ? 'FOR UPDATE' : ''}`,
    [id],
  );
  return row;
}

/** Replaces every field of a property. */
export async function updateProperty(tx: TenantTx, id: string, f: PropertyFields): Promise<void> {
  await tx.em.query(
    `UPDATE properties SET name = $2, address = $3, units = $4, time_zone = $5, access_notes = $6,
            contact_name = $7, contact_phone = $8, updated_at = now()
      WHERE id = $1`,
    [
      id,
      f.name,
      JSON.stringify(f.address),
      f.units,
      f.timeZone,
      f.accessNotes,
      f.contact?.name ?? null,
      f.contact?.phone ?? null,
    ],
  );
}

/** Removes a property (a foreign-key violation while devices are installed there). */
export async function deleteProperty(tx: TenantTx, id: string): Promise<void> {
  await tx.em.query(`DELETE FROM properties WHERE id = $1`, [id]);
}

/** The properties a batch of device rows may name: these ids, or every property when none given. */
export function propertyRefs(
  tx: TenantTx,
  options: { ids?: readonly string[] } = {},
): Promise<PropertyRef[]> {
  return options.ids
    ? tx.em.query<PropertyRef[]>(
        `SELECT id, name, units FROM properties WHERE id = ANY($1::uuid[])`,
        [options.ids],
      )
    : tx.em.query<PropertyRef[]>(`SELECT id, name, units FROM properties`);
}
