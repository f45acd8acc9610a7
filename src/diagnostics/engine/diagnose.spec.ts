import { describe, expect, it } from '@jest/globals';
import {
  CAUSE_CODES,
  type CauseCode,
  compareVersions,
  type DiagnosisInput,
  type DiagnosisResult,
  diagnose as diagnoseWith,
  POWER_SOURCES,
  PROTOCOLS,
  STEP_CODES,
  STEP_OUTCOMES,
  SYMPTOM_CODES,
} from './index.js';
import { STEPS } from './knowledge.js';
import { EXPERT_MODEL } from './model.js';

/**
 * These specs pin the engine's reasoning (constraints, negation, planning rules, escalation) on
 * the hand-written expert tables, whose numbers they were written against. The fitted tables
 * are judged on the corpus instead (src/diagnostics/corpus/corpus.spec.ts, npm run bench:corpus).
 */
const diagnose = (input: DiagnosisInput): DiagnosisResult => diagnoseWith(input, EXPERT_MODEL);

/** Seeded PRNG (mulberry32): random inputs, same every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomInputs(n: number, seed: number): DiagnosisInput[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const maybe = <T>(p: number, v: () => T): T | undefined => (r() < p ? v() : undefined);
  const texts = [
    "Keypad is dark, we can't get in",
    'App shows offline since the new router',
    'Grinding noise and the bolt jams',
    'Code not accepted, no damage',
    'After the update auto-lock stopped working',
    'Still dead even with fresh batteries',
  ];
  return Array.from({ length: n }, () => ({
    symptoms: Array.from({ length: Math.floor(r() * 4) }, () => pick(SYMPTOM_CODES)),
    description: maybe(0.4, () => pick(texts)),
    device: maybe(0.7, () => ({
      powerSource: maybe(0.8, () => pick(POWER_SOURCES)),
      protocols: maybe(0.7, () => [pick(PROTOCOLS), pick(PROTOCOLS)]),
      hasKeyCylinder: maybe(0.6, () => r() < 0.7),
      hasKeypad: maybe(0.6, () => r() < 0.8),
      hasBackupPower: maybe(0.5, () => r() < 0.7),
      hasFingerprint: maybe(0.5, () => r() < 0.3),
      firmwareBehindLatest: maybe(0.3, () => r() < 0.5),
    })),
    telemetry: maybe(0.7, () => ({
      batteryPercent: maybe(0.7, () => Math.round(r() * 100)),
      online: maybe(0.6, () => r() < 0.6),
      signalDbm: maybe(0.5, () => -40 - Math.round(r() * 55)),
      jamEvents24h: maybe(0.4, () => Math.round(r() * 6)),
      failedCodeAttempts24h: maybe(0.4, () => Math.round(r() * 6)),
      doorAjar: maybe(0.3, () => r() < 0.5),
      lastSeenAt: maybe(0.3, () => '2026-01-01T00:00:00Z'),
      warrantyExpiresAt: maybe(0.3, () =>
        r() < 0.5 ? '2025-01-01T00:00:00Z' : '2028-01-01T00:00:00Z',
      ),
    })),
    stepsTried: maybe(0.4, () =>
      Array.from({ length: 1 + Math.floor(r() * 3) }, () => ({
        step: pick(STEP_CODES),
        outcome: pick(STEP_OUTCOMES.filter((o) => o !== 'fixed')),
      })),
    ),
    learnedCounts: maybe(0.2, () => ({ [pick(CAUSE_CODES)]: Math.round(r() * 30) })),
    now: maybe(0.5, () => '2026-06-01T00:00:00Z'),
  }));
}

const top = (r: DiagnosisResult): CauseCode => r.causes[0]!.code;
const p = (r: DiagnosisResult, code: CauseCode): number =>
  r.causes.find((c) => c.code === code)?.probability ?? 0;
const steps = (r: DiagnosisResult): string[] => r.plan.map((s) => s.step);

/** An input that ranks each cause first: every contract cause is reachable. */
const REACH: Record<CauseCode, DiagnosisInput> = {
  battery_depleted: {
    symptoms: ['keypad_unresponsive', 'low_battery_warning'],
    telemetry: { batteryPercent: 3 },
  },
  battery_installation: { description: 'After changing the batteries the lock is completely dead' },
  external_power_fault: {
    symptoms: ['no_response'],
    device: { powerSource: 'wired' },
    telemetry: { online: false },
  },
  wifi_connectivity: {
    description: 'Shows offline in the app since we got a new router',
    device: { protocols: ['wifi'] },
  },
  bluetooth_connectivity: {
    symptoms: ['app_command_fails', 'intermittent_or_slow'],
    device: { protocols: ['bluetooth'] },
    telemetry: { batteryPercent: 80 },
  },
  hub_connectivity: {
    symptoms: ['app_shows_offline', 'started_after_network_change'],
    device: { protocols: ['zwave'] },
  },
  app_outdated_or_incompatible: {
    symptoms: ['app_command_fails', 'started_after_update'],
    device: { firmwareBehindLatest: false },
    telemetry: { online: true, batteryPercent: 90 },
  },
  firmware_outdated: {
    symptoms: ['intermittent_or_slow', 'reset_did_not_help'],
    telemetry: {
      online: true,
      batteryPercent: 80,
      firmwareVersion: '2.9.1',
      latestFirmware: '2.10.0',
    },
  },
  software_glitch: {
    symptoms: ['keypad_unresponsive', 'intermittent_or_slow'],
    device: { firmwareBehindLatest: false },
    telemetry: { online: true, batteryPercent: 90 },
  },
  configuration_error: { symptoms: ['wrong_auto_lock_behaviour'] },
  credential_error: { symptoms: ['code_rejected'], telemetry: { failedCodeAttempts24h: 4 } },
  door_misalignment: { symptoms: ['door_wont_latch', 'motor_runs_bolt_stuck'] },
  obstruction_debris: {
    description: "Key won't turn and the keyhole feels gritty, there's sand in it",
  },
  worn_mechanism: {
    symptoms: ['grinding_noise', 'motor_runs_bolt_stuck'],
    telemetry: { batteryPercent: 90, doorAjar: false },
  },
  broken_key_stuck: { symptoms: ['key_broken_in_lock'] },
  electronic_failure: {
    symptoms: ['keypad_unresponsive', 'reset_did_not_help'],
    telemetry: { batteryPercent: 95 },
    stepsTried: [{ step: 'replace_batteries', outcome: 'not_fixed' }],
  },
};

