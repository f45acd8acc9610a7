/**
 * The inputs the diagnosis speed bench measures and the answers check hashes: synthetic inputs
 * (free text, symptom codes with telemetry, lockouts, tried steps, learned priors) and the
 * fixture and training-corpus cases. The frozen evaluation split is never read here.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  CAUSE_CODES,
  type DiagnosisInput,
  PROTOCOLS,
  STEP_CODES,
  STEP_OUTCOMES,
  SYMPTOM_CODES,
} from '../src/diagnostics/engine/index.js';
import { at } from '../src/common/at.js';

/** Small deterministic PRNG (mulberry32), so every run measures the same inputs. */
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

const DESCRIPTIONS = [
  "The keypad is dark and not beeping, no lights at all. We're locked out.",
  'Lock shows offline in the app since we got a new router last week.',
  'Motor whirs but the deadbolt only goes halfway; I have to push the door to lock it.',
  "Key snapped in the lock and the tenant can't get in.",
  'After changing the batteries the lock is completely dead.',
  'Guest code not accepted, keypad flashes red. Not locked out, they used the key.',
  'Auto-lock stopped working after the firmware update, no grinding or jamming.',
  "App says unlocking but nothing happens; restarted the app and phone, didn't help.",
  'Grinding noise when locking, lock is five years old and used constantly.',
  'The Z-Wave lock will not pair with the new SmartThings hub.',
  'Fingerprint not recognised for my daughter, everyone else is fine.',
  'Batteries drain every few weeks and the bolt sticks in the strike plate in summer.',
  'Wired maglock stopped holding the door; two other doors on the same supply are out.',
  'Door ajar alert all the time and the lock never auto-locks at night.',
  'Still dead even with fresh batteries fitted the right way round; factory reset did nothing.',
];

export function makeInputs(n: number, seed: number): DiagnosisInput[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => at(xs, Math.floor(r() * xs.length));
  const inputs: DiagnosisInput[] = [];
  for (let i = 0; i < n; i++) {
    const kind = i % 5;
    const input: DiagnosisInput = {};
    if (kind === 0 || kind === 3) input.description = pick(DESCRIPTIONS);
    if (kind !== 0) {
      const k = 1 + Math.floor(r() * 3);
      input.symptoms = Array.from({ length: k }, () => pick(SYMPTOM_CODES));
    }
    if (kind >= 2) {
      input.device = {
        powerSource: pick(['battery', 'battery', 'wired', 'rechargeable'] as const),
        protocols: [pick(PROTOCOLS), pick(PROTOCOLS)],
        hasKeyCylinder: r() < 0.8,
        hasKeypad: r() < 0.9,
      };
      input.telemetry = {
        batteryPercent: Math.round(r() * 100),
        online: r() < 0.7,
        signalDbm: -40 - Math.round(r() * 55),
        jamEvents24h: r() < 0.2 ? Math.round(r() * 8) : 0,
        failedCodeAttempts24h: r() < 0.2 ? Math.round(r() * 8) : 0,
        firmwareVersion: '2.9.1',
        latestFirmware: r() < 0.5 ? '2.10.0' : '2.9.1',
        lastSeenAt: '2026-03-01T10:00:00Z',
        warrantyExpiresAt: '2027-01-01T00:00:00Z',
      };
      input.now = '2026-03-02T10:00:00Z';
    }
    if (kind === 4) {
      input.stepsTried = [
        { step: pick(STEP_CODES), outcome: pick(STEP_OUTCOMES.filter((o) => o !== 'fixed')) },
      ];
      input.learnedCounts = { [pick(CAUSE_CODES)]: Math.round(r() * 20) };
    }
    inputs.push(input);
  }
  return inputs;
}

/**
 * Inputs of the fixture cases and of the corpus's training cases (their real descriptions).
 * The frozen evaluation split is read only by `npm run bench:corpus`, never here.
 */
export function benchmarkCases(): DiagnosisInput[] {
  const out: DiagnosisInput[] = [];
  for (const folder of ['test/fixtures/diagnosis', 'corpus/diagnosis/cases'])
    out.push(...inputsIn(resolve(process.cwd(), folder)));
  return out;
}

function inputsIn(dir: string): DiagnosisInput[] {
  if (!existsSync(dir)) return [];
  const out: DiagnosisInput[] = [];
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.json'))) {
    const parsed: unknown = JSON.parse(readFileSync(join(dir, f), 'utf8'));
    for (const c of Array.isArray(parsed) ? parsed : [parsed]) {
      if (typeof c === 'object' && c !== null && 'input' in c) {
        out.push((c as { input: DiagnosisInput }).input);
      }
    }
  }
  return out;
}
