/**
 * When to hand a ticket to a professional, and to which one. Target: where the remaining
 * probability lies (mechanical faults and lockouts: locksmith; electronics and software that
 * survive updates and resets, warranty replacements: manufacturer). Timing: the plan's own
 * cost-benefit order decides; escalation is recommended once it is the next sensible step or
 * the cheaper steps ahead of it are unlikely to help.
 */
import {
  CAUSE_CODES,
  type EscalationTarget,
  N_CAUSES,
  SYMPTOM_POS,
  type StepCode,
  type SymptomCode,
} from './codes.js';
import type { Context } from './context.js';
import { CAUSES } from './knowledge.js';
import type { Escalation, PlanStep } from './types.js';

/** Below this chance that the steps ahead of an escalation fix it, escalating now is advised. */
const CHEAP_STEPS_HOPELESS = 0.2;
/** A locked-out person needs a locksmith unless other ways in are at least this likely. */
const ENTRY_ENOUGH = 0.5;

export interface EscalationInput {
  ctx: Context;
  posterior: readonly number[];
  plan: readonly PlanStep[];
  resolvedBy: StepCode | undefined;
  failedSteps: readonly StepCode[];
  entryWithoutLocksmith: number;
  /** Cause indices by descending probability. */
  ranked: readonly number[];
}

const pct = (p: number): string => `${Math.round(p * 100)}%`;

function present(ctx: Context, code: SymptomCode): boolean {
  return ctx.present[SYMPTOM_POS[code]] === 1;
}

export function escalationScores(x: EscalationInput): Record<EscalationTarget, number> {
  const { ctx, posterior } = x;
  let locksmith = 0;
  let manufacturer = 0;
  for (let c = 0; c < N_CAUSES; c++) {
    const code = CAUSE_CODES[c]!;
    let { locksmith: l, manufacturer: m } = CAUSES[code].escalation;
    // Worn motor or gears inside a lock still in warranty: a replacement unit, not a repair.
    if (code === 'worn_mechanism' && ctx.inWarranty === true) {
      l = 0.6;
      m = 0.8;
    }
    locksmith += posterior[c]! * l;
    manufacturer += posterior[c]! * m;
  }
  if (present(ctx, 'visible_damage')) locksmith *= 1.5;
  if (ctx.lockedOut) locksmith *= 1.5;
  let m = 1;
  if (present(ctx, 'reset_did_not_help')) m *= 1.4;
  if (present(ctx, 'started_after_update')) m *= 1.2;
  for (const s of ['update_firmware', 'factory_reset', 'restart_lock_and_app'] as const) {
    if (x.failedSteps.includes(s)) m *= 1.3;
  }
  if (ctx.inWarranty === true) m *= 1.2;
  manufacturer *= Math.min(m, 2.5);
  return { locksmith, manufacturer };
}

function topCauses(x: EscalationInput, n: number): string {
  const parts: string[] = [];
  for (const c of x.ranked) {
    if (parts.length === n || x.posterior[c]! <= 0.01) break;
    parts.push(`${CAUSES[CAUSE_CODES[c]!].label} ${pct(x.posterior[c]!)}`);
  }
  return parts.join(', ');
}

export function decideEscalation(x: EscalationInput): Escalation {
  const { ctx, plan } = x;
  const scores = escalationScores(x);
  const likelyTarget: EscalationTarget =
    scores.locksmith >= scores.manufacturer ? 'locksmith' : 'manufacturer';

  if (x.resolvedBy !== undefined) {
    return {
      recommended: false,
      target: null,
      reason: `Resolved: ${x.resolvedBy} fixed it.`,
      likelyTarget,
    };
  }

  if (ctx.lockedOut && x.entryWithoutLocksmith < ENTRY_ENOUGH) {
    const why: string[] = [];
    if (ctx.online === false) why.push('the lock is offline, so no remote unlock or new code');
    if (ctx.power === 'wired') why.push('a wired lock has no emergency power terminal');
    else if (ctx.hasBackupPower === false) why.push('no emergency power terminal');
    if (ctx.hasKeyCylinder === false) why.push('no key cylinder');
    if (present(ctx, 'key_broken_in_lock')) why.push('a key is broken in the cylinder');
    const detail = why.length > 0 ? ` (${why.join('; ')})` : '';
    return {
      recommended: true,
      target: 'locksmith',
      reason: `Someone is locked out and no remote or self-service way in is likely${detail}: only ${pct(x.entryWithoutLocksmith)} chance without a locksmith. Most likely: ${topCauses(x, 3)}.`,
      likelyTarget: 'locksmith',
    };
  }

  const repair = plan.filter((p) => p.phase === 'repair');
  const first = repair.findIndex(
    (p) => p.step === 'contact_manufacturer' || p.step === 'call_locksmith',
  );
  const professionalOnly = (): string => `Remaining probability lies with ${topCauses(x, 3)}`;
  if (repair.length === 0) {
    return {
      recommended: true,
      target: likelyTarget,
      reason: `No self-service steps are left. ${professionalOnly()}.`,
      likelyTarget,
    };
  }
  if (first < 0) {
    return {
      recommended: false,
      target: null,
      reason: `Not needed: the plan's steps cover the likely causes (${topCauses(x, 2)}).`,
      likelyTarget,
    };
  }
  const pCheapFixes = 1 - repair[first]!.pReach;
  const ahead = repair.slice(0, first).map((p) => p.step);
  if (first === 0 || pCheapFixes < CHEAP_STEPS_HOPELESS) {
    const extra: string[] = [];
    if (present(ctx, 'reset_did_not_help')) extra.push('a reset already failed');
    if (x.failedSteps.includes('update_firmware')) extra.push('a firmware update did not help');
    if (present(ctx, 'visible_damage')) extra.push('there is visible damage');
    if (ctx.inWarranty === true && likelyTarget === 'manufacturer')
      extra.push('the lock is in warranty');
    const tail = extra.length > 0 ? `; ${extra.join(', ')}` : '';
    const cheap =
      ahead.length > 0
        ? ` The cheaper steps left (${ahead.join(', ')}) are only ${pct(pCheapFixes)} likely to fix it.`
        : '';
    return {
      recommended: true,
      target: likelyTarget,
      reason: `${professionalOnly()}${tail}: escalate to the ${likelyTarget}.${cheap}`,
      likelyTarget,
    };
  }
  return {
    recommended: false,
    target: null,
    reason: `Not yet: cheaper steps remain (${ahead.slice(0, 4).join(', ')}), about ${pct(pCheapFixes)} likely to fix it first; if they fail, the ${likelyTarget} is next.`,
    likelyTarget,
  };
}