describe('diagnose: every cause is reachable', () => {
  it.each(CAUSE_CODES)('%s can rank first', (cause) => {
    expect(top(diagnose(REACH[cause]))).toBe(cause);
  });
});

describe('diagnose: probabilities', () => {
  const inputs = randomInputs(400, 7);

  it('sum to 1, sorted, strictly inside (0, 1), on random inputs', () => {
    for (const input of inputs) {
      const r = diagnose(input);
      const sum = r.causes.reduce((s, c) => s + c.probability, 0);
      expect(Math.abs(sum - 1)).toBeLessThan(1e-9);
      for (let i = 1; i < r.causes.length; i++) {
        expect(r.causes[i - 1]!.probability).toBeGreaterThanOrEqual(r.causes[i]!.probability);
      }
      for (const c of r.causes) {
        expect(c.probability).toBeGreaterThan(0);
        expect(c.probability).toBeLessThan(1);
      }
      expect(r.causes.length + r.excluded.length).toBe(CAUSE_CODES.length);
    }
  });

  it('are deterministic: same input, same output', () => {
    for (const input of inputs.slice(0, 100)) {
      const a = diagnose(input);
      const b = diagnose(structuredClone(input));
      expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    }
  });

  it('never let one telemetry reading drive a cause to 0 or 1', () => {
    const readings: DiagnosisInput['telemetry'][] = [
      { batteryPercent: 0 },
      { batteryPercent: 100 },
      { online: false },
      { online: true },
      { signalDbm: -100 },
      { signalDbm: -30 },
      { jamEvents24h: 50 },
      { failedCodeAttempts24h: 50 },
      { doorAjar: true },
      { firmwareVersion: '1.0.0', latestFirmware: '9.0.0' },
    ];
    for (const telemetry of readings) {
      const r = diagnose({ telemetry });
      for (const c of r.causes) {
        expect(c.probability).toBeGreaterThan(1e-4);
        expect(c.probability).toBeLessThan(0.9);
      }
    }
    // Lithium cells read full until they die: a full reading does not clear the batteries.
    const full = diagnose({
      symptoms: ['no_response', 'low_battery_warning'],
      telemetry: { batteryPercent: 100 },
    });
    expect(p(full, 'battery_depleted')).toBeGreaterThan(0.05);
  });

  it('never lower battery_depleted as the battery level falls', () => {
    const bases: DiagnosisInput[] = [
      {},
      { symptoms: ['keypad_unresponsive'] },
      { symptoms: ['app_command_fails', 'intermittent_or_slow'] },
      { symptoms: ['no_response'], device: { powerSource: 'rechargeable' } },
      { description: 'Motor whirs but the bolt only goes halfway', telemetry: { online: true } },
    ];
    for (const base of bases) {
      let prev = -1;
      for (let level = 100; level >= 0; level--) {
        const r = diagnose({ ...base, telemetry: { ...base.telemetry, batteryPercent: level } });
        const now = p(r, 'battery_depleted');
        expect(now).toBeGreaterThanOrEqual(prev - 1e-12);
        prev = now;
      }
      expect(prev).toBeGreaterThan(0.3);
    }
  });

  it('compares firmware versions semantically', () => {
    expect(compareVersions('2.10.0', '2.9.1')).toBeGreaterThan(0);
    expect(compareVersions('v1.2', '1.2.0')).toBe(0);
    const behind = diagnose({
      symptoms: ['intermittent_or_slow'],
      telemetry: { firmwareVersion: '2.9.1', latestFirmware: '2.10.0' },
    });
    const current = diagnose({
      symptoms: ['intermittent_or_slow'],
      telemetry: { firmwareVersion: '2.10.0', latestFirmware: '2.9.1' },
    });
    expect(p(behind, 'firmware_outdated')).toBeGreaterThan(3 * p(current, 'firmware_outdated'));
    expect(steps(current)).not.toContain('update_firmware');
  });

  it('explains each cause in plain words', () => {
    const r = diagnose({
      symptoms: ['keypad_unresponsive'],
      telemetry: { batteryPercent: 4 },
      stepsTried: [{ step: 'replace_batteries', outcome: 'not_fixed' }],
    });
    const battery = r.causes.find((c) => c.code === 'battery_depleted')!;
    expect(battery.evidence).toEqual(
      expect.arrayContaining([
        'battery at 4% (telemetry)',
        'symptom: keypad unresponsive',
        'reported: replace_batteries did not fix it',
      ]),
    );
    expect(battery.category).toBe('power');
  });

  it("blends a tenant's confirmed causes into the priors", () => {
    const input: DiagnosisInput = { symptoms: ['app_command_fails'] };
    const plain = diagnose(input);
    const learned = diagnose({ ...input, learnedCounts: { hub_connectivity: 40 } });
    expect(p(learned, 'hub_connectivity')).toBeGreaterThan(2 * p(plain, 'hub_connectivity'));
    expect(top(learned)).toBe('hub_connectivity');
    expect(learned.causes[0]!.evidence.join(' ')).toContain('tenant history');
  });

  it('ignores unknown codes and says so', () => {
    const r = diagnose({
      symptoms: ['keypad_unresponsive', 'not_a_symptom' as never],
      stepsTried: [{ step: 'bogus' as never, outcome: 'fixed' }],
      learnedCounts: { nope: 5 } as never,
    });
    expect(r.symptoms).toEqual(['keypad_unresponsive']);
    expect(r.resolved).toBe(false);
    expect(r.notes.length).toBe(2);
  });
});

