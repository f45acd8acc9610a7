/**
 * The public vocabulary of the diagnosis service (shared/diagnosis-contract.md).
 * Codes are a contract: add freely, never rename or drop one.
 */

export const SYMPTOM_CODES = [
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
export type SymptomCode = (typeof SYMPTOM_CODES)[number];

export const CAUSE_CODES = [
  'battery_depleted',
  'battery_installation',
  'external_power_fault',
  'wifi_connectivity',
  'bluetooth_connectivity',
  'hub_connectivity',
  'app_outdated_or_incompatible',
  'firmware_outdated',
  'software_glitch',
  'configuration_error',
  'credential_error',
  'door_misalignment',
  'obstruction_debris',
  'worn_mechanism',
  'broken_key_stuck',
  'electronic_failure',
] as const;
export type CauseCode = (typeof CAUSE_CODES)[number];

export const CAUSE_CATEGORIES = [
  'power',
  'connectivity',
  'software',
  'access',
  'mechanical',
  'electronic',
] as const;
export type CauseCategory = (typeof CAUSE_CATEGORIES)[number];

export const STEP_CODES = [
  'check_battery_level',
  'replace_batteries',
  'reseat_batteries',
  'check_external_power',
  'use_backup_power',
  'check_network',
  'verify_network_settings',
  're_pair_device',
  'update_app',
  'update_firmware',
  'restart_lock_and_app',
  'review_access_codes',
  'review_settings',
  'inspect_alignment',
  'clean_and_lubricate',
  'factory_reset',
  'contact_manufacturer',
  'call_locksmith',
] as const;
export type StepCode = (typeof STEP_CODES)[number];

export const PERFORMERS = ['anyone', 'agent'] as const;
export type Performer = (typeof PERFORMERS)[number];

export const STEP_OUTCOMES = ['fixed', 'not_fixed', 'skipped', 'unable'] as const;
export type StepOutcome = (typeof STEP_OUTCOMES)[number];

export const PROTOCOLS = ['wifi', 'bluetooth', 'zigbee', 'zwave', 'thread'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

export const POWER_SOURCES = ['battery', 'wired', 'rechargeable'] as const;
export type PowerSource = (typeof POWER_SOURCES)[number];

export const ESCALATION_TARGETS = ['locksmith', 'manufacturer'] as const;
export type EscalationTarget = (typeof ESCALATION_TARGETS)[number];

export const N_SYMPTOMS = SYMPTOM_CODES.length;
export const N_CAUSES = CAUSE_CODES.length;
export const N_STEPS = STEP_CODES.length;

function indexOf<T extends string>(codes: readonly T[]): ReadonlyMap<string, number> {
  return new Map(codes.map((c, i) => [c, i]));
}

export const SYMPTOM_INDEX = indexOf(SYMPTOM_CODES);
export const CAUSE_INDEX = indexOf(CAUSE_CODES);
export const STEP_INDEX = indexOf(STEP_CODES);

function positions<T extends string>(codes: readonly T[]): Readonly<Record<T, number>> {
  const out: Partial<Record<T, number>> = {};
  codes.forEach((c, i) => (out[c] = i));
  return out as Readonly<Record<T, number>>;
}

/** Index of each code in its array, as plain objects (faster than Map lookups in hot loops). */
export const SYMPTOM_POS = positions(SYMPTOM_CODES);
export const CAUSE_POS = positions(CAUSE_CODES);
export const STEP_POS = positions(STEP_CODES);

export function isSymptomCode(v: unknown): v is SymptomCode {
  return typeof v === 'string' && SYMPTOM_INDEX.has(v);
}
export function isCauseCode(v: unknown): v is CauseCode {
  return typeof v === 'string' && CAUSE_INDEX.has(v);
}
export function isStepCode(v: unknown): v is StepCode {
  return typeof v === 'string' && STEP_INDEX.has(v);
}
export function isStepOutcome(v: unknown): v is StepOutcome {
  return typeof v === 'string' && (STEP_OUTCOMES as readonly string[]).includes(v);
}
export function isProtocol(v: unknown): v is Protocol {
  return typeof v === 'string' && (PROTOCOLS as readonly string[]).includes(v);
}
