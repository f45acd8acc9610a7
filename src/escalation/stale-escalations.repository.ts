/**
 * The SQL the stale-escalation job runs on `escalations` (customer side). Staged here for the
 * escalation module's repository to fold in: `EscalationService.rerouteStale` still runs the same
 * two statements inline until it is moved onto these functions (it also needs the service's
 * private `route`). The table itself is declared by the escalations repository, not here.
 */
import type { TenantTx } from '../database/tenant-db.service.js';

/** Rows the job reads: enough to pass the partner over and record it on the ticket. */
export interface StaleEscalation {
  id: string;
  ticket_id: string;
  partner_tenant_id: string | null;
}

/**
 * Up to 100 of `tx`'s tenant's escalations routed to a partner who has not claimed them within
 * the window (urgent or normal), oldest first, locked; rows another instance holds are skipped.
 */
export function lockStaleRouted(
  tx: TenantTx,
  window: { urgentMinutes: number; normalMinutes: number },
): Promise<StaleEscalation[]> {
  return tx.em.query(
    `SELECT id, ticket_id, partner_tenant_id FROM escalations
      WHERE tenant_id = $1 AND status = 'routed'
        AND routed_at < now() - make_interval(mins => CASE WHEN urgent THEN $2::int ELSE $3::int END)
      ORDER BY id LIMIT 100 FOR UPDATE SKIP LOCKED`,
    [tx.tenantId, window.urgentMinutes, window.normalMinutes],
  );
}

/** The partner it is routed to counts as having declined it (it is never routed there again). */
export async function passOverCurrentPartner(tx: TenantTx, id: string): Promise<void> {
  await tx.em.query(
    `UPDATE escalations SET declined_by = array_append(declined_by, partner_tenant_id) WHERE id = $1`,
    [id],
  );
}