describe('diagnose: device constraints', () => {
  it('rules out Wi-Fi and hub causes for a Bluetooth-only lock', () => {
    const r = diagnose({ symptoms: ['app_shows_offline'], device: { protocols: ['bluetooth'] } });
    const codes = r.causes.map((c) => c.code);
    expect(codes).not.toContain('wifi_connectivity');
    expect(codes).not.toContain('hub_connectivity');
    expect(codes).toContain('bluetooth_connectivity');
    expect(r.excluded.map((e) => e.code)).toEqual(
      expect.arrayContaining(['wifi_connectivity', 'hub_connectivity']),
    );
  });

  it('allows hub causes only with Zigbee, Z-Wave or Thread', () => {
    for (const protocol of ['zigbee', 'zwave', 'thread'] as const) {
      const r = diagnose({ symptoms: ['app_shows_offline'], device: { protocols: [protocol] } });
      expect(top(r)).toBe('hub_connectivity');
      expect(r.causes.map((c) => c.code)).not.toContain('wifi_connectivity');
    }
    const wifi = diagnose({ symptoms: ['app_shows_offline'], device: { protocols: ['wifi'] } });
    expect(wifi.causes.map((c) => c.code)).not.toContain('hub_connectivity');
  });

  it('rules out battery causes and battery steps for a wired lock', () => {
    const r = diagnose({
      symptoms: ['no_response', 'locked_out'],
      device: { powerSource: 'wired' },
    });
    const codes = r.causes.map((c) => c.code);
    expect(codes).not.toContain('battery_depleted');
    expect(codes).not.toContain('battery_installation');
    for (const s of [
      'replace_batteries',
      'reseat_batteries',
      'check_battery_level',
      'use_backup_power',
    ]) {
      expect(steps(r)).not.toContain(s);
    }
  });

  it('allows external power faults only for wired and rechargeable locks', () => {
    const battery = diagnose({ symptoms: ['no_response'], device: { powerSource: 'battery' } });
    expect(battery.causes.map((c) => c.code)).not.toContain('external_power_fault');
    expect(steps(battery)).not.toContain('check_external_power');
    for (const powerSource of ['wired', 'rechargeable'] as const) {
      const r = diagnose({ symptoms: ['no_response'], device: { powerSource } });
      expect(r.causes.map((c) => c.code)).toContain('external_power_fault');
    }
  });

  it('rules out a broken key without a cylinder, and ignores key and fingerprint symptoms the lock cannot have', () => {
    const r = diagnose({
      symptoms: ['key_broken_in_lock', 'fingerprint_rejected', 'no_response'],
      device: { hasKeyCylinder: false, hasFingerprint: false },
    });
    expect(r.causes.map((c) => c.code)).not.toContain('broken_key_stuck');
    expect(r.notes.join(' ')).toContain('no key cylinder');
    expect(r.notes.join(' ')).toContain('no fingerprint reader');
    expect(r.symptoms).toContain('key_broken_in_lock');
    const withReader = diagnose({
      symptoms: ['fingerprint_rejected'],
      device: { hasFingerprint: true },
    });
    expect(top(withReader)).toBe('credential_error');
  });
});

