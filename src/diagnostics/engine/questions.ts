/**
 * Questions worth asking: the symptoms whose answer would most lower the expected cost to fix
 * (value of information, as the battery check in the plan). For each candidate symptom the plan
 * is re-ordered on either answer; the saving is the plan's expected cost now minus the expected
 * cost once the answer is known. Only the few symptoms that split the current posterior most are
 * evaluated, so a diagnosis stays in the tens of microseconds.
 */
import { N_CAUSES, N_SYMPTOMS, SYMPTOM_CODES, type SymptomCode } from './codes.js';
import type { Model } from './model.js';
import { ecrCompiled, orderCompiled, type Precedence, type Sparse } from './planning.js';

export interface Question {
  symptom: SymptomCode;
  text: string;
  expectedSavingMinutes: number;
}

/** A plain question for a person, per symptom. */
export const QUESTION_TEXT: Record<SymptomCode, string> = {
  no_response: 'Is the lock completely dead: no lights, no sound, no motor at all?',
  keypad_unresponsive: 'Does the keypad stay dark or ignore touches?',
  app_command_fails: 'When you lock or unlock from the app, does the lock fail to act?',
  app_shows_offline: 'Does the app or hub show the lock as offline or unavailable?',
  intermittent_or_slow: 'Does it work only sometimes, or with a long delay?',
  low_battery_warning: 'Is there a low-battery alert, or a red or flashing battery light?',
  motor_runs_bolt_stuck: 'Can you hear the motor run while the bolt does not move all the way?',
  bolt_stiff_or_jams: 'Is the bolt or latch stiff or hard to turn by hand?',
  grinding_noise: 'Does the lock grind or click when it moves?',
  door_wont_latch: 'Does the bolt miss the strike, so the door will not lock?',
  code_rejected: 'Is a PIN or access code being refused?',
  fingerprint_rejected: 'Is a fingerprint not being recognised?',
  key_wont_turn: 'Does the physical key refuse to turn?',
  key_broken_in_lock: 'Is part of a key stuck in the cylinder?',
  started_after_update: 'Did this start right after an app or firmware update?',
  started_after_battery_change: 'Did this start right after the batteries were changed?',
  started_after_network_change:
    'Did this start after a new router, a new Wi-Fi password or moving the hub?',
  wrong_auto_lock_behaviour: 'Do auto-lock, schedules or time-limited codes misbehave?',
  visible_damage: 'Is there visible damage to the lock, the door or the frame?',
  reset_did_not_help: 'Has someone already restarted or reset the lock without success?',
  locked_out: 'Is someone unable to get in right now?',
};

/** At most this many candidates get the full re-planning; the rest are ranked out cheaply. */
const CANDIDATES = 3;
/** A symptom the causes in play predict this similarly cannot move the plan enough to matter. */
const MIN_SPLIT = 0.04;
/** With one cause this likely, the plan starts with its fix whatever the answer: ask nothing. */
const SETTLED = 0.85;
const MAX_QUESTIONS = 3;
/** A question must save at least this many minutes on average to be worth a person's time. */
const MIN_SAVING = 0.5;

export interface RepairPlanning {
  sp: Sparse;
  before: Precedence;
  order: readonly number[];
  /** The expected cost of `order` on the posterior, once something has computed it. */
  without?: number;
}

// Scratch (the engine is synchronous): the screen's candidates and the two answers' masses.
const SCREEN_SPLIT = new Float64Array(N_SYMPTOMS);
const SCREEN_SYMPTOM = new Int32Array(N_SYMPTOMS);
const YES = new Float64Array(N_CAUSES);
const NO = new Float64Array(N_CAUSES);

/**
 * @param known symptoms already present or answered (1), never asked again
 */
export function worthAsking(
  posterior: readonly number[],
  known: Uint8Array,
  repair: RepairPlanning,
  model: Model,
): Question[] {
  let top = 0;
  for (let c = 0; c < N_CAUSES; c++) if (posterior[c]! > top) top = posterior[c]!;
  if (top >= SETTLED) return [];
  // Cheap screen: how differently the causes still in play predict each symptom. Kept as
  // parallel arrays sorted by descending split, then symptom (insertion sort: a handful).
  const lik = model.likelihood;
  let nScreened = 0;
  for (let s = 0; s < N_SYMPTOMS; s++) {
    if (known[s]) continue;
    const row = s * N_CAUSES;
    let mean = 0;
    for (let c = 0; c < N_CAUSES; c++) mean += posterior[c]! * lik[row + c]!;
    if (mean <= 0.02 || mean >= 0.98) continue;
    let split = 0;
    for (let c = 0; c < N_CAUSES; c++) split += posterior[c]! * Math.abs(lik[row + c]! - mean);
    if (split < MIN_SPLIT) continue;
    let q = nScreened++;
    while (q > 0 && SCREEN_SPLIT[q - 1]! < split) {
      SCREEN_SPLIT[q] = SCREEN_SPLIT[q - 1]!;
      SCREEN_SYMPTOM[q] = SCREEN_SYMPTOM[q - 1]!;
      q--;
    }
    SCREEN_SPLIT[q] = split;
    SCREEN_SYMPTOM[q] = s;
  }
  if (nScreened === 0) return [];
  const without = repair.without ?? ecrCompiled(repair.order, repair.sp, posterior);
  const out: Question[] = [];
  const yes = YES;
  const no = NO;
  for (let j = 0; j < nScreened && j < CANDIDATES; j++) {
    const s = SCREEN_SYMPTOM[j]!;
    for (let c = 0; c < N_CAUSES; c++) {
      const l = lik[s * N_CAUSES + c]!;
      yes[c] = posterior[c]! * l;
      no[c] = posterior[c]! * (1 - l);
    }
    const withAnswer =
      ecrCompiled(orderCompiled(repair.sp, yes, repair.before), repair.sp, yes) +
      ecrCompiled(orderCompiled(repair.sp, no, repair.before), repair.sp, no);
    const saving = without - withAnswer;
    if (saving < MIN_SAVING) continue;
    const symptom = SYMPTOM_CODES[s]!;
    out.push({
      symptom,
      text: QUESTION_TEXT[symptom],
      expectedSavingMinutes: Math.round(saving * 10) / 10,
    });
  }
  if (out.length > 1)
    out.sort(
      (a, b) =>
        b.expectedSavingMinutes - a.expectedSavingMinutes || a.symptom.localeCompare(b.symptom),
    );
  return out.slice(0, MAX_QUESTIONS);
}
