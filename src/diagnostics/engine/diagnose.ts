/**
 * diagnose(): symptoms, free text, device and telemetry in; ranked causes, a plan and an
 * escalation recommendation out. Pure and deterministic: same input, same output.
 */
import {
  CAUSE_CODES,
  CAUSE_POS,
  type CauseCode,
  isCauseCode,
  isStepCode,
  isStepOutcome,
  isSymptomCode,
  N_CAUSES,
  N_SYMPTOMS,
  STEP_CODES,
  STEP_POS,
  type StepCode,
  type StepOutcome,
  SYMPTOM_CODES,
  SYMPTOM_POS,
  type SymptomCode,
} from './codes.js';
import { buildContext, type Context, type Finding, telemetryFindings } from './context.js';
import { decideEscalation } from './escalation.js';
import {
  BATTERY_CHECK_FALSE_ALARM,
  BATTERY_CHECK_SENSITIVITY,
  CAUSES,
  ENTRY_BACKUP_POWER,
  ENTRY_KEY,
  ENTRY_LOCKSMITH,
  ENTRY_REMOTE_CREDENTIAL,
  POWER_PRIORS,
  PRIOR,
  STEP_COST,
  STEPS,
  SYMPTOMS,
} from './knowledge.js';
import {
  type Candidate,
  compile,
  copyOf,
  filled,
  ecrCompiled,
  orderCompiled,
  type Precedence,
  type SequenceStats,
  type Sparse,
  statsCompiled,
} from './planning.js';
import { DEFAULT_MODEL, type Model, textScores } from './model.js';
import { type Question, type RepairPlanning, worthAsking } from './questions.js';
import { extractFromText, type TextExtraction } from './text.js';
import type { DiagnosisInput, DiagnosisResult, PlanPhase, PlanStep, RankedCause } from './types.js';

/** Pseudo-count weight of the base priors against a tenant's confirmed causes. */
export const PRIOR_STRENGTH = 20;
/**
 * A reported failure is weaker evidence than the step's fix rate suggests: steps get done badly
 * (old batteries from a drawer, a restart that was not one). P(not fixed | cause) = 1 - this * fix.
 */
export const OUTCOME_RELIABILITY = 0.85;
/** Steps below this unconditional chance of fixing the problem are left out of the plan. */
const NEGLIGIBLE = 0.01;
/** An information step must save at least this much expected cost to be worth asking for. */
const MIN_INFORMATION_GAIN = 1;
/** ...and a noticeable share of the plan's expected cost, or it is noise in front of the real work. */
const MIN_INFORMATION_SHARE = 0.05;

const S = (code: SymptomCode): number => SYMPTOM_POS[code];
const C = (code: CauseCode): number => CAUSE_POS[code];
const K = (code: StepCode): number => STEP_POS[code];

const SYMPTOM_EVIDENCE = SYMPTOM_CODES.map((s) => `symptom: ${SYMPTOMS[s].label}`);
const SYMPTOM_AGAINST = SYMPTOM_CODES.map((s) => `not typical of it: ${SYMPTOMS[s].label}`);

interface Weighted {
  w: number;
  text: string;
}

const EMPTY_TEXT: TextExtraction = {
  symptoms: [],
  matches: [],
  negated: [],
  hints: [],
  impliedSteps: [],
  failedSteps: [],
  stepHints: [],
};

/** The text model speaks for a cause in the evidence list above this log-ratio. */
const TEXT_EVIDENCE = 0.5;

