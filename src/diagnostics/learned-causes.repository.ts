/** What a tenant has learned about each lock model: confirmed causes, counted (the diagnosis's priors). */
import type { TenantTx } from '../database/tenant-db.service.js';
import { table } from '../database/table.js';
import type { CauseCode } from './engine/index.js';

export const LEARNED_CAUSES = table('learned_causes', {
  tenant_id: 'uuid',
  model_id: 'uuid',
  cause: 'text',
  confirmations: 'int4',
  updated_at: 'timestamptz',
});

/** A confirmed cause (ticket solved, escalation resolved) counts once more for the model. */
export async function recordConfirmedCause(
  tx: TenantTx,
  modelId: string,
  cause: CauseCode,
): Promise<void> {
  await tx.em.query(
    `INSERT INTO learned_causes (tenant_id, model_id, cause, confirmations)
     VALUES ($1, $2, $3, 1)
     ON CONFLICT (tenant_id, model_id, cause)
     DO UPDATE SET confirmations = learned_causes.confirmations + 1, updated_at = now()`,
    [tx.tenantId, modelId, cause],
  );
}

/** Confirmations per cause for the model, as the diagnosis's learned priors. */
export async function learnedCounts(
  tx: TenantTx,
  modelId: string,
): Promise<Partial<Record<CauseCode, number>>> {
  const rows = await tx.em.query<{ cause: CauseCode; confirmations: number }[]>(
    `SELECT cause, confirmations FROM learned_causes WHERE model_id = $1`,
    [modelId],
  );
  return Object.fromEntries(rows.map((r) => [r.cause, r.confirmations]));
}

/**
 * A scalar subquery: the model's confirmations per cause as a json object (the diagnosis's
 * learned priors); `model` is an SQL expression of the caller's statement.
 */
export function learnedCountsSql(model: string): string {
  return `(SELECT coalesce(json_object_agg(cause, confirmations), '{}'::json) FROM learned_causes WHERE model_id = ${model})`;
}
