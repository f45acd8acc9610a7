import type { DataSource } from 'typeorm';

/*
 * Which tenants a scheduled job must visit. The runtime role reads no other tenant's rows, so each
 * job asks a SECURITY DEFINER function (migrations/1764001400000-DueWorkFunctions.ts) for the ids
 * of the tenants with due work for it, in a stable order, and then works each one in its own
 * row-level-security-scoped transaction, under the same condition.
 */

async function ids(ds: DataSource, sql: string, params: unknown[] = []): Promise<string[]> {
  const rows = await ds.query<{ id: string }[]>(sql, params);
  return rows.map((r) => r.id);
}

/** Customers with open tickets past a due time at `at`, not flagged as breached yet. */
export function dueSlaBreachTenants(ds: DataSource, at: Date): Promise<string[]> {
  return ids(ds, `SELECT id FROM due_sla_breach_tenants($1) AS id`, [at]);
}

/**
 * Customers with an active lock past a proactive threshold (battery: `lowBatteryPercent`, the
 * health flag's) and no unsolved ticket for that reason, nor one it was folded into.
 */
export function dueProactiveTenants(ds: DataSource, lowBatteryPercent: number): Promise<string[]> {
  return ids(ds, `SELECT id FROM due_proactive_tenants($1) AS id`, [lowBatteryPercent]);
}

/** Customers with escalations routed to a partner who has not claimed within the window. */
export function dueStaleEscalationTenants(
  ds: DataSource,
  window: { urgentMinutes: number; normalMinutes: number },
): Promise<string[]> {
  return ids(ds, `SELECT id FROM due_stale_escalation_tenants($1, $2) AS id`, [
    window.urgentMinutes,
    window.normalMinutes,
  ]);
}

/** Tenants with unpublished outbox messages or webhook deliveries due now. */
export function dueWebhookTenants(ds: DataSource): Promise<string[]> {
  return ids(ds, `SELECT id FROM due_webhook_tenants() AS id`);
}

/** Tenants with expired idempotency keys. */
export function dueIdempotencyPurgeTenants(ds: DataSource): Promise<string[]> {
  return ids(ds, `SELECT id FROM due_idempotency_purge_tenants() AS id`);
}

/**
 * Tenants with outbox messages published before `outboxBefore` or finished webhook deliveries
 * created before `deliveriesBefore` (the retention purge's work).
 */
export function dueOutboxPurgeTenants(
  ds: DataSource,
  outboxBefore: Date,
  deliveriesBefore: Date,
): Promise<string[]> {
  return ids(ds, `SELECT id FROM due_outbox_purge_tenants($1, $2) AS id`, [
    outboxBefore,
    deliveriesBefore,
  ]);
}
