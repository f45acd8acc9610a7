/** SLA pauses: each stretch a ticket spent waiting (pending, on hold), which the SLA clocks skip. */
import type { TenantTx } from '../database/tenant-db.service.js';
import { table } from '../database/table.js';

export const TICKET_SLA_PAUSES = table('ticket_sla_pauses', {
  tenant_id: 'uuid',
  ticket_id: 'uuid',
  started_at: 'timestamptz',
  ended_at: 'timestamptz?',
});

export async function countPauses(tx: TenantTx, ticketId: string): Promise<number> {
  const [row] = await tx.em.query<{ pauses: number }[]>(
    `SELECT count(*)::int AS pauses FROM ticket_sla_pauses WHERE ticket_id = $1`,
    [ticketId],
  );
  return row?.pauses ?? 0;
}

export async function startPause(tx: TenantTx, ticketId: string, at: Date): Promise<void> {
  await tx.em.query(
    `INSERT INTO ticket_sla_pauses (tenant_id, ticket_id, started_at) VALUES ($1, $2, $3)`,
    [tx.tenantId, ticketId, at],
  );
}

export async function endPause(tx: TenantTx, ticketId: string, at: Date): Promise<void> {
  await tx.em.query(
    `UPDATE ticket_sla_pauses SET ended_at = $2 WHERE ticket_id = $1 AND ended_at IS NULL`,
    [ticketId, at],
  );
}

/** The pauses so far, oldest first (`end` null while it lasts). */
export function pausesOf(
  tx: TenantTx,
  ticketId: string,
): Promise<{ start: Date; end: Date | null }[]> {
  return tx.em.query<{ start: Date; end: Date | null }[]>(
    `SELECT started_at AS start, ended_at AS "end" FROM ticket_sla_pauses WHERE ticket_id = $1 ORDER BY started_at`,
    [ticketId],
  );
}
