/**
 * The knowledge base, as data. Numbers are judgement calls drawn from manufacturer
 * troubleshooting guides (Yale, Schlage, Kwikset, August, Nuki, Ultraloq, ...): power first,
 * then connectivity, software, access, mechanics, and only then a reset or a professional.
 *
 * Model: one fault at a time (single-fault naive Bayes, as in Heckerman, Breese & Rommelse 1995).
 * P(symptom | cause) is the chance the symptom shows when that cause is the fault; a per-symptom
 * leak is the background chance of reporting it anyway, so no symptom can rule a cause out.
 */
import {
  CAUSE_CODES,
  type CauseCategory,
  type CauseCode,
  type EscalationTarget,
  N_CAUSES,
  N_STEPS,
  N_SYMPTOMS,
  type Performer,
  type PowerSource,
  STEP_CODES,
  type StepCode,
  SYMPTOM_CODES,
  type SymptomCode,
} from './codes.js';

export interface CauseInfo {
  code: CauseCode;
  category: CauseCategory;
  description: string;
  /** Plain words for reasons and evidence. */
  label: string;
  /** Base rate among smart-lock support tickets, before any evidence. */
  prior: number;
  /** How much of this cause a professional of each kind resolves when cheap steps fail (0..1). */
  escalation: Record<EscalationTarget, number>;
}

export interface SymptomInfo {
  code: SymptomCode;
  description: string;
  label: string;
  /** Background chance the symptom is reported whatever the cause. */
  leak: number;
  /**
   * Chance a reporter mentions the symptom when they observe it. Unmentioned symptoms are weak
   * evidence of absence: a broken key is always mentioned, a slow response often is not.
   */
  salience: number;
}

export interface StepInfo {
  code: StepCode;
  performer: Performer;
  description: string;
  /** Time, effort and risk in one number (roughly minutes of a person's time, risk priced in). */
  cost: number;
  /** P(step fixes the problem | this cause is the fault). */
  fixes: Partial<Record<CauseCode, number>>;
  warnings: string[];
  /** Escalation steps hand the ticket to a professional queue. */
  escalation?: EscalationTarget;
  /** Information steps fix nothing themselves; their "fix" chance is the chance they pin the fault. */
  diagnostic?: boolean;
}

