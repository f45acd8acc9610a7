/** A tenant's desk settings (one row, absent until first set) and SLA policies (one row per priority set). */
import type { TenantTx } from '../database/tenant-db.service.js';
import { type RowOf, table } from '../database/table.js';
import type { Priority } from './ticket-state.util.js';

export const DESK_SETTINGS = table('desk_settings', {
  tenant_id: 'uuid',
  business_hours: 'jsonb',
  reopen_window_days: 'int4',
  max_open_per_agent: 'int4',
  auto_assign: 'bool',
  last_assignee_id: 'uuid?',
  proactive: 'jsonb',
  updated_at: 'timestamptz',
});

export const SLA_POLICIES = table('sla_policies', {
  tenant_id: 'uuid',
  priority: 'text',
  first_response_minutes: 'int4?',
  resolution_minutes: 'int4?',
});

export type DeskSettingsRow = RowOf<typeof DESK_SETTINGS>;
export type SlaPolicyRow = Omit<RowOf<typeof SLA_POLICIES>, 'tenant_id' | 'priority'> & {
  priority: Priority;
};

/** A scalar subquery: the tenant's settings row as json (DeskSettingsRow without updated_at), or NULL. */
export function deskSettingsJsonSql(): string {
  return `(SELECT json_build_object('business_hours', business_hours, 'reopen_window_days', reopen_window_days,
             'max_open_per_agent', max_open_per_agent, 'auto_assign', auto_assign,
             'last_assignee_id', last_assignee_id, 'proactive', proactive)
        FROM desk_settings)`;
}

/** A scalar subquery: the tenant's SLA policies as a json array of SlaPolicyRow. */
export function slaPoliciesJsonSql(): string {
  return `(SELECT coalesce(json_agg(json_build_object('priority', priority,
             'first_response_minutes', first_response_minutes, 'resolution_minutes', resolution_minutes)), '[]'::json)
        FROM sla_policies)`;
}

/** The tenant's row, if any; `lock` holds it until the transaction ends. */
export async function findDeskSettings(
  tx: TenantTx,
  opts: { lock?: boolean } = {},
): Promise<DeskSettingsRow | undefined> {
  const [row] = await tx.em.query<DeskSettingsRow[]>(
    `SELECT * FROM desk_settings ${opts.lock ? 'FOR UPDATE' : ''}`,
  );
  return row;
}

export interface DeskSettingsValues {
  businessHours: unknown;
  reopenWindowDays: number;
  maxOpenPerAgent: number;
  autoAssign: boolean;
  proactive: unknown;
}

/** Writes every setting (the caller merged what it keeps). */
export async function saveDeskSettings(tx: TenantTx, s: DeskSettingsValues): Promise<void> {
  await tx.em.query(
    `INSERT INTO desk_settings (tenant_id, business_hours, reopen_window_days, max_open_per_agent, auto_assign, proactive)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (tenant_id) DO UPDATE SET business_hours = $2, reopen_window_days = $3, max_open_per_agent = $4,
       auto_assign = $5, proactive = $6, updated_at = now()`,
    [
      tx.tenantId,
      JSON.stringify(s.businessHours),
      s.reopenWindowDays,
      s.maxOpenPerAgent,
      s.autoAssign,
      JSON.stringify(s.proactive),
    ],
  );
}

export async function findSlaPolicy(
  tx: TenantTx,
  priority: Priority,
): Promise<SlaPolicyRow | undefined> {
  const [row] = await tx.em.query<SlaPolicyRow[]>(
    `SELECT priority, first_response_minutes, resolution_minutes FROM sla_policies WHERE priority = $1`,
    [priority],
  );
  return row;
}

export function listSlaPolicies(tx: TenantTx): Promise<SlaPolicyRow[]> {
  return tx.em.query<SlaPolicyRow[]>(
    `SELECT priority, first_response_minutes, resolution_minutes FROM sla_policies`,
  );
}

/** Sets the targets of the given priorities, one statement. */
export async function saveSlaPolicies(
  tx: TenantTx,
  policies: readonly SlaPolicyRow[],
): Promise<void> {
  if (policies.length === 0) return;
  await tx.em.query(
    `INSERT INTO sla_policies (tenant_id, priority, first_response_minutes, resolution_minutes)
     SELECT $1, p.priority, p.first_response_minutes, p.resolution_minutes
       FROM unnest($2::text[], $3::int[], $4::int[]) AS p(priority, first_response_minutes, resolution_minutes)
     ON CONFLICT (tenant_id, priority) DO UPDATE
       SET first_response_minutes = excluded.first_response_minutes, resolution_minutes = excluded.resolution_minutes`,
    [
      tx.tenantId,
      policies.map((p) => p.priority),
      policies.map((p) => p.first_response_minutes),
      policies.map((p) => p.resolution_minutes),
    ],
  );
}