export function diagnose(input: DiagnosisInput, model: Model = DEFAULT_MODEL): DiagnosisResult {
  const notes: string[] = [];

  // ---- Symptoms: reported and extracted ---------------------------------------------------
  const text =
    typeof input.description === 'string' && input.description.trim() !== ''
      ? extractFromText(input.description)
      : EMPTY_TEXT;
  const seen = new Uint8Array(N_SYMPTOMS);
  for (const s of input.symptoms ?? []) {
    if (isSymptomCode(s)) seen[S(s)] = 1;
    else notes.push(`unknown symptom code ignored: ${String(s)}`);
  }
  for (const s of text.symptoms) seen[S(s)] = 1;
  // Answers to questions: a "yes" is a reported symptom; a "no" is evidence against it (below)
  // and withdraws what the text suggested, except a lockout, which no answer can lift.
  const answered = new Uint8Array(N_SYMPTOMS);
  const deniedList: number[] = [];
  for (const a of input.answers ?? []) {
    if (!a || !isSymptomCode(a.symptom) || typeof a.present !== 'boolean') {
      notes.push('an answer with an unknown symptom code was ignored');
      continue;
    }
    const i = S(a.symptom);
    answered[i] = 1;
    if (a.present) seen[i] = 1;
    else if (a.symptom !== 'locked_out' || !seen[i]) {
      seen[i] = 0;
      deniedList.push(i);
    }
  }
  const symptoms: SymptomCode[] = [];
  for (let s = 0; s < N_SYMPTOMS; s++) if (seen[s]) symptoms.push(SYMPTOM_CODES[s]!);

  const ctx = buildContext(input, symptoms, text.batteryPercent, notes);
  ctx.fixBoosts = text.stepHints;
  const evidence: Weighted[][] = [];
  for (let c = 0; c < N_CAUSES; c++) evidence.push([]);
  const logp = filled(N_CAUSES, 0);

  // ---- Priors, blended with the tenant's confirmed causes (Dirichlet pseudo-counts) -------
  const prior = flattenedPrior(ctx, model);
  let priorTotal = 0;
  for (let c = 0; c < N_CAUSES; c++) if (!ctx.excluded[c]) priorTotal += prior[c]!;
  let learnedTotal = 0;
  const learned = filled(N_CAUSES, 0);
  if (input.learnedCounts != null)
    for (const [code, n] of Object.entries(input.learnedCounts)) {
      if (!isCauseCode(code) || typeof n !== 'number' || !Number.isFinite(n) || n <= 0) continue;
      const c = C(code);
      if (ctx.excluded[c]) continue;
      learned[c] = n;
      learnedTotal += n;
    }
  for (let c = 0; c < N_CAUSES; c++) {
    if (ctx.excluded[c]) {
      logp[c] = -Infinity;
      continue;
    }
    const base = prior[c]! / priorTotal;
    const blended = (PRIOR_STRENGTH * base + learned[c]!) / (PRIOR_STRENGTH + learnedTotal);
    logp[c] = Math.log(blended);
    if (learnedTotal > 0) {
      const w = Math.log(blended / base);
      if (Math.abs(w) > 0.2) {
        evidence[c]!.push({
          w,
          text: `tenant history: ${learned[c]!} of ${learnedTotal} confirmed causes on this model`,
        });
      }
    }
  }

  // ---- Symptoms: present ones by their likelihood, unmentioned ones as weak absence ------
  const presentList: number[] = [];
  for (let s = 0; s < N_SYMPTOMS; s++) if (ctx.present[s]) presentList.push(s);
  if (presentList.length > 0) {
    for (let c = 0; c < N_CAUSES; c++) {
      if (ctx.excluded[c]) continue;
      let sum = model.logAbsentTotal[c]!;
      for (const s of presentList) {
        const i = s * N_CAUSES + c;
        sum += model.logPresent[i]! - model.logAbsent[i]!;
        const w = model.evidenceWeight[i]!;
        if (w > 0.3) evidence[c]!.push({ w, text: SYMPTOM_EVIDENCE[s]! });
        else if (w < -1.5) evidence[c]!.push({ w: w / 2, text: SYMPTOM_AGAINST[s]! });
      }
      logp[c]! += model.symptomWeight === 1 ? sum : model.symptomWeight * sum;
    }
  }
  for (const s of deniedList) {
    for (let c = 0; c < N_CAUSES; c++) {
      if (ctx.excluded[c]) continue;
      const i = s * N_CAUSES + c;
      // Replace the weak "not mentioned" term by a firm "not there".
      const w = model.symptomWeight * (Math.log(1 - model.likelihood[i]!) - model.logAbsent[i]!);
      logp[c]! += w;
      if (w < -0.7)
        evidence[c]!.push({ w, text: `answered no: ${SYMPTOMS[SYMPTOM_CODES[s]!].label}` });
    }
  }

  // ---- Telemetry and device facts, text hints ----------------------------------------------
  const findings: Finding[] = telemetryFindings(ctx, input);
  for (const f of findings) applyFinding(f, logp, evidence, ctx);
  for (const h of text.hints) {
    const c = C(h.cause);
    if (ctx.excluded[c]) continue;
    const w = model.hintWeight * Math.log(h.ratio);
    logp[c]! += w;
    const said = `description mentions "${h.phrase}"`;
    if (w > 0.2) evidence[c]!.push({ w, text: said });
    else if (w < -0.2) evidence[c]!.push({ w, text: `against: ${said}` });
  }
  if (model.text && typeof input.description === 'string') {
    const scores = textScores(model, input.description);
    for (let c = 0; c < N_CAUSES; c++) {
      if (ctx.excluded[c]) continue;
      logp[c]! += scores[c]!;
      if (scores[c]! > TEXT_EVIDENCE)
        evidence[c]!.push({
          w: scores[c]!,
          text: 'the description reads like confirmed cases of it',
        });
    }
  }

  // ---- Steps already tried ----------------------------------------------------------------
  const tried = new Set<StepCode>();
  let resolvedBy: StepCode | undefined;
  const failedSteps: StepCode[] = [];
  const outcomes: { step: StepCode; outcome: StepOutcome; source: string }[] = [];
  for (const t of input.stepsTried ?? []) {
    if (!t || !isStepCode(t.step) || !isStepOutcome(t.outcome)) {
      notes.push('a tried step with an unknown code or outcome was ignored');
      continue;
    }
    outcomes.push({ step: t.step, outcome: t.outcome, source: 'reported' });
  }
  for (const step of text.failedSteps) {
    if (!outcomes.some((o) => o.step === step)) {
      outcomes.push({ step, outcome: 'not_fixed', source: 'description' });
    }
  }
  for (const t of outcomes) {
    tried.add(t.step);
    const row = K(t.step) * N_CAUSES;
    if (t.outcome === 'not_fixed') {
      failedSteps.push(t.step);
      const said = `${t.source}: ${t.step} did not fix it`;
      for (let c = 0; c < N_CAUSES; c++) {
        const f = model.stepFix[row + c]!;
        if (f <= 0 || ctx.excluded[c]) continue;
        const w = Math.log(1 - OUTCOME_RELIABILITY * f);
        logp[c]! += w;
        if (f >= 0.1) evidence[c]!.push({ w, text: said });
      }
    } else if (t.outcome === 'fixed') {
      resolvedBy ??= t.step;
      const said = `${t.source}: ${t.step} fixed it`;
      for (let c = 0; c < N_CAUSES; c++) {
        if (ctx.excluded[c]) continue;
        const f = Math.max(model.stepFix[row + c]!, 0.02);
        logp[c]! += Math.log(f);
        if (f >= 0.1) evidence[c]!.push({ w: 1 + f, text: said });
      }
    }
    // skipped / unable: no evidence about causes.
  }
  for (const s of text.impliedSteps) tried.add(s);
  // "A restart or factory reset was already tried": at least the restart is done.
  if (ctx.present[S('reset_did_not_help')]) tried.add('restart_lock_and_app');

  // ---- Posterior ----------------------------------------------------------------------------
  if (model.temperature !== 1) for (let c = 0; c < N_CAUSES; c++) logp[c]! /= model.temperature;
  const posterior = normalize(logp);
  const order: number[] = [];
  for (let c = 0; c < N_CAUSES; c++) if (!ctx.excluded[c]) order.push(c);
  // Insertion sort: tiny arrays, and much cheaper than Array.prototype.sort with a comparator.
  for (let i = 1; i < order.length; i++) {
    const x = order[i]!;
    let j = i - 1;
    while (
      j >= 0 &&
      (posterior[order[j]!]! < posterior[x]! ||
        (posterior[order[j]!] === posterior[x] && order[j]! > x))
    ) {
      order[j + 1] = order[j]!;
      j--;
    }
    order[j + 1] = x;
  }
  const causes: RankedCause[] = order.map((c) => ({
    code: CAUSE_CODES[c]!,
    category: CAUSES[CAUSE_CODES[c]!].category,
    probability: posterior[c]!,
    evidence: topEvidence(evidence[c]!),
  }));

  // ---- Plan and escalation ------------------------------------------------------------------
  const resolved = resolvedBy !== undefined;
  const planned: Planned = resolved
    ? { plan: [] as PlanStep[], expectedCost: 0, entryWithoutLocksmith: 1 }
    : buildPlan(ctx, posterior, tried, model);
  let questions: Question[] = [];
  if (planned.repair) {
    const known = new Uint8Array(N_SYMPTOMS);
    for (let i = 0; i < N_SYMPTOMS; i++) known[i] = ctx.present[i]! || answered[i]!;
    questions = worthAsking(posterior, known, planned.repair, model);
  }
  const escalation = decideEscalation({
    ctx,
    posterior,
    plan: planned.plan,
    resolvedBy,
    failedSteps,
    entryWithoutLocksmith: planned.entryWithoutLocksmith,
    ranked: order,
  });

  return {
    symptoms,
    textMatches: text.matches,
    textNegated: text.negated,
    causes,
    excluded: ctx.excludedList,
    plan: planned.plan,
    expectedCost: planned.expectedCost,
    escalation,
    resolved,
    notes,
    questions,
    modelVersion: model.version,
  };
}