export const CAUSES: Record<CauseCode, CauseInfo> = {
  battery_depleted: {
    code: 'battery_depleted',
    category: 'power',
    description: 'Batteries low or dead',
    label: 'batteries low or dead',
    prior: 0.2,
    escalation: { locksmith: 0.05, manufacturer: 0.1 },
  },
  battery_installation: {
    code: 'battery_installation',
    category: 'power',
    description: 'Batteries reversed, loose, or an unsupported type',
    label: 'batteries reversed, loose or of an unsupported type',
    prior: 0.04,
    escalation: { locksmith: 0, manufacturer: 0.3 },
  },
  external_power_fault: {
    code: 'external_power_fault',
    category: 'power',
    description: 'Wired/rechargeable lock: cable, adapter or dock fault',
    label: 'cable, adapter or charging dock fault',
    prior: 0.02,
    escalation: { locksmith: 0.05, manufacturer: 0.8 },
  },
  wifi_connectivity: {
    code: 'wifi_connectivity',
    category: 'connectivity',
    description: 'Weak/unstable Wi-Fi, out of range, changed network settings',
    label: 'Wi-Fi connection problem',
    prior: 0.1,
    escalation: { locksmith: 0, manufacturer: 0.3 },
  },
  bluetooth_connectivity: {
    code: 'bluetooth_connectivity',
    category: 'connectivity',
    description: 'Phone Bluetooth off, out of range, pairing lost',
    label: 'Bluetooth connection or pairing problem',
    prior: 0.07,
    escalation: { locksmith: 0, manufacturer: 0.3 },
  },
  hub_connectivity: {
    code: 'hub_connectivity',
    category: 'connectivity',
    description: 'Zigbee/Z-Wave/Thread hub or bridge offline or out of range',
    label: 'hub or bridge connection problem',
    prior: 0.05,
    escalation: { locksmith: 0, manufacturer: 0.3 },
  },
  app_outdated_or_incompatible: {
    code: 'app_outdated_or_incompatible',
    category: 'software',
    description: 'App out of date or phone OS not compatible',
    label: 'app out of date or phone not compatible',
    prior: 0.04,
    escalation: { locksmith: 0, manufacturer: 0.6 },
  },
  firmware_outdated: {
    code: 'firmware_outdated',
    category: 'software',
    description: 'Lock firmware behind the latest, known bugs',
    label: 'lock firmware out of date',
    prior: 0.04,
    escalation: { locksmith: 0, manufacturer: 1 },
  },
  software_glitch: {
    code: 'software_glitch',
    category: 'software',
    description: 'Transient fault cleared by a restart',
    label: 'transient software fault',
    prior: 0.08,
    escalation: { locksmith: 0, manufacturer: 0.9 },
  },
  configuration_error: {
    code: 'configuration_error',
    category: 'software',
    description: 'Wrong settings: auto-lock, schedules, time zone',
    label: 'wrong settings (auto-lock, schedules, time zone)',
    prior: 0.06,
    escalation: { locksmith: 0, manufacturer: 0.5 },
  },
  credential_error: {
    code: 'credential_error',
    category: 'access',
    description: 'Wrong/forgotten/expired PIN, fingerprint not enrolled, access revoked',
    label: 'wrong, expired or unenrolled credential',
    prior: 0.08,
    escalation: { locksmith: 0.3, manufacturer: 0.3 },
  },
  door_misalignment: {
    code: 'door_misalignment',
    category: 'mechanical',
    description: 'Warped door, loose hinges, latch and strike out of line',
    label: 'door, latch and strike out of line',
    prior: 0.09,
    escalation: { locksmith: 1, manufacturer: 0 },
  },
  obstruction_debris: {
    code: 'obstruction_debris',
    category: 'mechanical',
    description: 'Dirt or a foreign object in the mechanism',
    label: 'dirt or a foreign object in the mechanism',
    prior: 0.03,
    escalation: { locksmith: 1, manufacturer: 0 },
  },
  worn_mechanism: {
    code: 'worn_mechanism',
    category: 'mechanical',
    description: 'Worn or damaged internal parts, motor or gears',
    label: 'worn or damaged motor, gears or bolt',
    prior: 0.04,
    escalation: { locksmith: 1, manufacturer: 0.3 },
  },
  broken_key_stuck: {
    code: 'broken_key_stuck',
    category: 'mechanical',
    description: 'Broken key in the cylinder',
    label: 'broken key in the cylinder',
    prior: 0.01,
    escalation: { locksmith: 1, manufacturer: 0 },
  },
  electronic_failure: {
    code: 'electronic_failure',
    category: 'electronic',
    description: 'Board, keypad or sensor hardware failure',
    label: 'board, keypad or sensor hardware failure',
    prior: 0.05,
    escalation: { locksmith: 0.05, manufacturer: 1 },
  },
};

