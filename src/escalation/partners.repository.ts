/**
 * The SQL of a customer's partners: the links (`partner_links`, the customer's rows, which
 * row-level security also needs before a partner sees any of the customer's escalations) and each
 * partner company's profile (`partner_profiles`, its own row, readable by every tenant for
 * routing). Inserts write `tenant_id` from `tx`.
 */
import { likeLiteral } from '../database/like.js';
import { type RowOf, table } from '../database/table.js';
import type { TenantTx } from '../database/tenant-db.service.js';
import type { Target } from './dto/escalations.dto.js';

export const PARTNER_LINKS = table('partner_links', {
  tenant_id: 'uuid',
  partner_tenant_id: 'uuid',
  kind: 'text',
  created_at: 'timestamptz',
});

export const PARTNER_PROFILES = table('partner_profiles', {
  tenant_id: 'uuid',
  postal_codes: '_text',
  cities: '_text',
  manufacturers: '_text',
  capacity: 'int4',
  emergency: 'bool',
  updated_at: 'timestamptz',
});

export type ProfileRow = Pick<
  RowOf<typeof PARTNER_PROFILES>,
  'postal_codes' | 'cities' | 'manufacturers' | 'capacity' | 'emergency'
>;

/** A link of `tx`'s tenant with its partner's profile (null when the partner has none yet). */
export type LinkRow = { partner_tenant_id: string; kind: Target; created_at: Date } & {
  profile: ProfileRow | null;
};

/** Links `tx`'s tenant to a partner; linking twice changes nothing. */
export async function insertLink(
  tx: TenantTx,
  link: { partnerTenantId: string; kind: Target },
): Promise<void> {
  await tx.em.query(
    `INSERT INTO partner_links (tenant_id, partner_tenant_id, kind) VALUES ($1, $2, $3)
     ON CONFLICT (tenant_id, partner_tenant_id) DO NOTHING`,
    [tx.tenantId, link.partnerTenantId, link.kind],
  );
}

/** Ends a link of `tx`'s tenant; false when there was none. */
export async function deleteLink(tx: TenantTx, partnerTenantId: string): Promise<boolean> {
  const [, count] = await tx.em.query<[unknown[], number]>(
    `DELETE FROM partner_links WHERE partner_tenant_id = $1`,
    [partnerTenantId],
  );
  return count > 0;
}

/** `tx`'s tenant's links (or the one with `partnerId`), oldest first, with the partners' profiles. */
/** Links (one, or a page ordered by partner id after `after`). */
export async function listLinks(
  tx: TenantTx,
  partnerId: string | null,
  page: { after: string | null; limit: number } = { after: null, limit: 1 },
): Promise<LinkRow[]> {
  const rows = await tx.em.query<
    (ProfileRow & {
      partner_tenant_id: string;
      kind: Target;
      created_at: Date;
      has_profile: boolean;
    })[]
  >(
    `SELECT l.partner_tenant_id, l.kind, l.created_at, p.tenant_id IS NOT NULL AS has_profile,
            p.postal_codes, p.cities, p.manufacturers, p.capacity, p.emergency
       FROM partner_links l
       LEFT JOIN partner_profiles p ON p.tenant_id = l.partner_tenant_id
      WHERE ($1::uuid IS NULL OR l.partner_tenant_id = $1)
        AND ($2::uuid IS NULL OR l.partner_tenant_id > $2)
      ORDER BY l.partner_tenant_id LIMIT $3`,
    [partnerId, page.after, page.limit],
  );
  return rows.map((r) => ({
    partner_tenant_id: r.partner_tenant_id,
    kind: r.kind,
    created_at: r.created_at,
    profile: r.has_profile
      ? {
          postal_codes: r.postal_codes,
          cities: r.cities,
          manufacturers: r.manufacturers,
          capacity: r.capacity,
          emergency: r.emergency,
        }
      : null,
  }));
}

/** `tx`'s tenant's own profile, if it has set one. */
export async function findOwnProfile(tx: TenantTx): Promise<ProfileRow | undefined> {
  const [row] = await tx.em.query<ProfileRow[]>(
    `SELECT postal_codes, cities, manufacturers, capacity, emergency FROM partner_profiles WHERE tenant_id = $1`,
    [tx.tenantId],
  );
  return row;
}

