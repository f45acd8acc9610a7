import { Injectable } from '@nestjs/common';
import type { UserActor } from '../auth/index.js';
import { Clock } from '../common/clock.js';
import { TenantDb } from '../database/tenant-db.service.js';
import { tenantCards } from '../tenancy/index.js';
import { partnerRatingSummaries } from '../tickets/index.js';
import type { ScorecardDto, ScorecardPageDto } from './dto/scorecards.dto.js';
import { reportWindow } from './report-window.js';
import { rate } from './reports.service.js';
import { linkedPartners, partnerScorecards } from './scorecards.repository.js';

/** Days a scorecard covers when `from` is left out. */
export const SCORECARD_DEFAULT_DAYS = 90;

function round1(n: number | null): number | null {
  return n === null ? null : Math.round(n * 10) / 10;
}

@Injectable()
export class ScorecardsService {
  constructor(
    private readonly db: TenantDb,
    private readonly clock: Clock,
  ) {}

  /**
   * A customer: the scorecards of the partners it links (oldest link first); a partner: its own.
   * The figures are each partner's across all of its customers.
   */
  list(actor: UserActor, q: { from?: string; to?: string }): Promise<ScorecardPageDto> {
    const w = reportWindow(q, this.clock.now(), SCORECARD_DEFAULT_DAYS);
    return this.db.tenantRead(actor.tenantId, async (tx) => {
      const partners =
        actor.tenantKind === 'customer' ? await linkedPartners(tx) : [actor.tenantId];
      if (partners.length === 0)
        return { from: w.from.toISOString(), to: w.to.toISOString(), data: [], nextCursor: null };
      const [rows, cards, ratings] = [
        await partnerScorecards(tx, partners, w),
        await tenantCards(tx, partners),
        await partnerRatingSummaries(tx, partners),
      ];
      const ratingOf = new Map(ratings.map((r) => [r.partner, r]));
      const byId = new Map(rows.map((r) => [r.partner, r]));
      const cardOf = new Map(cards.map((c) => [c.id, c]));
      const data: ScorecardDto[] = [];
      for (const id of partners) {
        const r = byId.get(id);
        const card = cardOf.get(id);
        if (!r || !card) continue;
        data.push({
          partner: { id, name: card.name, kind: card.kind },
          received: r.received,
          claimed: r.claimed,
          medianMinutesToClaim: round1(r.median_claim_minutes),
          scheduled: r.scheduled,
          medianMinutesToSchedule: round1(r.median_schedule_minutes),
          resolved: r.resolved,
          visits: r.visits,
          visitsOnTime: r.visits_on_time,
          onTimeRate: rate(r.visits_on_time, r.visits),
          firstTimeFixes: r.first_time_fixes,
          firstTimeFixRate: rate(r.first_time_fixes, r.resolved),
          causeChecked: r.cause_checked,
          causeMatched: r.cause_matched,
          causeMatchRate: rate(r.cause_matched, r.cause_checked),
          declined: r.declined,
          declineRate: rate(r.declined, r.received),
          ratings: {
            average: ratingOf.get(id)?.average ? Number(ratingOf.get(id)!.average) : null,
            count: ratingOf.get(id)?.count ?? 0,
          },
        });
      }
      return { from: w.from.toISOString(), to: w.to.toISOString(), data, nextCursor: null };
    });
  }
}