export const SYMPTOMS: Record<SymptomCode, SymptomInfo> = {
  no_response: {
    code: 'no_response',
    description: 'Lock completely dead: no lights, no sound, no motor',
    label: 'lock completely dead',
    leak: 0.02,
    salience: 0.45,
  },
  keypad_unresponsive: {
    code: 'keypad_unresponsive',
    description: 'Keypad dark or not taking input',
    label: 'keypad unresponsive',
    leak: 0.02,
    salience: 0.35,
  },
  app_command_fails: {
    code: 'app_command_fails',
    description: 'App command sent but the lock does not act / times out',
    label: 'app commands fail',
    leak: 0.03,
    salience: 0.3,
  },
  app_shows_offline: {
    code: 'app_shows_offline',
    description: 'Lock shows offline / unavailable in the app or hub',
    label: 'lock shows offline',
    leak: 0.03,
    salience: 0.3,
  },
  intermittent_or_slow: {
    code: 'intermittent_or_slow',
    description: 'Works sometimes, or acts with a long delay',
    label: 'intermittent or slow',
    leak: 0.04,
    salience: 0.2,
  },
  low_battery_warning: {
    code: 'low_battery_warning',
    description: 'Low-battery alert, flashing/red battery light',
    label: 'low-battery warning',
    leak: 0.03,
    salience: 0.3,
  },
  motor_runs_bolt_stuck: {
    code: 'motor_runs_bolt_stuck',
    description: 'Motor sound, but the bolt does not move fully',
    label: 'motor runs but the bolt does not move fully',
    leak: 0.02,
    salience: 0.4,
  },
  bolt_stiff_or_jams: {
    code: 'bolt_stiff_or_jams',
    description: 'Bolt or latch stiff, jams, hard to turn by hand',
    label: 'bolt stiff or jamming',
    leak: 0.02,
    salience: 0.4,
  },
  grinding_noise: {
    code: 'grinding_noise',
    description: 'Grinding or clicking from the mechanism',
    label: 'grinding or clicking noise',
    leak: 0.02,
    salience: 0.3,
  },
  door_wont_latch: {
    code: 'door_wont_latch',
    description: 'Latch/bolt does not engage the strike; door will not secure',
    label: 'door will not latch or lock',
    leak: 0.02,
    salience: 0.4,
  },
  code_rejected: {
    code: 'code_rejected',
    description: 'A PIN or access code is refused',
    label: 'access code rejected',
    leak: 0.02,
    salience: 0.5,
  },
  fingerprint_rejected: {
    code: 'fingerprint_rejected',
    description: 'Fingerprint not recognised',
    label: 'fingerprint not recognised',
    leak: 0.01,
    salience: 0.5,
  },
  key_wont_turn: {
    code: 'key_wont_turn',
    description: 'Physical key will not turn in the cylinder',
    label: 'key will not turn',
    leak: 0.01,
    salience: 0.4,
  },
  key_broken_in_lock: {
    code: 'key_broken_in_lock',
    description: 'Part of a key is stuck in the cylinder',
    label: 'broken key stuck in the lock',
    leak: 0.003,
    salience: 0.7,
  },
  started_after_update: {
    code: 'started_after_update',
    description: 'The problem began after a firmware or app update',
    label: 'started after an update',
    leak: 0.02,
    salience: 0.4,
  },
  started_after_battery_change: {
    code: 'started_after_battery_change',
    description: 'The problem began after batteries were changed',
    label: 'started after a battery change',
    leak: 0.02,
    salience: 0.4,
  },
  started_after_network_change: {
    code: 'started_after_network_change',
    description: 'New router, new Wi-Fi password, moved hub',
    label: 'started after a network change',
    leak: 0.01,
    salience: 0.4,
  },
  wrong_auto_lock_behaviour: {
    code: 'wrong_auto_lock_behaviour',
    description: 'Auto-lock / schedules / time-bound codes misbehave',
    label: 'auto-lock or schedules misbehave',
    leak: 0.02,
    salience: 0.5,
  },
  visible_damage: {
    code: 'visible_damage',
    description: 'Visible physical damage to lock, door or frame',
    label: 'visible damage',
    leak: 0.01,
    salience: 0.5,
  },
  reset_did_not_help: {
    code: 'reset_did_not_help',
    description: 'A restart or factory reset was already tried, no change',
    label: 'a restart or reset did not help',
    leak: 0.04,
    salience: 0.25,
  },
  locked_out: {
    code: 'locked_out',
    description: 'Someone cannot get in right now (urgency, not a cause)',
    label: 'someone is locked out',
    leak: 0.05,
    salience: 0.6,
  },
};