/** Sets `tx`'s tenant's profile; fields left out (null) keep their values (or the defaults). */
export async function upsertOwnProfile(
  tx: TenantTx,
  p: { [K in keyof ProfileRow]: ProfileRow[K] | null },
): Promise<ProfileRow> {
  const [row] = await tx.em.query<[ProfileRow]>(
    `INSERT INTO partner_profiles (tenant_id, postal_codes, cities, manufacturers, capacity, emergency)
     VALUES ($1, coalesce($2::text[], '{}'), coalesce($3::text[], '{}'), coalesce($4::text[], '{}'), coalesce($5::int, 10), coalesce($6::boolean, false))
     ON CONFLICT (tenant_id) DO UPDATE SET
       postal_codes = coalesce($2::text[], partner_profiles.postal_codes), cities = coalesce($3::text[], partner_profiles.cities),
       manufacturers = coalesce($4::text[], partner_profiles.manufacturers), capacity = coalesce($5::int, partner_profiles.capacity),
       emergency = coalesce($6::boolean, partner_profiles.emergency), updated_at = now()
     RETURNING postal_codes, cities, manufacturers, capacity, emergency`,
    [tx.tenantId, p.postal_codes, p.cities, p.manufacturers, p.capacity, p.emergency],
  );
  return row;
}

/** A linked partner whose area (locksmith) or brands (manufacturer) cover an escalation. */
export interface RoutingCandidate {
  partner: string;
  /** It declined this escalation (or let it go stale): never routed it again automatically. */
  declined: boolean;
  capacity: number;
  /** Its open jobs (routed, claimed, scheduled) across all of its customers. */
  open: number;
}

/**
 * The partners an escalation of `tx`'s tenant (the customer) could go to, in routing order: its
 * links of the escalation's kind whose postal-code prefixes or cities cover the property
 * (locksmiths) or that serve the lock's brand (manufacturers); those that have not declined it
 * first, then emergency-capable ones for urgent cases, then the least loaded (open jobs per
 * capacity, counted across all customers by `partner_open_jobs`), then the better partner
 * (`partner_routing_scores`: (first-time fixes + 1) / (resolved + declined + 2) over the last 90
 * days, across all of its customers), then the oldest link.
 */
export function routingCandidates(
  tx: TenantTx,
  c: {
    target: Target;
    declinedBy: readonly string[];
    postalCode: string;
    city: string;
    manufacturer: string;
    urgent: boolean;
  },
): Promise<RoutingCandidate[]> {
  return tx.em.query<RoutingCandidate[]>(
    `WITH covering AS (
       SELECT l.partner_tenant_id AS partner, l.created_at, p.capacity, p.emergency,
              l.partner_tenant_id = ANY($2::uuid[]) AS declined
         FROM partner_links l
         JOIN partner_profiles p ON p.tenant_id = l.partner_tenant_id
        WHERE l.kind = $1
          AND CASE $1
                WHEN 'locksmith' THEN
                  EXISTS (SELECT 1 FROM unnest(p.postal_codes) pc
                           WHERE replace(pc, ' ', '') <> ''
                             AND upper(replace($3, ' ', '')) LIKE ${likeLiteral("upper(replace(pc, ' ', ''))")} || '%')
                  OR lower($4) = ANY (SELECT lower(c) FROM unnest(p.cities) c)
                ELSE lower($5) = ANY (SELECT lower(m) FROM unnest(p.manufacturers) m)
              END)
     SELECT c.partner, c.declined, c.capacity, coalesce(j.open, 0) AS open
       FROM covering c
       LEFT JOIN partner_open_jobs(ARRAY(SELECT partner FROM covering)) j ON j.partner = c.partner
       LEFT JOIN partner_routing_scores(ARRAY(SELECT partner FROM covering)) s ON s.partner = c.partner
      ORDER BY c.declined, ($6 AND c.emergency) DESC, coalesce(j.open, 0)::float / c.capacity,
               coalesce(s.score, 0.5) DESC, c.created_at, c.partner`,
    [c.target, c.declinedBy, c.postalCode, c.city, c.manufacturer, c.urgent],
  );
}

/**
 * Holds the partner's routing lock until the transaction ends, then answers its open jobs:
 * routings to one partner take turns, so two customers cannot both take its last free slot.
 * A deadlock between two routings is retried by the transaction runner.
 */
export async function lockPartnerLoad(tx: TenantTx, partnerTenantId: string): Promise<number> {
  await tx.em.query(`SELECT pg_advisory_xact_lock(hashtextextended('partner-load:' || $1, 0))`, [
    partnerTenantId,
  ]);
  const [row] = await tx.em.query<{ open: number }[]>(
    `SELECT open FROM partner_open_jobs(ARRAY[$1::uuid])`,
    [partnerTenantId],
  );
  return row?.open ?? 0;
}