/** flattenedPrior's answers per model and power source: a handful of constant vectors. */
interface CachedPrior {
  power: number;
  prior: readonly number[];
}
const PRIOR_CACHE = new WeakMap<Model, Map<string, CachedPrior>>();

/** The base priors for this lock's power source raised to the model's priorPower (read-only). */
function flattenedPrior(ctx: Context, model: Model): readonly number[] {
  const key = ctx.power ?? 'battery';
  let perPower = PRIOR_CACHE.get(model);
  if (!perPower) PRIOR_CACHE.set(model, (perPower = new Map<string, CachedPrior>()));
  const hit = perPower.get(key);
  if (hit !== undefined && hit.power === model.priorPower) return hit.prior;
  const prior = priorFor(ctx);
  if (model.priorPower !== 1)
    for (let c = 0; c < N_CAUSES; c++) prior[c] = Math.pow(prior[c]!, model.priorPower);
  perPower.set(key, { power: model.priorPower, prior });
  return prior;
}

/**
 * Base rates depend on how the lock is powered: on a wired or rechargeable lock the supply,
 * cable or dock takes the place that cells take on a battery lock.
 */
function priorFor(ctx: Context): number[] {
  const out = copyOf(PRIOR);
  const power = POWER_PRIORS[ctx.power ?? 'battery'];
  for (const [code, p] of Object.entries(power)) {
    if (isCauseCode(code)) out[C(code)] = p;
  }
  return out;
}