/** P(symptom | cause) before the leak; unlisted pairs are 0 (only the leak remains). */
const SYMPTOM_GIVEN_CAUSE: Record<CauseCode, Partial<Record<SymptomCode, number>>> = {
  battery_depleted: {
    no_response: 0.45,
    keypad_unresponsive: 0.45,
    app_command_fails: 0.35,
    app_shows_offline: 0.3,
    intermittent_or_slow: 0.35,
    low_battery_warning: 0.6,
    motor_runs_bolt_stuck: 0.25,
    bolt_stiff_or_jams: 0.08,
    grinding_noise: 0.06,
    door_wont_latch: 0.05,
    code_rejected: 0.05,
    fingerprint_rejected: 0.1,
    started_after_update: 0.04,
    started_after_battery_change: 0.03,
    wrong_auto_lock_behaviour: 0.05,
    reset_did_not_help: 0.05,
    locked_out: 0.3,
  },
  battery_installation: {
    no_response: 0.55,
    keypad_unresponsive: 0.4,
    app_command_fails: 0.2,
    app_shows_offline: 0.25,
    intermittent_or_slow: 0.35,
    low_battery_warning: 0.35,
    motor_runs_bolt_stuck: 0.15,
    code_rejected: 0.03,
    started_after_battery_change: 0.75,
    wrong_auto_lock_behaviour: 0.05,
    visible_damage: 0.03,
    reset_did_not_help: 0.05,
    locked_out: 0.15,
  },
  external_power_fault: {
    no_response: 0.6,
    keypad_unresponsive: 0.45,
    app_command_fails: 0.35,
    app_shows_offline: 0.45,
    intermittent_or_slow: 0.3,
    low_battery_warning: 0.3,
    // A maglock or electric strike without power does not secure the door.
    door_wont_latch: 0.15,
    started_after_battery_change: 0.05,
    visible_damage: 0.05,
    reset_did_not_help: 0.1,
    locked_out: 0.2,
  },
  wifi_connectivity: {
    app_command_fails: 0.7,
    app_shows_offline: 0.7,
    intermittent_or_slow: 0.5,
    code_rejected: 0.05,
    started_after_update: 0.05,
    started_after_network_change: 0.35,
    wrong_auto_lock_behaviour: 0.05,
    reset_did_not_help: 0.1,
    locked_out: 0.04,
  },
  bluetooth_connectivity: {
    app_command_fails: 0.75,
    app_shows_offline: 0.45,
    intermittent_or_slow: 0.5,
    wrong_auto_lock_behaviour: 0.08,
    started_after_update: 0.1,
    started_after_network_change: 0.05,
    reset_did_not_help: 0.08,
    locked_out: 0.08,
  },
  hub_connectivity: {
    app_command_fails: 0.7,
    app_shows_offline: 0.7,
    intermittent_or_slow: 0.45,
    code_rejected: 0.06,
    wrong_auto_lock_behaviour: 0.06,
    started_after_update: 0.08,
    started_after_network_change: 0.3,
    reset_did_not_help: 0.1,
    locked_out: 0.04,
  },
  app_outdated_or_incompatible: {
    app_command_fails: 0.6,
    app_shows_offline: 0.3,
    intermittent_or_slow: 0.2,
    code_rejected: 0.05,
    wrong_auto_lock_behaviour: 0.1,
    started_after_update: 0.45,
    reset_did_not_help: 0.1,
    locked_out: 0.05,
  },
  firmware_outdated: {
    keypad_unresponsive: 0.1,
    app_command_fails: 0.3,
    app_shows_offline: 0.2,
    intermittent_or_slow: 0.3,
    motor_runs_bolt_stuck: 0.05,
    door_wont_latch: 0.03,
    code_rejected: 0.1,
    fingerprint_rejected: 0.1,
    started_after_update: 0.2,
    wrong_auto_lock_behaviour: 0.25,
    reset_did_not_help: 0.3,
    no_response: 0.03,
    locked_out: 0.05,
  },
  software_glitch: {
    no_response: 0.2,
    keypad_unresponsive: 0.3,
    app_command_fails: 0.35,
    app_shows_offline: 0.25,
    intermittent_or_slow: 0.4,
    motor_runs_bolt_stuck: 0.05,
    code_rejected: 0.08,
    fingerprint_rejected: 0.1,
    started_after_update: 0.25,
    started_after_battery_change: 0.05,
    wrong_auto_lock_behaviour: 0.15,
    reset_did_not_help: 0.02,
    locked_out: 0.08,
  },
  configuration_error: {
    app_command_fails: 0.08,
    intermittent_or_slow: 0.1,
    door_wont_latch: 0.05,
    code_rejected: 0.25,
    fingerprint_rejected: 0.03,
    started_after_update: 0.15,
    started_after_battery_change: 0.15,
    started_after_network_change: 0.05,
    wrong_auto_lock_behaviour: 0.7,
    reset_did_not_help: 0.08,
    // Privacy, vacation and rain modes disable the keypad on purpose.
    keypad_unresponsive: 0.15,
    locked_out: 0.08,
  },
  credential_error: {
    keypad_unresponsive: 0.1,
    app_command_fails: 0.1,
    code_rejected: 0.8,
    fingerprint_rejected: 0.5,
    started_after_update: 0.05,
    started_after_battery_change: 0.05,
    wrong_auto_lock_behaviour: 0.05,
    reset_did_not_help: 0.05,
    locked_out: 0.35,
  },
  door_misalignment: {
    intermittent_or_slow: 0.15,
    low_battery_warning: 0.06,
    motor_runs_bolt_stuck: 0.5,
    bolt_stiff_or_jams: 0.6,
    grinding_noise: 0.15,
    door_wont_latch: 0.7,
    key_wont_turn: 0.2,
    wrong_auto_lock_behaviour: 0.1,
    visible_damage: 0.12,
    reset_did_not_help: 0.1,
    locked_out: 0.08,
  },
  obstruction_debris: {
    intermittent_or_slow: 0.1,
    motor_runs_bolt_stuck: 0.4,
    bolt_stiff_or_jams: 0.6,
    grinding_noise: 0.35,
    door_wont_latch: 0.35,
    key_wont_turn: 0.35,
    reset_did_not_help: 0.1,
    locked_out: 0.08,
  },
  worn_mechanism: {
    no_response: 0.04,
    intermittent_or_slow: 0.2,
    low_battery_warning: 0.05,
    motor_runs_bolt_stuck: 0.45,
    bolt_stiff_or_jams: 0.45,
    grinding_noise: 0.55,
    door_wont_latch: 0.25,
    key_wont_turn: 0.3,
    visible_damage: 0.15,
    reset_did_not_help: 0.2,
    locked_out: 0.12,
  },
  broken_key_stuck: {
    key_wont_turn: 0.5,
    key_broken_in_lock: 0.95,
    visible_damage: 0.1,
    locked_out: 0.5,
  },
  electronic_failure: {
    no_response: 0.35,
    keypad_unresponsive: 0.45,
    app_command_fails: 0.25,
    app_shows_offline: 0.25,
    intermittent_or_slow: 0.25,
    low_battery_warning: 0.08,
    motor_runs_bolt_stuck: 0.05,
    code_rejected: 0.1,
    fingerprint_rejected: 0.2,
    started_after_update: 0.08,
    started_after_battery_change: 0.05,
    wrong_auto_lock_behaviour: 0.08,
    visible_damage: 0.15,
    reset_did_not_help: 0.5,
    locked_out: 0.2,
  },
};

