/**
 * The SQL of partner scorecards. `partner_assignments` (one row per routing of an escalation to a
 * partner) is kept by a trigger on escalations (migration 1764003210000-PartnerScorecards); the
 * figures across all of a partner's customers come from the SECURITY DEFINER function
 * `partner_scorecards`, which answers only for the caller itself and partners the caller links.
 */
import { table } from '../database/table.js';
import type { TenantTx } from '../database/tenant-db.service.js';
import type { Window } from './reports.repository.js';

export const PARTNER_ASSIGNMENTS = table('partner_assignments', {
  tenant_id: 'uuid',
  id: 'uuid',
  escalation_id: 'uuid',
  ticket_id: 'uuid',
  partner_tenant_id: 'uuid',
  routed_at: 'timestamptz',
  claimed_at: 'timestamptz?',
  scheduled_at: 'timestamptz?',
  visit_at: 'timestamptz?',
  visit_until: 'timestamptz?',
  ended_at: 'timestamptz?',
  outcome: 'text?',
  confirmed_cause: 'text?',
  diagnosed_cause: 'text?',
});

export interface ScorecardRow {
  partner: string;
  received: number;
  claimed: number;
  median_claim_minutes: number | null;
  scheduled: number;
  median_schedule_minutes: number | null;
  resolved: number;
  visits: number;
  visits_on_time: number;
  first_time_fixes: number;
  cause_checked: number;
  cause_matched: number;
  declined: number;
}

/** The partners `tx`'s tenant (a customer) links, oldest link first. */
export async function linkedPartners(tx: TenantTx): Promise<string[]> {
  const rows = await tx.em.query<{ id: string }[]>(
    `SELECT partner_tenant_id AS id FROM partner_links WHERE tenant_id = $1
      ORDER BY created_at, partner_tenant_id`,
    [tx.tenantId],
  );
  return rows.map((r) => r.id);
}

/** Each partner's figures over the escalations routed to it in the window (others are left out). */
export function partnerScorecards(
  tx: TenantTx,
  partners: readonly string[],
  w: Window,
): Promise<ScorecardRow[]> {
  return tx.em.query<ScorecardRow[]>(`SELECT * FROM partner_scorecards($1::uuid[], $2, $3)`, [
    partners,
    w.from,
    w.to,
  ]);
}