function applyFinding(f: Finding, logp: number[], evidence: Weighted[][], ctx: Context): void {
  for (let c = 0; c < N_CAUSES; c++) {
    const r = f.ratio[c]!;
    if (r === 1 || ctx.excluded[c]) continue;
    const w = Math.log(r);
    logp[c]! += w;
    if (w > 0.2) evidence[c]!.push({ w, text: f.text });
    else if (w < -0.2) evidence[c]!.push({ w, text: `against: ${f.text}` });
  }
}

function normalize(logp: number[]): number[] {
  let max = -Infinity;
  for (const v of logp) if (v > max) max = v;
  const out = filled(logp.length, 0);
  let sum = 0;
  for (let c = 0; c < logp.length; c++) {
    const v = logp[c] === -Infinity ? 0 : Math.exp(logp[c]! - max);
    out[c] = v;
    sum += v;
  }
  for (let c = 0; c < out.length; c++) out[c]! /= sum;
  return out;
}

/** Stable in-place sort for the handful of items a diagnosis sorts at a time. */
function insertionSort<T>(a: T[], cmp: (x: T, y: T) => number): void {
  for (let i = 1; i < a.length; i++) {
    const x = a[i]!;
    let j = i - 1;
    while (j >= 0 && cmp(a[j]!, x) > 0) {
      a[j + 1] = a[j]!;
      j--;
    }
    a[j + 1] = x;
  }
}

/** Supporting before opposing; within each, the strongest first. */
function byEvidenceStrength(a: Weighted, b: Weighted): number {
  return a.w > 0 === b.w > 0 ? Math.abs(b.w) - Math.abs(a.w) : a.w > 0 ? -1 : 1;
}

/** Supporting evidence strongest first, then what speaks against; at most six lines. */
function topEvidence(items: Weighted[]): string[] {
  insertionSort(items, byEvidenceStrength);
  const out: string[] = [];
  let pro = 0;
  for (const e of items) {
    if (out.length >= 6) break;
    if (e.w > 0 && pro >= 4) continue;
    if (out.includes(e.text)) continue;
    out.push(e.text);
    if (e.w > 0) pro++;
  }
  return out;
}

// ---- Planning ---------------------------------------------------------------------------------

interface PlanCandidate extends Candidate {
  step: StepCode;
  phase: PlanPhase;
  /** The step's minutes (the documented table); `cost`, what the ordering weighs, adds the overhead. */
  minutes: number;
}