export const STEPS: Record<StepCode, StepInfo> = {
  check_battery_level: {
    code: 'check_battery_level',
    performer: 'anyone',
    description: 'Read the battery level in the app or on the lock',
    cost: 1,
    fixes: { battery_depleted: 0.5, battery_installation: 0.2 },
    warnings: [
      'Lithium cells can read full until they die: a good reading does not clear the batteries.',
    ],
    diagnostic: true,
  },
  replace_batteries: {
    code: 'replace_batteries',
    performer: 'anyone',
    description: 'Fresh batteries of the type the manufacturer names',
    cost: 5,
    fixes: {
      battery_depleted: 0.95,
      battery_installation: 0.6,
      software_glitch: 0.3,
      electronic_failure: 0.02,
    },
    warnings: [
      'Replace all cells at once with the type the manufacturer names; no rechargeable NiMH unless the manual allows it.',
    ],
  },
  reseat_batteries: {
    code: 'reseat_batteries',
    performer: 'anyone',
    description: 'Orientation, contacts, no loose cells',
    cost: 3,
    fixes: { battery_installation: 0.85, software_glitch: 0.4, battery_depleted: 0.1 },
    warnings: [],
  },
  check_external_power: {
    code: 'check_external_power',
    performer: 'anyone',
    description: 'Cables, adapters, charging dock',
    cost: 5,
    fixes: { external_power_fault: 0.75, software_glitch: 0.15 },
    warnings: ['Wired locks: switch off the supply before touching terminals.'],
  },
  use_backup_power: {
    code: 'use_backup_power',
    performer: 'anyone',
    description: 'USB / 9 V jump-start for emergency entry',
    cost: 4,
    fixes: { battery_depleted: 0.6, battery_installation: 0.2, external_power_fault: 0.4 },
    warnings: ['Emergency power lasts for one operation: replace the batteries once inside.'],
  },
  check_network: {
    code: 'check_network',
    performer: 'anyone',
    description: 'Wi-Fi stable, router or hub in range, interference',
    cost: 6,
    fixes: { wifi_connectivity: 0.55, hub_connectivity: 0.55, bluetooth_connectivity: 0.45 },
    warnings: [],
  },
  verify_network_settings: {
    code: 'verify_network_settings',
    performer: 'anyone',
    description: 'Network name and password, router configuration',
    cost: 10,
    fixes: { wifi_connectivity: 0.5, hub_connectivity: 0.3 },
    warnings: ['Most smart locks join 2.4 GHz networks only.'],
  },
  re_pair_device: {
    code: 're_pair_device',
    performer: 'anyone',
    description: 'Re-pair with app or hub',
    cost: 15,
    fixes: {
      bluetooth_connectivity: 0.75,
      hub_connectivity: 0.6,
      wifi_connectivity: 0.35,
      app_outdated_or_incompatible: 0.1,
      software_glitch: 0.2,
    },
    warnings: [
      'Removing the lock from an app or hub can delete the codes it pushed: note them first.',
    ],
  },
  update_app: {
    code: 'update_app',
    performer: 'anyone',
    description: 'Update the app; check phone OS compatibility',
    cost: 5,
    fixes: { app_outdated_or_incompatible: 0.85, bluetooth_connectivity: 0.1 },
    warnings: [],
  },
  update_firmware: {
    code: 'update_firmware',
    performer: 'agent',
    description: 'Install the latest lock firmware',
    cost: 15,
    fixes: { firmware_outdated: 0.85, software_glitch: 0.3, configuration_error: 0.05 },
    warnings: [
      'Fit fresh batteries first and keep the phone or hub near the lock: a power loss mid-update can brick it.',
    ],
  },
  restart_lock_and_app: {
    code: 'restart_lock_and_app',
    performer: 'anyone',
    description: 'Power-cycle the lock, restart app and phone',
    cost: 3,
    fixes: {
      software_glitch: 0.8,
      bluetooth_connectivity: 0.3,
      wifi_connectivity: 0.15,
      hub_connectivity: 0.1,
      app_outdated_or_incompatible: 0.05,
      electronic_failure: 0.03,
    },
    warnings: [],
  },
  review_access_codes: {
    code: 'review_access_codes',
    performer: 'agent',
    description: 'Check and reprogram PINs, fingerprints, access settings',
    cost: 8,
    fixes: { credential_error: 0.85, configuration_error: 0.25 },
    warnings: [],
  },
  review_settings: {
    code: 'review_settings',
    performer: 'agent',
    description: 'Auto-lock, schedules, time zone',
    cost: 8,
    fixes: { configuration_error: 0.85, credential_error: 0.1 },
    warnings: [],
  },
  inspect_alignment: {
    code: 'inspect_alignment',
    performer: 'anyone',
    description: 'Door, hinges, latch and strike alignment; adjust',
    cost: 12,
    fixes: { door_misalignment: 0.75, obstruction_debris: 0.2, worn_mechanism: 0.05 },
    warnings: [],
  },
  clean_and_lubricate: {
    code: 'clean_and_lubricate',
    performer: 'anyone',
    description: 'Remove debris, lubricate moving parts',
    cost: 15,
    fixes: { obstruction_debris: 0.8, worn_mechanism: 0.15, door_misalignment: 0.1 },
    warnings: ['Use a dry graphite or PTFE lubricant in the cylinder; oil collects dust.'],
  },
  factory_reset: {
    code: 'factory_reset',
    performer: 'agent',
    description: "Last resort: wipes codes and pairing; follow the manufacturer's procedure",
    cost: 40,
    fixes: {
      software_glitch: 0.9,
      configuration_error: 0.9,
      credential_error: 0.3,
      firmware_outdated: 0.15,
      bluetooth_connectivity: 0.5,
      hub_connectivity: 0.5,
      wifi_connectivity: 0.3,
      electronic_failure: 0.05,
    },
    warnings: [
      'Wipes every access code, fingerprint, setting and pairing: back the codes up first.',
      'Every user must be re-enrolled and the lock re-paired with the app or hub afterwards.',
      "Follow the manufacturer's reset procedure for this model, with the door open.",
    ],
  },
  contact_manufacturer: {
    code: 'contact_manufacturer',
    performer: 'agent',
    description: 'Escalation to the manufacturer queue',
    cost: 60,
    fixes: {
      electronic_failure: 0.9,
      firmware_outdated: 0.8,
      software_glitch: 0.7,
      app_outdated_or_incompatible: 0.7,
      external_power_fault: 0.6,
      configuration_error: 0.5,
      worn_mechanism: 0.35,
      wifi_connectivity: 0.3,
      bluetooth_connectivity: 0.3,
      hub_connectivity: 0.3,
      credential_error: 0.3,
      battery_installation: 0.3,
      battery_depleted: 0.2,
    },
    warnings: ['Have the serial number, firmware version and proof of purchase ready.'],
    escalation: 'manufacturer',
  },
  call_locksmith: {
    code: 'call_locksmith',
    performer: 'agent',
    description: 'Escalation to the locksmith queue',
    cost: 90,
    fixes: {
      broken_key_stuck: 0.95,
      door_misalignment: 0.9,
      obstruction_debris: 0.9,
      worn_mechanism: 0.85,
      battery_depleted: 0.3,
      credential_error: 0.2,
      external_power_fault: 0.2,
      electronic_failure: 0.15,
    },
    warnings: [],
    escalation: 'locksmith',
  },
};

