import { describe, expect, it } from '@jest/globals';
import {
  CAUSE_CODES,
  KNOWLEDGE,
  type Performer,
  STEP_CODES,
  type StepCode,
  SYMPTOM_CODES,
} from './index.js';
import { CAUSES, LIKELIHOOD, STEPS } from './knowledge.js';

// The contract table (shared/diagnosis-contract.md), verbatim.
const CONTRACT_SYMPTOMS = [
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
];
const CONTRACT_CAUSES: Record<string, string> = {
  battery_depleted: 'power',
  battery_installation: 'power',
  external_power_fault: 'power',
  wifi_connectivity: 'connectivity',
  bluetooth_connectivity: 'connectivity',
  hub_connectivity: 'connectivity',
  app_outdated_or_incompatible: 'software',
  firmware_outdated: 'software',
  software_glitch: 'software',
  configuration_error: 'software',
  credential_error: 'access',
  door_misalignment: 'mechanical',
  obstruction_debris: 'mechanical',
  worn_mechanism: 'mechanical',
  broken_key_stuck: 'mechanical',
  electronic_failure: 'electronic',
};
const CONTRACT_PERFORMERS: Record<StepCode, Performer> = {
  check_battery_level: 'anyone',
  replace_batteries: 'anyone',
  reseat_batteries: 'anyone',
  check_external_power: 'anyone',
  use_backup_power: 'anyone',
  check_network: 'anyone',
  verify_network_settings: 'anyone',
  re_pair_device: 'anyone',
  update_app: 'anyone',
  update_firmware: 'agent',
  restart_lock_and_app: 'anyone',
  review_access_codes: 'agent',
  review_settings: 'agent',
  inspect_alignment: 'anyone',
  clean_and_lubricate: 'anyone',
  factory_reset: 'agent',
  contact_manufacturer: 'agent',
  call_locksmith: 'agent',
};

describe('knowledge base', () => {
  it('holds every contract code, verbatim', () => {
    expect(SYMPTOM_CODES).toEqual(expect.arrayContaining(CONTRACT_SYMPTOMS));
    expect(CAUSE_CODES).toEqual(expect.arrayContaining(Object.keys(CONTRACT_CAUSES)));
    expect(STEP_CODES).toEqual(expect.arrayContaining(Object.keys(CONTRACT_PERFORMERS)));
  });

  it('gives causes their contract category and steps their contract performer', () => {
    for (const [code, category] of Object.entries(CONTRACT_CAUSES)) {
      expect(KNOWLEDGE.causes.find((c) => c.code === code)?.category).toBe(category);
    }
    for (const step of STEP_CODES) {
      expect(STEPS[step].performer).toBe(CONTRACT_PERFORMERS[step]);
    }
  });

  it('has priors that sum to 1 and a likelihood for every symptom and cause', () => {
    const sum = CAUSE_CODES.reduce((s, c) => s + CAUSES[c].prior, 0);
    expect(sum).toBeCloseTo(1, 9);
    expect(LIKELIHOOD).toHaveLength(SYMPTOM_CODES.length * CAUSE_CODES.length);
    for (const l of LIKELIHOOD) {
      // The leak keeps every pair strictly inside (0, 1): no symptom rules a cause in or out.
      expect(l).toBeGreaterThan(0);
      expect(l).toBeLessThan(1);
    }
    expect(KNOWLEDGE.likelihoods).toHaveLength(SYMPTOM_CODES.length * CAUSE_CODES.length);
  });

  it('lets every cause be fixed by some step and every step fix something', () => {
    for (const cause of CAUSE_CODES) {
      expect(STEP_CODES.some((s) => (STEPS[s].fixes[cause] ?? 0) >= 0.5)).toBe(true);
    }
    for (const step of STEP_CODES) {
      expect(Object.values(STEPS[step].fixes).some((p) => p > 0)).toBe(true);
      for (const p of Object.values(STEPS[step].fixes)) {
        expect(p).toBeGreaterThan(0);
        expect(p).toBeLessThanOrEqual(1);
      }
      expect(STEPS[step].cost).toBeGreaterThan(0);
    }
  });

  it('warns that a factory reset wipes codes and pairing', () => {
    const text = STEPS.factory_reset.warnings.join(' ').toLowerCase();
    expect(text).toContain('code');
    expect(text).toContain('pair');
    expect(text).toContain('back');
  });

  it('is plain, frozen JSON for GET /v1/diagnostics/knowledge', () => {
    expect(JSON.parse(JSON.stringify(KNOWLEDGE))).toEqual(KNOWLEDGE);
    expect(Object.isFrozen(KNOWLEDGE)).toBe(true);
    expect(KNOWLEDGE.steps.find((s) => s.code === 'call_locksmith')?.escalationTarget).toBe(
      'locksmith',
    );
    expect(KNOWLEDGE.steps.find((s) => s.code === 'contact_manufacturer')?.escalationTarget).toBe(
      'manufacturer',
    );
  });
});
