import { Injectable } from '@nestjs/common';
import type { UserActor } from '../auth/index.js';
import { AppError, notFound } from '../common/errors.js';
import {
  decodeCursor,
  type Page,
  pageLimit,
  type PageQueryDto,
  toPage,
} from '../common/pagination.js';
import { TenantDb, type TenantTx } from '../database/tenant-db.service.js';
import { partnerByHandle } from '../tenancy/index.js';
import {
  partnerOwnRatings,
  partnerRatingSummaries,
  type RatingSummaryRow,
} from '../tickets/index.js';
import type {
  LinkPartnerDto,
  OwnProfileView,
  PartnerProfileDto,
  PartnerRatingItem,
  PartnerView,
  ProfileView,
  RatingSummary,
} from './dto/partners.dto.js';
import { EscalationDispatch } from './escalation-dispatch.service.js';
import { EscalationService } from './escalation.service.js';
import { tenantCards } from '../tenancy/index.js';
import {
  deleteLink,
  findOwnProfile,
  insertLink,
  listLinks,
  type ProfileRow,
  upsertOwnProfile,
} from './partners.repository.js';

const summary = (count: number | undefined, average: string | null | undefined): RatingSummary => ({
  average: average == null ? null : Number(average),
  count: count ?? 0,
});

const profileView = (p: ProfileRow): ProfileView => ({
  postalCodes: p.postal_codes,
  cities: p.cities,
  manufacturers: p.manufacturers,
  capacity: p.capacity,
  emergency: p.emergency,
});

const ratingOf = (r: RatingSummaryRow | undefined) => ({
  ...summary(r?.count, r?.average),
  fromYou: summary(r?.own_count, r?.own_average),
});

@Injectable()
export class PartnersService {
  constructor(
    private readonly db: TenantDb,
    private readonly escalations: EscalationService,
    private readonly dispatch: EscalationDispatch,
  ) {}

  /**
   * A customer links a locksmith or manufacturer company by its public handle; its queued
   * escalations the new partner can take are routed to it in the same transaction.
   */
  link(actor: UserActor, dto: LinkPartnerDto): Promise<PartnerView> {
    return this.db.tenantTransaction(actor.tenantId, async (tx) => {
      const partner = await partnerByHandle(tx, dto.handle);
      if (!partner)
        throw new AppError(
          'not_a_partner',
          `No locksmith or manufacturer has the handle "${dto.handle}".`,
        );
      await insertLink(tx, { partnerTenantId: partner.id, kind: partner.kind });
      await this.dispatch.routeQueuedIn(tx);
      // Read in the same transaction: the new link (and the partner's name, visible through it)
      // is not committed yet.
      const [view] = await this.links(tx, { partnerId: partner.id });
      if (!view) throw new Error(`partner link ${partner.id} not visible after insert`);
      return view;
    });
  }

  list(actor: UserActor, q: PageQueryDto): Promise<Page<PartnerView>> {
    const limit = pageLimit(q);
    const after = q.cursor ? (decodeCursor(q.cursor, ['uuid'])[0] as string) : null;
    return this.db.tenantTransaction(actor.tenantId, async (tx) => {
      const rows = await this.links(tx, { page: { after, limit: limit + 1 } });
      return toPage(
        rows,
        limit,
        (r) => [r.tenantId],
        (r) => r,
      );
    });
  }

  /** One linked partner with its profile and record; 404 when not linked. */
  get(actor: UserActor, partnerTenantId: string): Promise<PartnerView> {
    return this.db.tenantTransaction(actor.tenantId, async (tx) => {
      const [view] = await this.links(tx, { partnerId: partnerTenantId });
      if (!view) throw notFound('Partner');
      return view;
    });
  }

  /**
   * Ends the link and, in the same transaction, the partner's access to this
   * customer's escalations: RLS needs the link row, and the open ones go back
   * to routing.
   */
  async unlink(actor: UserActor, partnerTenantId: string): Promise<void> {
    await this.db.tenantTransaction(actor.tenantId, async (tx) => {
      if (!(await deleteLink(tx, partnerTenantId))) throw notFound('Partner');
      await this.escalations.revokePartner(tx, actor, partnerTenantId);
    });
    // Its slots held for this customer are free for its other customers' queues.
    await this.dispatch.partnerChanged(partnerTenantId);
  }

  /** The partner's own profile, with its ratings from all customers aggregated. */
  profile(actor: UserActor): Promise<OwnProfileView> {
    return this.db.tenantTransaction(actor.tenantId, async (tx) => {
      const row = await findOwnProfile(tx);
      const [record] = await partnerRatingSummaries(tx, [tx.tenantId]);
      return {
        ...(row
          ? profileView(row)
          : { postalCodes: [], cities: [], manufacturers: [], capacity: 10, emergency: false }),
        rating: summary(record?.count, record?.average),
      };
    });
  }

  /** The partner's own ratings, newest first: score, comment, date (no customer, no ticket). */
  ratings(actor: UserActor, q: PageQueryDto): Promise<Page<PartnerRatingItem>> {
    const limit = pageLimit(q);
    const before = q.cursor ? (decodeCursor(q.cursor, ['uuid'])[0] as string) : null;
    return this.db.tenantTransaction(actor.tenantId, async (tx) =>
      toPage(
        await partnerOwnRatings(tx, { before, limit: limit + 1 }),
        limit,
        (r) => [r.id],
        (r) => ({ score: r.score, comment: r.comment, ratedAt: r.created_at.toISOString() }),
      ),
    );
  }

  /** A partner sets its profile; its customers' queued escalations it now covers are routed to it. */
  async updateProfile(actor: UserActor, dto: PartnerProfileDto): Promise<ProfileView> {
    const view = await this.db.tenantTransaction(actor.tenantId, async (tx) =>
      profileView(
        await upsertOwnProfile(tx, {
          postal_codes: dto.postalCodes ?? null,
          cities: dto.cities ?? null,
          manufacturers: dto.manufacturers ?? null,
          capacity: dto.capacity ?? null,
          emergency: dto.emergency ?? null,
        }),
      ),
    );
    await this.dispatch.partnerChanged(actor.tenantId);
    return view;
  }

  /** The tenant's links (or one), with each partner's name, in the caller's transaction. */
  private async links(
    tx: TenantTx,
    o: { partnerId?: string; page?: { after: string | null; limit: number } },
  ): Promise<PartnerView[]> {
    const rows = await listLinks(tx, o.partnerId ?? null, o.page);
    const ids = rows.map((r) => r.partner_tenant_id);
    const cards = new Map((await tenantCards(tx, ids)).map((c) => [c.id, c]));
    const records = new Map<string, RatingSummaryRow>(
      ids.length ? (await partnerRatingSummaries(tx, ids)).map((r) => [r.partner, r]) : [],
    );
    return rows.flatMap((r) => {
      const card = cards.get(r.partner_tenant_id);
      // As the inner join it replaces: a link whose tenant is not visible is not listed.
      if (!card) return [];
      return [
        {
          tenantId: r.partner_tenant_id,
          name: card.name,
          handle: card.handle,
          kind: r.kind,
          profile: r.profile && profileView(r.profile),
          rating: ratingOf(records.get(r.partner_tenant_id)),
          linkedAt: r.created_at.toISOString(),
        },
      ];
    });
  }
}
