import { Injectable } from '@nestjs/common';
import type { UserActor } from '../auth/index.js';
import { AppError, notFound } from '../common/errors.js';
import { TenantDb } from '../database/tenant-db.service.js';
import { partnerByHandle } from '../tenancy/index.js';
import type { LinkPartnerDto, PartnerProfileDto } from './dto.js';
import { EscalationService } from './escalation.service.js';

export interface PartnerView {
  tenantId: string;
  name: string;
  handle: string;
  kind: 'locksmith' | 'manufacturer';
  profile: ProfileView | null;
  linkedAt: string;
}

export interface ProfileView {
  postalCodes: string[];
  cities: string[];
  manufacturers: string[];
  capacity: number;
  emergency: boolean;
}

interface ProfileRow {
  postal_codes: string[];
  cities: string[];
  manufacturers: string[];
  capacity: number;
  emergency: boolean;
}

const profileView = (p: ProfileRow | null): ProfileView | null =>
  p && {
    postalCodes: p.postal_codes,
    cities: p.cities,
    manufacturers: p.manufacturers,
    capacity: p.capacity,
    emergency: p.emergency,
  };

@Injectable()
export class PartnersService {
  constructor(
    private readonly db: TenantDb,
    private readonly escalations: EscalationService,
  ) {}

  /** A customer links a locksmith or manufacturer company by its public handle. */
  link(actor: UserActor, dto: LinkPartnerDto): Promise<PartnerView> {
    return this.db.tenantTransaction(actor.tenantId, async (tx) => {
      const { em } = tx;
      const partner = await partnerByHandle(tx, dto.handle);
      if (!partner)
        throw new AppError(
          'not_a_partner',
          `No locksmith or manufacturer has the handle "${dto.handle}".`,
        );
      await em.query(
        `INSERT INTO partner_links (tenant_id, partner_tenant_id, kind) VALUES ($1, $2, $3)
         ON CONFLICT (tenant_id, partner_tenant_id) DO NOTHING`,
        [actor.tenantId, partner.id, partner.kind],
      );
      return (await this.links(actor.tenantId, partner.id))[0];
    });
  }

  list(actor: UserActor): Promise<{ data: PartnerView[] }> {
    return this.links(actor.tenantId).then((data) => ({ data }));
  }

  /**
   * Ends the link and, in the same transaction, the partner's access to this
   * customer's escalations: RLS needs the link row, and the open ones go back
   * to routing.
   */
  unlink(actor: UserActor, partnerTenantId: string): Promise<void> {
    return this.db.tenantTransaction(actor.tenantId, async ({ em }) => {
      const [, count] = await em.query<[unknown[], number]>(
        `DELETE FROM partner_links WHERE partner_tenant_id = $1`,
        [partnerTenantId],
      );
      if (!count) throw notFound('Partner');
      await this.escalations.revokePartner(em, actor, partnerTenantId);
    });
  }

  profile(actor: UserActor): Promise<ProfileView> {
    return this.db.tenantTransaction(actor.tenantId, async ({ em }) => {
      const [row] = await em.query<ProfileRow[]>(
        `SELECT * FROM partner_profiles WHERE tenant_id = $1`,
        [actor.tenantId],
      );
      return (
        profileView(row ?? null) ?? {
          postalCodes: [],
          cities: [],
          manufacturers: [],
          capacity: 10,
          emergency: false,
        }
      );
    });
  }

  updateProfile(actor: UserActor, dto: PartnerProfileDto): Promise<ProfileView> {
    return this.db.tenantTransaction(actor.tenantId, async ({ em }) => {
      const [row] = await em.query<ProfileRow[]>(
        `INSERT INTO partner_profiles (tenant_id, postal_codes, cities, manufacturers, capacity, emergency)
         VALUES ($1, coalesce($2::text[], '{}'), coalesce($3::text[], '{}'), coalesce($4::text[], '{}'), coalesce($5::int, 10), coalesce($6::boolean, false))
         ON CONFLICT (tenant_id) DO UPDATE SET
           postal_codes = coalesce($2::text[], partner_profiles.postal_codes), cities = coalesce($3::text[], partner_profiles.cities),
           manufacturers = coalesce($4::text[], partner_profiles.manufacturers), capacity = coalesce($5::int, partner_profiles.capacity),
           emergency = coalesce($6::boolean, partner_profiles.emergency), updated_at = now()
         RETURNING *`,
        [
          actor.tenantId,
          dto.postalCodes ?? null,
          dto.cities ?? null,
          dto.manufacturers ?? null,
          dto.capacity ?? null,
          dto.emergency ?? null,
        ],
      );
      return profileView(row)!;
    });
  }

  private links(tenantId: string, partnerId?: string): Promise<PartnerView[]> {
    return this.db.tenantTransaction(tenantId, async ({ em }) => {
      const rows = await em.query<
        (ProfileRow & {
          partner_tenant_id: string;
          name: string;
          handle: string;
          kind: PartnerView['kind'];
          created_at: Date;
          has_profile: boolean;
        })[]
      >(
        `SELECT l.partner_tenant_id, t.name, t.handle, l.kind, l.created_at, p.tenant_id IS NOT NULL AS has_profile,
                p.postal_codes, p.cities, p.manufacturers, p.capacity, p.emergency
           FROM partner_links l JOIN tenants t ON t.id = l.partner_tenant_id
           LEFT JOIN partner_profiles p ON p.tenant_id = l.partner_tenant_id
          WHERE ($1::uuid IS NULL OR l.partner_tenant_id = $1)
          ORDER BY l.created_at, l.partner_tenant_id`,
        [partnerId ?? null],
      );
      return rows.map((r) => ({
        tenantId: r.partner_tenant_id,
        name: r.name,
        handle: r.handle,
        kind: r.kind,
        profile: r.has_profile ? profileView(r) : null,
        linkedAt: r.created_at.toISOString(),
      }));
    });
  }
}
