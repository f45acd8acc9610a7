/**
 * What the migrations need, frozen here: a migration must mean the same thing
 * forever, so none imports application code (a test keeps it that way). These
 * are copies, taken when they were written; the application's own constants
 * (src/database/roles.ts, the engine's symptom codes) may move on, these do not.
 * A migration that needs something different defines a new helper beside these.
 */

/** The role requests run as (created by the first migration). */
export const RUNTIME_ROLE = 'lockdesk_app';

/** The row-level-security predicate of every tenant-owned table. */
export const CURRENT_TENANT_SQL = "NULLIF(current_setting('app.tenant_id', true), '')::uuid";

/**
 * SQL for a tenant-owned table's isolation: RLS enabled and forced (owners
 * too), one policy with the same USING and WITH CHECK, and the runtime
 * role's grants.
 */
export function tenantTableSql(
  table: string,
  grants: string = 'SELECT, INSERT, UPDATE, DELETE',
  tenantColumn = 'tenant_id',
): string[] {
  return [
    `ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`,
    `ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`,
    `CREATE POLICY tenant_isolation ON ${table} USING (${tenantColumn} = ${CURRENT_TENANT_SQL}) WITH CHECK (${tenantColumn} = ${CURRENT_TENANT_SQL})`,
    `GRANT ${grants} ON ${table} TO ${RUNTIME_ROLE}`,
  ];
}

/**
 * The symptom codes as they stood when ticket_answers was created (its CHECK
 * constraint lists them). A code added to the engine later needs a new
 * migration that widens that constraint.
 */
export const SYMPTOM_CODES_1764000700000 = [
  'no_response',
  'keypad_unresponsive',
  'app_command_fails',
  'app_shows_offline',
  'intermittent_or_slow',
  'low_battery_warning',
  'motor_runs_bolt_stuck',
  'bolt_stiff_or_jams',
  'grinding_noise',
  'door_wont_latch',
  'code_rejected',
  'fingerprint_rejected',
  'key_wont_turn',
  'key_broken_in_lock',
  'started_after_update',
  'started_after_battery_change',
  'started_after_network_change',
  'wrong_auto_lock_behaviour',
  'visible_damage',
  'reset_did_not_help',
  'locked_out',
] as const;