const at = (step: StepCode, cause: CauseCode): readonly [number, number] => [K(step), C(cause)];
const FIX_VERIFY_WIFI = at('verify_network_settings', 'wifi_connectivity');
const FIX_VERIFY_HUB = at('verify_network_settings', 'hub_connectivity');
const FIX_CHECK_NETWORK_WIFI = at('check_network', 'wifi_connectivity');
const FIX_REPAIR_HUB = at('re_pair_device', 'hub_connectivity');
const FIX_REPAIR_BT = at('re_pair_device', 'bluetooth_connectivity');
const FIX_EXTERNAL_BATTERY = at('check_external_power', 'battery_depleted');
const FIX_ACCESS_CREDENTIAL = at('review_access_codes', 'credential_error');
const FIX_MANUFACTURER_WORN = at('contact_manufacturer', 'worn_mechanism');
const FIX_MANUFACTURER_INSTALL = at('contact_manufacturer', 'battery_installation');
const NETWORK_CHANGE = S('started_after_network_change');
const AFTER_UPDATE = S('started_after_update');
const FINGERPRINT = S('fingerprint_rejected');
const ENTRY_STEPS: readonly StepCode[] = [
  'use_backup_power',
  'review_access_codes',
  'call_locksmith',
];

function sparseToDense(table: Partial<Record<CauseCode, number>>, scale = 1): Float64Array {
  const out = new Float64Array(N_CAUSES);
  for (let c = 0; c < N_CAUSES; c++) out[c] = (table[CAUSE_CODES[c]!] ?? 0) * scale;
  return out;
}
const ENTRY_BACKUP = sparseToDense(ENTRY_BACKUP_POWER);
const ENTRY_REMOTE = sparseToDense(ENTRY_REMOTE_CREDENTIAL);
const ENTRY_KEY_DENSE = sparseToDense(ENTRY_KEY);

function has(ctx: Context, s: SymptomCode): boolean {
  return ctx.present[S(s)] === 1;
}

function applicable(step: StepCode, ctx: Context): boolean {
  switch (step) {
    case 'check_battery_level':
      return ctx.power !== 'wired' && ctx.batteryPercent === undefined;
    case 'replace_batteries':
    case 'reseat_batteries':
      return ctx.power !== 'wired';
    case 'check_external_power':
      return ctx.power !== 'battery';
    case 'use_backup_power':
      return ctx.lockedOut && ctx.power !== 'wired' && ctx.hasBackupPower !== false;
    case 'verify_network_settings':
      return ctx.wifiPossible || ctx.hubPossible;
    case 'update_firmware':
      return ctx.firmwareBehind !== false;
    case 'factory_reset':
      return !ctx.lockedOut;
    case 'check_network':
    case 're_pair_device':
    case 'update_app':
    case 'restart_lock_and_app':
    case 'review_access_codes':
    case 'review_settings':
    case 'inspect_alignment':
    case 'clean_and_lubricate':
    case 'contact_manufacturer':
    case 'call_locksmith':
      return true;
  }
}

/**
 * P(fix | cause) for every step in this situation: the base table with a few context
 * adjustments (row-major [step][cause], one copy per diagnosis).
 */
function repairFixTable(ctx: Context, model: Model): number[][] {
  const base = model.fixRows;
  const rows = base.slice();
  const set = (at: readonly [number, number], p: number): void => {
    const [k, c] = at;
    if (rows[k] === base[k]) rows[k] = base[k]!.slice();
    rows[k]![c] = p;
  };
  const present = ctx.present;
  if (present[NETWORK_CHANGE]) {
    set(FIX_VERIFY_WIFI, 0.85);
    set(FIX_VERIFY_HUB, 0.6);
    set(FIX_CHECK_NETWORK_WIFI, 0.35);
    set(FIX_REPAIR_HUB, 0.7);
  }
  if (present[AFTER_UPDATE]) set(FIX_REPAIR_BT, 0.8);
  if (ctx.power === 'rechargeable') set(FIX_EXTERNAL_BATTERY, 0.5);
  if (present[FINGERPRINT]) set(FIX_ACCESS_CREDENTIAL, 0.8);
  if (ctx.inWarranty === true) {
    set(FIX_MANUFACTURER_WORN, 0.7);
    set(FIX_MANUFACTURER_INSTALL, 0.4);
  }
  for (const b of ctx.fixBoosts) {
    const at = [K(b.step), C(b.cause)] as const;
    set(at, Math.max(rows[at[0]]![at[1]]!, b.fix));
  }
  return rows;
}