describe('diagnose: step outcomes', () => {
  const base: DiagnosisInput = { symptoms: ['keypad_unresponsive', 'low_battery_warning'] };

  it('lowers, but does not rule out, the causes a failed step would have fixed', () => {
    const before = p(diagnose(base), 'battery_depleted');
    const after = p(
      diagnose({ ...base, stepsTried: [{ step: 'replace_batteries', outcome: 'not_fixed' }] }),
      'battery_depleted',
    );
    // Imperfectly: old cells from a drawer, the wrong type, a stale reading.
    expect(after).toBeLessThan(before * 0.75);
    expect(after).toBeGreaterThan(0.05);
  });

  it('takes tried steps out of the plan, whatever the outcome', () => {
    for (const outcome of ['not_fixed', 'skipped', 'unable'] as const) {
      const r = diagnose({ ...base, stepsTried: [{ step: 'replace_batteries', outcome }] });
      expect(steps(r)).not.toContain('replace_batteries');
    }
    const plain = diagnose(base);
    for (const s of steps(plain)) {
      const r = diagnose({ ...base, stepsTried: [{ step: s as never, outcome: 'not_fixed' }] });
      expect(steps(r)).not.toContain(s);
    }
  });

  it('reads skipped and unable as no evidence about causes', () => {
    const plain = diagnose(base);
    for (const outcome of ['skipped', 'unable'] as const) {
      const r = diagnose({ ...base, stepsTried: [{ step: 'replace_batteries', outcome }] });
      expect(r.causes).toEqual(plain.causes);
    }
  });

  it('is resolved when a step fixed it', () => {
    const r = diagnose({ ...base, stepsTried: [{ step: 'replace_batteries', outcome: 'fixed' }] });
    expect(r.resolved).toBe(true);
    expect(r.plan).toEqual([]);
    expect(r.escalation.recommended).toBe(false);
    expect(top(r)).toBe('battery_depleted');
  });

  it('shifts a failed update or reset toward the manufacturer', () => {
    const input: DiagnosisInput = { symptoms: ['intermittent_or_slow', 'app_command_fails'] };
    const after = diagnose({
      ...input,
      symptoms: [...input.symptoms!, 'reset_did_not_help'],
      stepsTried: [
        { step: 'update_firmware', outcome: 'not_fixed' },
        { step: 'factory_reset', outcome: 'not_fixed' },
      ],
    });
    expect(after.escalation.likelyTarget).toBe('manufacturer');
    expect(steps(after)).not.toContain('restart_lock_and_app');
  });
});