/**
 * Emergency entry: P(this step gets a locked-out person in | cause). `review_access_codes`
 * stands for "another credential": a fresh code, an app or remote unlock, the physical key.
 * Device-dependent parts (reachability, key cylinder) are applied in planning.
 */
export const ENTRY_BACKUP_POWER: Partial<Record<CauseCode, number>> = {
  battery_depleted: 0.9,
  battery_installation: 0.35,
  external_power_fault: 0.6,
  software_glitch: 0.2,
  electronic_failure: 0.05,
};
/** Remote side of another credential: a new code, a remote unlock. Needs the lock reachable. */
export const ENTRY_REMOTE_CREDENTIAL: Partial<Record<CauseCode, number>> = {
  credential_error: 0.9,
  configuration_error: 0.7,
  app_outdated_or_incompatible: 0.6,
  wifi_connectivity: 0.35,
  bluetooth_connectivity: 0.35,
  hub_connectivity: 0.35,
  firmware_outdated: 0.3,
  software_glitch: 0.3,
};
/** Physical key override, when there is a cylinder and the person has the key. */
export const ENTRY_KEY: Partial<Record<CauseCode, number>> = {
  battery_depleted: 0.85,
  battery_installation: 0.85,
  external_power_fault: 0.85,
  wifi_connectivity: 0.85,
  bluetooth_connectivity: 0.85,
  hub_connectivity: 0.85,
  app_outdated_or_incompatible: 0.85,
  firmware_outdated: 0.85,
  software_glitch: 0.85,
  configuration_error: 0.85,
  credential_error: 0.85,
  electronic_failure: 0.8,
  door_misalignment: 0.4,
  worn_mechanism: 0.3,
  obstruction_debris: 0.15,
};
export const ENTRY_LOCKSMITH = 0.97;