function stepCost(step: StepCode, ctx: Context): number {
  // A free warranty replacement makes the manufacturer the cheaper professional.
  if (step === 'contact_manufacturer' && ctx.inWarranty === true) return 45;
  return STEP_COST[K(step)]!;
}

/** How likely each entry step gets a locked-out person in, per cause. */
function entryFix(step: StepCode, ctx: Context): number[] {
  if (step === 'call_locksmith') return filled(N_CAUSES, ENTRY_LOCKSMITH);
  if (step === 'use_backup_power') {
    const k = ctx.hasBackupPower === true ? 1 : 0.8;
    return copyOf(ENTRY_BACKUP).map((v) => v * k);
  }
  // Another credential: a fresh code or remote unlock needs the lock reachable; the physical key
  // needs a cylinder and the person to have the key on them.
  const remote = ctx.online === false ? 0 : ctx.online === true ? 1 : 0.7;
  const key = ctx.hasKeyCylinder === false ? 0 : ctx.hasKeyCylinder === true ? 0.45 : 0.3;
  const out: number[] = [];
  for (let c = 0; c < N_CAUSES; c++) {
    out.push(1 - (1 - remote * ENTRY_REMOTE[c]!) * (1 - key * ENTRY_KEY_DENSE[c]!));
  }
  return out;
}

interface Planned {
  plan: PlanStep[];
  expectedCost: number;
  /** P(some entry step other than a locksmith gets a locked-out person in). */
  entryWithoutLocksmith: number;
  /** The repair candidates as planned, for the value of a question. */
  repair?: RepairPlanning;
}

function buildPlan(ctx: Context, posterior: number[], tried: Set<StepCode>, model: Model): Planned {
  const plan: PlanStep[] = [];
  let expectedCost = 0;
  let entryWithoutLocksmith = 1;
  const used = new Set<StepCode>(tried);

  if (ctx.lockedOut) {
    const cands: PlanCandidate[] = [];
    for (const step of ENTRY_STEPS) {
      if (tried.has(step) || !applicable(step, ctx)) continue;
      const minutes = stepCost(step, ctx);
      cands.push({ step, phase: 'entry', cost: minutes, minutes, fix: entryFix(step, ctx) });
    }
    const sp = compile(cands, N_CAUSES);
    let order = orderCompiled(sp, posterior);
    // Nothing after the locksmith matters for getting in; drop hopeless entry steps.
    const cut = order.findIndex((i) => cands[i]!.step === 'call_locksmith');
    if (cut >= 0) order = order.slice(0, cut + 1);
    order = prune(order, sp, posterior, 0.03).order;
    let stuck = 0;
    for (let c = 0; c < N_CAUSES; c++) {
      let fail = 1;
      for (const cand of cands) if (cand.step !== 'call_locksmith') fail *= 1 - cand.fix[c]!;
      stuck += posterior[c]! * fail;
    }
    entryWithoutLocksmith = 1 - stuck;
    expectedCost += emit(plan, order, cands, sp, posterior, ctx);
    for (const i of order) used.add(cands[i]!.step);
  }

  const cands: PlanCandidate[] = [];
  const rows = repairFixTable(ctx, model);
  for (let k = 0; k < STEP_CODES.length; k++) {
    const step = STEP_CODES[k]!;
    if (used.has(step) || step === 'use_backup_power' || step === 'check_battery_level') continue;
    if (!applicable(step, ctx)) continue;
    const fix = rows[k]!;
    // A step cannot fix more later than it could first (mass only shrinks), so one that misses
    // the plan's floor now would be pruned anyway: leave it out before ordering.
    let fixable = 0;
    for (let c = 0; c < N_CAUSES; c++) fixable += posterior[c]! * fix[c]!;
    if (fixable < NEGLIGIBLE) continue;
    const minutes = step === 'contact_manufacturer' ? stepCost(step, ctx) : STEP_COST[k]!;
    cands.push({ step, phase: 'repair', cost: minutes + model.stepOverhead, minutes, fix });
  }
  const before = factoryResetLast(cands);
  const sp = compile(cands, N_CAUSES);
  const order = orderCompiled(sp, posterior, before);
  const repair: RepairPlanning = { sp, before, order };
  if (!used.has('check_battery_level') && applicable('check_battery_level', ctx)) {
    const check = batteryCheckValue(ctx, posterior, repair, model.stepOverhead);
    if (check) {
      plan.push(check.step);
      expectedCost += check.step.cost;
    }
  }
  const kept = prune(order, sp, posterior, NEGLIGIBLE);
  expectedCost += emit(plan, kept.order, cands, sp, posterior, ctx, kept.stats);
  return { plan, expectedCost, entryWithoutLocksmith, repair };
}