describe('diagnose: planning and safety', () => {
  const inputs = randomInputs(400, 11);

  it('orders steps with a performer, a cost, a chance to fix and warnings', () => {
    for (const input of inputs.slice(0, 100)) {
      for (const s of diagnose(input).plan) {
        expect(['anyone', 'agent']).toContain(s.performer);
        expect(s.performer).toBe(STEPS[s.step].performer);
        expect(s.cost).toBeGreaterThan(0);
        expect(s.pFix).toBeGreaterThanOrEqual(0);
        expect(s.pFix).toBeLessThanOrEqual(1);
        expect(s.rationale.length).toBeGreaterThan(10);
        expect(Array.isArray(s.warnings)).toBe(true);
      }
    }
  });

  it('never lists a step twice', () => {
    for (const input of inputs) {
      const list = steps(diagnose(input));
      expect(new Set(list).size).toBe(list.length);
    }
  });

  it('puts factory_reset after every cheaper step for its causes, and always warns', () => {
    let seen = 0;
    for (const input of inputs) {
      const plan = diagnose(input).plan;
      const at = plan.findIndex((s) => s.step === 'factory_reset');
      if (at < 0) continue;
      seen++;
      const reset = STEPS.factory_reset;
      const warnings = plan[at]!.warnings.join(' ').toLowerCase();
      expect(warnings).toContain('code');
      expect(warnings).toContain('pair');
      for (const later of plan.slice(at + 1)) {
        const info = STEPS[later.step];
        if (info.escalation || info.cost >= reset.cost) continue;
        const shared = CAUSE_CODES.some(
          (c) => (reset.fixes[c] ?? 0) > 0 && (info.fixes[c] ?? 0) >= 0.1,
        );
        expect(shared).toBe(false);
      }
    }
    expect(seen).toBeGreaterThan(20);
  });

  it('never resets a lock someone is locked out of, and leads with a way in', () => {
    const lockedOut = inputs.map((i) => ({
      ...i,
      symptoms: [...(i.symptoms ?? []), 'locked_out' as const],
    }));
    let entries = 0;
    for (const input of lockedOut) {
      const r = diagnose(input);
      if (r.resolved) continue;
      expect(steps(r)).not.toContain('factory_reset');
      const entry = ['use_backup_power', 'review_access_codes', 'call_locksmith'];
      // Every way in was already tried (or none can work): then there is nothing to lead with.
      if (!r.plan.some((s) => s.phase === 'entry')) {
        expect(r.escalation.likelyTarget).toBe('locksmith');
        continue;
      }
      entries++;
      expect(entry).toContain(r.plan[0]?.step);
      expect(r.plan[0]!.phase).toBe('entry');
      const firstRepair = r.plan.findIndex((s) => s.phase === 'repair');
      if (firstRepair >= 0)
        expect(r.plan.slice(firstRepair).every((s) => s.phase === 'repair')).toBe(true);
    }
    expect(entries).toBeGreaterThan(300);
  });

  it('starts a dead-battery lockout with emergency power', () => {
    const r = diagnose({
      description: "The keypad is dark and not beeping, we're locked out",
      device: { powerSource: 'battery' },
    });
    expect(r.plan[0]!.step).toBe('use_backup_power');
    expect(r.escalation.recommended).toBe(false);
  });

  it('sends a locksmith when someone is locked out with no remote way in', () => {
    const cases: DiagnosisInput[] = [
      {
        symptoms: ['locked_out', 'no_response'],
        device: { powerSource: 'wired', hasKeyCylinder: false },
        telemetry: { online: false },
      },
      {
        symptoms: ['locked_out', 'bolt_stiff_or_jams'],
        device: { hasBackupPower: false },
        telemetry: { online: false },
      },
      { description: "Key snapped off in the lock and the tenant can't get in" },
    ];
    for (const input of cases) {
      const r = diagnose(input);
      expect(r.escalation.recommended).toBe(true);
      expect(r.escalation.target).toBe('locksmith');
      expect(steps(r)).toContain('call_locksmith');
      expect(steps(r)).not.toContain('factory_reset');
    }
  });

  it('holds escalation back while cheap, likely steps remain', () => {
    const r = diagnose({ symptoms: ['keypad_unresponsive', 'low_battery_warning'] });
    expect(r.escalation.recommended).toBe(false);
    expect(r.escalation.target).toBeNull();
    expect(r.plan[0]!.step).toBe('replace_batteries');
  });

  it('escalates to the manufacturer once an electronic fault survives the cheap steps', () => {
    const r = diagnose({
      symptoms: ['keypad_unresponsive', 'reset_did_not_help'],
      telemetry: { batteryPercent: 95, online: true },
      stepsTried: [
        { step: 'replace_batteries', outcome: 'not_fixed' },
        { step: 'reseat_batteries', outcome: 'not_fixed' },
        { step: 'factory_reset', outcome: 'not_fixed' },
      ],
    });
    expect(top(r)).toBe('electronic_failure');
    expect(r.escalation).toMatchObject({ recommended: true, target: 'manufacturer' });
  });

  it('escalates mechanical faults to a locksmith, and visible damage leans that way', () => {
    const r = diagnose({
      symptoms: ['grinding_noise', 'motor_runs_bolt_stuck'],
      stepsTried: [
        { step: 'inspect_alignment', outcome: 'not_fixed' },
        { step: 'clean_and_lubricate', outcome: 'not_fixed' },
        { step: 'replace_batteries', outcome: 'not_fixed' },
      ],
    });
    expect(r.escalation).toMatchObject({ recommended: true, target: 'locksmith' });
    const damaged = diagnose({ symptoms: ['no_response', 'visible_damage', 'reset_did_not_help'] });
    const undamaged = diagnose({ symptoms: ['no_response', 'reset_did_not_help'] });
    expect(
      damaged.escalation.likelyTarget === 'locksmith' ||
        undamaged.escalation.likelyTarget === 'manufacturer',
    ).toBe(true);
  });

  it('places an escalation step where it beats the cheaper steps left', () => {
    const key = diagnose({ symptoms: ['key_broken_in_lock'] });
    expect(key.plan[0]!.step).toBe('call_locksmith');
    const worn = diagnose({ symptoms: ['grinding_noise', 'motor_runs_bolt_stuck'] });
    const list = steps(worn);
    expect(list.indexOf('inspect_alignment')).toBeLessThan(list.indexOf('call_locksmith'));
  });

  it('asks for a battery reading only when it is worth it', () => {
    const unknown = diagnose({ symptoms: ['app_command_fails', 'intermittent_or_slow'] });
    const known = diagnose({
      symptoms: ['app_command_fails', 'intermittent_or_slow'],
      telemetry: { batteryPercent: 60 },
    });
    expect(steps(known)).not.toContain('check_battery_level');
    const check = unknown.plan.find((s) => s.step === 'check_battery_level');
    if (check) {
      expect(unknown.plan[0]!.step).toBe('check_battery_level');
      expect(check.pFix).toBe(0);
    }
    expect(steps(diagnose({ symptoms: ['key_broken_in_lock'] }))).not.toContain(
      'check_battery_level',
    );
  });
});