/** Priors that depend on the power source (replacing the base prior of the cause). */
export const POWER_PRIORS: Record<PowerSource, Partial<Record<CauseCode, number>>> = {
  battery: {},
  // A wired lock's supply, wiring, fuse or transformer fails about as often as cells run flat.
  wired: { external_power_fault: 0.2 },
  // Chargers, cables and docks: a real but smaller share next to a flat pack.
  rechargeable: { external_power_fault: 0.08 },
};

/**
 * Sensitivity of a battery-level reading: P(the app or lock reads low | cause). Lithium cells
 * read full until they die, and a dead lock reports nothing or a stale level.
 */
export const BATTERY_CHECK_SENSITIVITY: Partial<Record<CauseCode, number>> = {
  battery_depleted: 0.8,
  battery_installation: 0.4,
  external_power_fault: 0.3,
};
export const BATTERY_CHECK_FALSE_ALARM = 0.05;

// ---- Precomputed dense tables (index order = the code arrays) ----------------------------

/** P(s | c) with the leak folded in: 1 - (1 - leak)(1 - p). Row-major [symptom][cause]. */
export const LIKELIHOOD = new Float64Array(N_SYMPTOMS * N_CAUSES);
export const LOG_PRESENT = new Float64Array(N_SYMPTOMS * N_CAUSES);
/** log(1 - salience * P(s|c)): an unmentioned symptom. */
export const LOG_ABSENT = new Float64Array(N_SYMPTOMS * N_CAUSES);
/** Sum over all symptoms of LOG_ABSENT, per cause. */
export const LOG_ABSENT_TOTAL = new Float64Array(N_CAUSES);
export const PRIOR = new Float64Array(N_CAUSES);
/** Row-major [step][cause]. */
export const STEP_FIX = new Float64Array(N_STEPS * N_CAUSES);
export const STEP_COST = new Float64Array(N_STEPS);