/**
 * check_battery_level fixes nothing; it earns a place by its value of information (Heckerman,
 * Breese & Rommelse's observation steps): the expected cost of repair when the plan is re-ordered
 * on the reading, plus the check itself, must beat the plan without it.
 */
function batteryCheckValue(
  ctx: Context,
  posterior: number[],
  repair: RepairPlanning,
  overhead: number,
): { step: PlanStep; gain: number } | null {
  const { sp, before, order } = repair;
  // Shortcut: with the power causes this unlikely a reading cannot pay for itself.
  if (
    posterior[C('battery_depleted')]! +
      posterior[C('battery_installation')]! +
      posterior[C('external_power_fault')]! <
    0.03
  ) {
    return null;
  }
  const sens = filled(N_CAUSES, BATTERY_CHECK_FALSE_ALARM);
  for (const [code, p] of Object.entries(BATTERY_CHECK_SENSITIVITY)) {
    if (isCauseCode(code)) sens[C(code)] = p;
  }
  // A dead lock reads nothing, or a stale level from before it died.
  if (has(ctx, 'no_response')) sens[C('battery_depleted')] = 0.4;
  const low: number[] = [];
  const fine: number[] = [];
  for (let c = 0; c < N_CAUSES; c++) {
    low.push(posterior[c]! * sens[c]!);
    fine.push(posterior[c]! * (1 - sens[c]!));
  }
  const minutes = STEP_COST[K('check_battery_level')]!;
  const cost = minutes + overhead;
  const without = ecrCompiled(order, sp, posterior);
  repair.without = without;
  const withCheck =
    cost +
    ecrCompiled(orderCompiled(sp, low, before), sp, low) +
    ecrCompiled(orderCompiled(sp, fine, before), sp, fine);
  const gain = without - withCheck;
  if (gain < Math.max(MIN_INFORMATION_GAIN, MIN_INFORMATION_SHARE * without)) return null;
  let pLow = 0;
  for (const v of low) pLow += v;
  const fixes = CAUSE_CODES.filter((_, c) => sens[c]! >= 0.3 && posterior[c]! > 0);
  const info = STEPS.check_battery_level;
  return {
    gain,
    step: {
      step: 'check_battery_level',
      performer: info.performer,
      rationale: `${info.description}: a low reading (about ${pct(pLow)} likely) points at the batteries, a good one moves the plan on; checking first saves about ${gain.toFixed(1)} in expected cost.`,
      warnings: [...info.warnings],
      fixes,
      pFix: 0,
      pReach: 1,
      cost: minutes,
      phase: 'repair',
    },
  };
}

/**
 * factory_reset comes after every cheaper step that addresses any of the causes it addresses:
 * it wipes codes and pairing, so it is never the first thing to try for its causes.
 */
function factoryResetLast(cands: readonly PlanCandidate[]): Precedence {
  const before: number[][] = cands.map(() => []);
  const fr = cands.findIndex((c) => c.step === 'factory_reset');
  if (fr < 0) return before;
  const reset = cands[fr]!;
  cands.forEach((cand, i) => {
    if (i === fr || STEPS[cand.step].escalation || cand.cost >= reset.cost) return;
    for (let c = 0; c < N_CAUSES; c++) {
      if (reset.fix[c]! > 0 && cand.fix[c]! >= 0.1) {
        before[fr]!.push(i);
        return;
      }
    }
  });
  return before;
}

/** Drop steps whose unconditional chance of fixing it at their place is below `floor`. */
function prune(
  order: number[],
  sp: Sparse,
  mass: number[],
  floor: number,
): { order: number[]; stats: SequenceStats } {
  const stats = statsCompiled(order, sp, mass);
  const kept = order.filter((_, pos) => stats.reach[pos]! * stats.pFix[pos]! >= floor);
  if (kept.length === order.length) return { order, stats };
  return { order: kept, stats: statsCompiled(kept, sp, mass) };
}