function buildTables(): void {
  for (let c = 0; c < N_CAUSES; c++) PRIOR[c] = CAUSES[CAUSE_CODES[c]!].prior;
  for (let s = 0; s < N_SYMPTOMS; s++) {
    const info = SYMPTOMS[SYMPTOM_CODES[s]!];
    for (let c = 0; c < N_CAUSES; c++) {
      const p = SYMPTOM_GIVEN_CAUSE[CAUSE_CODES[c]!][SYMPTOM_CODES[s]!] ?? 0;
      const l = 1 - (1 - info.leak) * (1 - p);
      LIKELIHOOD[s * N_CAUSES + c] = l;
      LOG_PRESENT[s * N_CAUSES + c] = Math.log(l);
      const absent = Math.log(1 - info.salience * l);
      LOG_ABSENT[s * N_CAUSES + c] = absent;
      LOG_ABSENT_TOTAL[c]! += absent;
    }
  }
  for (let k = 0; k < N_STEPS; k++) {
    const step = STEPS[STEP_CODES[k]!];
    STEP_COST[k] = step.cost;
    for (let c = 0; c < N_CAUSES; c++)
      STEP_FIX[k * N_CAUSES + c] = step.fixes[CAUSE_CODES[c]!] ?? 0;
  }
}
buildTables();

export function symptomGivenCause(symptom: SymptomCode, cause: CauseCode): number {
  return SYMPTOM_GIVEN_CAUSE[cause][symptom] ?? 0;
}

export interface Knowledge {
  version: string;
  model: string;
  symptoms: { code: SymptomCode; description: string }[];
  causes: {
    code: CauseCode;
    category: CauseCategory;
    description: string;
    prior: number;
    escalationTarget: EscalationTarget | null;
  }[];
  steps: {
    code: StepCode;
    performer: Performer;
    description: string;
    cost: number;
    fixes: { cause: CauseCode; probability: number }[];
    warnings: string[];
    escalationTarget: EscalationTarget | null;
  }[];
  /** P(symptom | cause) including the leak, for transparency. */
  likelihoods: { symptom: SymptomCode; cause: CauseCode; probability: number }[];
}

function escalationTargetOf(info: CauseInfo): EscalationTarget | null {
  const { locksmith, manufacturer } = info.escalation;
  if (Math.max(locksmith, manufacturer) < 0.5) return null;
  return locksmith >= manufacturer ? 'locksmith' : 'manufacturer';
}

/**
 * The knowledge base as plain JSON, for GET /v1/diagnostics/knowledge: the vocabulary with the
 * numbers of a given parameter set (P(symptom | cause) and P(step fixes | cause), dense tables).
 */
export function describeKnowledge(
  version: string,
  model: string,
  likelihood: ArrayLike<number>,
  stepFix: ArrayLike<number>,
): Knowledge {
  const round = (p: number): number => Math.round(p * 1e4) / 1e4;
  return deepFreeze({
    version,
    model,
    symptoms: SYMPTOM_CODES.map((code) => ({ code, description: SYMPTOMS[code].description })),
    causes: CAUSE_CODES.map((code) => ({
      code,
      category: CAUSES[code].category,
      description: CAUSES[code].description,
      prior: CAUSES[code].prior,
      escalationTarget: escalationTargetOf(CAUSES[code]),
    })),
    steps: STEP_CODES.map((code, k) => ({
      code,
      performer: STEPS[code].performer,
      description: STEPS[code].description,
      cost: STEPS[code].cost,
      fixes: CAUSE_CODES.flatMap((cause, c) => {
        const p = stepFix[k * N_CAUSES + c]!;
        return p > 0 ? [{ cause, probability: round(p) }] : [];
      }),
      warnings: [...STEPS[code].warnings],
      escalationTarget: STEPS[code].escalation ?? null,
    })),
    likelihoods: SYMPTOM_CODES.flatMap((symptom, s) =>
      CAUSE_CODES.map((cause, c) => ({
        symptom,
        cause,
        probability: round(likelihood[s * N_CAUSES + c]!),
      })),
    ),
  });
}

const MODEL_TEXT =
  'single-fault naive Bayes with leaky likelihoods; steps ordered by P(fix)/cost (Heckerman, Breese & Rommelse 1995)';

/** The hand-written expert tables. */
export const KNOWLEDGE: Knowledge = describeKnowledge('1', MODEL_TEXT, LIKELIHOOD, STEP_FIX);

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