const pct = (p: number): string => `${Math.round(p * 100)}%`;

/** Append plan steps in order; returns the phase's expected cost. */
function emit(
  plan: PlanStep[],
  order: readonly number[],
  cands: readonly PlanCandidate[],
  sp: Sparse,
  posterior: number[],
  ctx: Context,
  known?: SequenceStats,
): number {
  const stats = known ?? statsCompiled(order, sp, posterior);
  // Mass still unfixed when each step is reached: ranks what the step is there for.
  const mass = copyOf(posterior);
  let ecr = 0;
  for (let pos = 0; pos < order.length; pos++) {
    const i = order[pos]!;
    const cand = cands[i]!;
    const info = STEPS[cand.step];
    if (pos > 0) {
      const prev = order[pos - 1]!;
      for (let q = sp.start[prev]!; q < sp.start[prev + 1]!; q++)
        mass[sp.idx[q]!]! *= 1 - sp.val[q]!;
    }
    const ranked: { c: number; v: number }[] = [];
    for (let q = sp.start[i]!; q < sp.start[i + 1]!; q++) {
      const c = sp.idx[q]!;
      if (sp.val[q]! >= 0.1 && posterior[c]! > 0) ranked.push({ c, v: mass[c]! * sp.val[q]! });
    }
    insertionSort(ranked, byRankedValue);
    const fixes: CauseCode[] = [];
    for (const r of ranked) fixes.push(CAUSE_CODES[r.c]!);
    ecr += cand.minutes * stats.reach[pos]!;
    plan.push({
      step: cand.step,
      performer: info.performer,
      rationale: rationale(cand, ranked, posterior, stats.pFix[pos]!, ctx),
      warnings: warnings(cand, ctx),
      fixes,
      pFix: stats.pFix[pos]!,
      pReach: stats.reach[pos]!,
      cost: cand.minutes,
      phase: cand.phase,
    });
  }
  return ecr;
}

function byRankedValue(a: { c: number; v: number }, b: { c: number; v: number }): number {
  return b.v - a.v || a.c - b.c;
}

function rationale(
  cand: PlanCandidate,
  ranked: readonly { c: number; v: number }[],
  posterior: number[],
  pFix: number,
  ctx: Context,
): string {
  const info = STEPS[cand.step];
  let top = '';
  for (let j = 0; j < ranked.length && j < 3; j++) {
    const c = ranked[j]!.c;
    top += `${j > 0 ? ', ' : ''}${CAUSES[CAUSE_CODES[c]!].label} (${pct(posterior[c]!)})`;
  }
  const chance = `about ${pct(pFix)} likely to ${cand.phase === 'entry' ? 'get them in' : 'fix it'} if reached`;
  if (cand.phase === 'entry') {
    if (cand.step === 'use_backup_power') {
      return `Someone is locked out: jump-start the lock from outside (9 V or USB terminal) in case the power is gone; ${chance}.`;
    }
    if (cand.step === 'review_access_codes') {
      const ways = [
        ctx.online !== false ? 'a fresh code or remote unlock' : null,
        ctx.hasKeyCylinder !== false ? 'the physical key' : null,
      ].filter((w) => w !== null);
      return `Someone is locked out: get them in with another credential (${ways.join(' or ') || 'an alternative credential'}); ${chance}.`;
    }
    return `Someone is locked out and the cheaper ways in are unlikely to work: a locksmith can open the door; ${chance}.`;
  }
  if (info.escalation) {
    return `Hand over to the ${info.escalation} queue: covers ${top || 'what remains'}; ${chance}.`;
  }
  if (info.diagnostic) {
    return `${info.description}: a quick check that confirms or rules out ${top}.`;
  }
  return `${info.description}: targets ${top}; ${chance}.`;
}

function warnings(cand: PlanCandidate, ctx: Context): string[] {
  const out = [...STEPS[cand.step].warnings];
  if (cand.phase === 'entry' && cand.step === 'review_access_codes') {
    out.push(
      "Confirm the person's identity and right of access before issuing a code or unlocking remotely.",
    );
  }
  if (cand.step === 'replace_batteries' && ctx.power === 'rechargeable') {
    out.push('Rechargeable model: recharge or swap the battery pack.');
  }
  if (cand.step === 'update_firmware' && has(ctx, 'started_after_update')) {
    out.push('The problem began after an update: check the release notes for a known issue first.');
  }
  return out;
}
