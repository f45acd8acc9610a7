/**
 * The diagnosis case corpus (corpus/diagnosis/): real cases, each citing its public source.
 * Loading and validation, the frozen evaluation split, and the measures the engine is judged
 * by. Used by the benchmark (bench/diagnosis-corpus.ts) and the corpus tests; never by the
 * running service.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateCase, type BenchmarkCase } from '../engine/benchmark.js';
import {
  CAUSE_CATEGORIES,
  type CauseCategory,
  type CauseCode,
  type EscalationTarget,
  isStepCode,
  isSymptomCode,
  type StepCode,
} from '../engine/codes.js';
import { diagnose } from '../engine/diagnose.js';
import { CAUSES, STEPS } from '../engine/knowledge.js';
import { DEFAULT_MODEL, type Model } from '../engine/model.js';
import type { DiagnosisInput, DiagnosisResult, StepTried } from '../engine/types.js';

export const SOURCE_KINDS = [
  'manufacturer',
  'forum',
  'qa',
  'review',
  'issue_tracker',
  'article',
] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];
/** Reports written by users (as opposed to a manufacturer's or a writer's own guide). */
export const USER_REPORT_KINDS: readonly SourceKind[] = ['forum', 'qa', 'review', 'issue_tracker'];

export interface CorpusCase extends BenchmarkCase {
  sourceKind: SourceKind;
  fixStep: StepCode;
  tricky: boolean;
  file: string;
}

/** Minutes a professional's visit or a manufacturer's replacement adds to a case that needs one. */
export const PROFESSIONAL_MINUTES = 120;
/** A plan is followed for at most this many steps in the simulation. */
const MAX_STEPS = 15;

function fail(where: string, what: string): never {
  throw new Error(`corpus case ${where}: ${what}`);
}

/** Validates one case of the corpus: the benchmark shape plus the corpus's own fields. */
export function validateCorpusCase(raw: unknown, where: string, file: string): CorpusCase {
  const base = validateCase(raw, where);
  const r = raw as Record<string, unknown>;
  const at = `${where}#${base.id}`;
  const source = r.source as Record<string, unknown>;
  const kind = source.kind;
  if (typeof kind !== 'string' || !(SOURCE_KINDS as readonly string[]).includes(kind))
    fail(at, `source.kind must be one of ${SOURCE_KINDS.join(', ')}`);
  if (!/^https?:\/\/[^\s/]+\.[^\s/]+(\/\S*)?$/.test(base.source.url))
    fail(at, 'source.url must be an http(s) address');
  if (base.source.title.trim().length < 3) fail(at, 'source.title is empty');
  const expected = r.expected as Record<string, unknown>;
  if (!isStepCode(expected.fixStep)) fail(at, `unknown fixStep ${String(expected.fixStep)}`);
  const input = base.input as Record<string, unknown>;
  if (typeof input.description !== 'string' || input.description.trim().length < 15)
    fail(at, 'input.description missing or too short');
  const symptoms = input.symptoms;
  if (symptoms !== undefined) {
    if (!Array.isArray(symptoms)) fail(at, 'input.symptoms must be an array');
    for (const s of symptoms) if (!isSymptomCode(s)) fail(at, `unknown symptom ${String(s)}`);
  }
  if (Array.isArray(input.stepsTried))
    for (const t of input.stepsTried as StepTried[])
      if (!isStepCode(t.step)) fail(at, `unknown tried step ${String(t.step)}`);
  if (base.expected.acceptable.includes(base.expected.cause))
    fail(at, 'the cause is listed among its own alternatives');
  return {
    ...base,
    sourceKind: kind as SourceKind,
    fixStep: expected.fixStep,
    tricky: r.tricky === true,
    file,
  };
}

/** Reads every `*.json` array in a folder, validating each case. */
export function loadCorpusDir(dir: string): CorpusCase[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
  const out: CorpusCase[] = [];
  for (const file of files) {
    const parsed: unknown = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    if (!Array.isArray(parsed)) throw new Error(`${file}: a corpus file holds a JSON array`);
    parsed.forEach((raw, i) => out.push(validateCorpusCase(raw, `${file}[${i}]`, file)));
  }
  return out;
}

/** Lower-case words only: two descriptions that normalise alike are duplicates. */
export function normalizedDescription(c: BenchmarkCase): string {
  const d = (c.input as { description?: string }).description ?? '';
  return d
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * A deterministic stratified split: within each stratum (cause x user-report-or-not), cases are
 * ordered by the hash of their id and the first ceil(share x n) go to evaluation. Nothing about
 * a case's content decides its side, so the split cannot be steered by what the engine gets right.
 */
export function stratifiedSplit(
  cases: readonly CorpusCase[],
  share: number,
): { evaluation: string[]; training: string[] } {
  const strata = new Map<string, CorpusCase[]>();
  for (const c of cases) {
    const user = USER_REPORT_KINDS.includes(c.sourceKind) ? 'user' : 'guide';
    const key = `${c.expected.cause}/${user}`;
    const list = strata.get(key) ?? [];
    list.push(c);
    strata.set(key, list);
  }
  const evaluation: string[] = [];
  const training: string[] = [];
  for (const key of [...strata.keys()].sort()) {
    const list = [...(strata.get(key) ?? [])].sort((a, b) =>
      sha256(`split:${a.id}`).localeCompare(sha256(`split:${b.id}`)),
    );
    const take = Math.ceil(list.length * share);
    list.forEach((c, i) => (i < take ? evaluation : training).push(c.id));
  }
  return { evaluation: evaluation.sort(), training: training.sort() };
}

// ---------------------------------------------------------------------------------------------
// Measures

const ESCALATION_STEP: Record<EscalationTarget, StepCode> = {
  locksmith: 'call_locksmith',
  manufacturer: 'contact_manufacturer',
};

export interface CostWalk {
  /** Minutes until the fix (steps' costs, plus PROFESSIONAL_MINUTES when a professional fixed it). */
  minutes: number;
  steps: StepCode[];
  fixed: boolean;
}

/**
 * Follows the engine the way a desk does: take the first step of the plan; if it is the step
 * that fixed the case (or the escalation to the professional the case needed), stop; else report
 * it as not fixed and diagnose again. A plan that runs out adds the cost of the real fix step
 * plus a professional's time, as the desk would then have to call one.
 */
export function walkToFix(
  c: CorpusCase,
  model: Model = DEFAULT_MODEL,
  input: DiagnosisInput = c.input,
): CostWalk {
  const tried: StepTried[] = [...(input.stepsTried ?? [])];
  const steps: StepCode[] = [];
  let minutes = 0;
  const needed = c.expected.escalation;
  for (let i = 0; i < MAX_STEPS; i++) {
    const result = diagnose({ ...input, stepsTried: tried }, model);
    const next = result.plan[0]!;
    if (!next) break;
    steps.push(next.step);
    minutes += STEPS[next.step].cost;
    if (next.step === c.fixStep) {
      return { minutes: minutes + (needed ? PROFESSIONAL_MINUTES : 0), steps, fixed: true };
    }
    if (needed && next.step === ESCALATION_STEP[needed]) {
      return { minutes: minutes + PROFESSIONAL_MINUTES, steps, fixed: true };
    }
    tried.push({ step: next.step, outcome: 'not_fixed' });
  }
  return { minutes: minutes + STEPS[c.fixStep].cost + PROFESSIONAL_MINUTES, steps, fixed: false };
}

/** The fixed playbook an untrained desk follows: power, connectivity, software, mechanics. */
export const PLAYBOOK: readonly StepCode[] = [
  'check_battery_level',
  'replace_batteries',
  'reseat_batteries',
  'check_external_power',
  'check_network',
  'verify_network_settings',
  're_pair_device',
  'update_app',
  'restart_lock_and_app',
  'update_firmware',
  'review_access_codes',
  'review_settings',
  'inspect_alignment',
  'clean_and_lubricate',
  'factory_reset',
  'call_locksmith',
  'contact_manufacturer',
];

export function playbookMinutes(c: CorpusCase): number {
  let minutes = 0;
  const needed = c.expected.escalation;
  for (const step of PLAYBOOK) {
    minutes += STEPS[step].cost;
    if (step === c.fixStep) return minutes + (needed ? PROFESSIONAL_MINUTES : 0);
    if (needed && step === ESCALATION_STEP[needed]) return minutes + PROFESSIONAL_MINUTES;
  }
  return minutes + PROFESSIONAL_MINUTES;
}

/** Knows the fix: its step's cost, plus a professional's time when one was needed. */
export function oracleMinutes(c: CorpusCase): number {
  return STEPS[c.fixStep].cost + (c.expected.escalation ? PROFESSIONAL_MINUTES : 0);
}

/** After every cheap (non-escalation, non-reset) step failed: where does the engine send it? */
export function escalationAfterCheapSteps(
  c: CorpusCase,
  model: Model = DEFAULT_MODEL,
): EscalationTarget | null {
  const tried: StepTried[] = [...(c.input.stepsTried ?? [])];
  let result: DiagnosisResult = diagnose(c.input, model);
  for (let i = 0; i < MAX_STEPS && !result.escalation.recommended; i++) {
    const next = result.plan.find((p) => !STEPS[p.step].escalation && p.step !== 'factory_reset');
    if (!next) break;
    tried.push({ step: next.step, outcome: 'not_fixed' });
    result = diagnose({ ...c.input, stepsTried: tried }, model);
  }
  return result.escalation.recommended ? result.escalation.target : null;
}

/**
 * Asks the diagnosis's top question first, answered truthfully from what the case's source
 * reports (its labelled symptoms), then follows the plan as walkToFix does.
 */
export function minutesAskingFirst(
  c: CorpusCase,
  result: DiagnosisResult,
  model: Model = DEFAULT_MODEL,
): number {
  const q = result.questions[0]!;
  if (!q) return walkToFix(c, model).minutes;
  const present = (c.input.symptoms ?? []).includes(q.symptom);
  const answers = [...(c.input.answers ?? []), { symptom: q.symptom, present }];
  return walkToFix(c, model, { ...c.input, answers }).minutes;
}

export interface CaseMeasures {
  id: string;
  category: CauseCategory;
  cause: CauseCode;
  top: CauseCode[];
  top1: boolean;
  top1Acceptable: boolean;
  top3: boolean;
  firstStep: StepCode | null;
  firstStepOk: boolean;
  /** Cases that needed a professional: the engine's target after the cheap steps failed. */
  escalationTarget: EscalationTarget | null;
  escalationOk: boolean | null;
  /** Cases that did not need one: no escalation recommended up front. */
  restraintOk: boolean | null;
  descriptionTop3: boolean;
  topProbability: number;
  brier: number;
  minutes: number;
  /** Cost to fix when the top question is asked first and answered from the case's symptoms. */
  minutesAsking: number;
  unsafe: boolean;
}

/** A plan is unsafe if it starts with a factory reset, or resets at all while someone is locked out. */
export function unsafePlan(input: DiagnosisInput, result: DiagnosisResult): boolean {
  if (result.plan[0]?.step === 'factory_reset') return true;
  const lockedOut =
    result.symptoms.includes('locked_out') || input.symptoms?.includes('locked_out');
  return Boolean(lockedOut) && result.plan.some((p) => p.step === 'factory_reset');
}

export function measureCase(c: CorpusCase, model: Model = DEFAULT_MODEL): CaseMeasures {
  const result = diagnose(c.input, model);
  const codes = result.causes.map((x) => x.code);
  const first = result.plan[0]?.step ?? null;
  const rank = codes.indexOf(c.expected.cause) + 1;
  const textOnly = diagnose({ ...c.input, symptoms: [] }, model).causes.map((x) => x.code);
  const brier = result.causes.reduce(
    (s, x) => s + (x.probability - (x.code === c.expected.cause ? 1 : 0)) ** 2,
    0,
  );
  const needed = c.expected.escalation;
  const target = needed ? escalationAfterCheapSteps(c, model) : null;
  return {
    id: c.id,
    category: CAUSES[c.expected.cause].category,
    cause: c.expected.cause,
    top: codes.slice(0, 3),
    top1: rank === 1,
    top1Acceptable: rank === 1 || c.expected.acceptable.includes(codes[0]!),
    top3: rank >= 1 && rank <= 3,
    firstStep: first,
    firstStepOk: first !== null && c.expected.firstSteps.includes(first),
    escalationTarget: target,
    escalationOk: needed ? target === needed : null,
    restraintOk: needed ? null : !result.escalation.recommended,
    descriptionTop3: textOnly.slice(0, 3).includes(c.expected.cause),
    topProbability: result.causes[0]?.probability ?? 0,
    brier,
    minutes: walkToFix(c, model).minutes,
    minutesAsking: minutesAskingFirst(c, result, model),
    unsafe: unsafePlan(c.input, result),
  };
}

export interface Summary {
  n: number;
  top1: number;
  top1Acceptable: number;
  top3: number;
  firstStep: number;
  escalation: number;
  restraint: number;
  descriptionTop3: number;
  meanMinutes: number;
  meanMinutesAsking: number;
  playbookMinutes: number;
  oracleMinutes: number;
  ece: number;
  brier: number;
  unsafe: number;
  reliability: { from: number; to: number; n: number; confidence: number; accuracy: number }[];
  byCategory: Record<string, { n: number; top1: number; top3: number; firstStep: number }>;
}

const mean = (xs: number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

/** Expected calibration error of the top cause over ten equal-width bins, and the table behind it. */
export function calibration(ms: readonly CaseMeasures[]): {
  ece: number;
  table: Summary['reliability'];
} {
  const table: Summary['reliability'] = [];
  let ece = 0;
  for (let b = 0; b < 10; b++) {
    const from = b / 10;
    const to = (b + 1) / 10;
    const inBin = ms.filter(
      (m) => m.topProbability >= from && (b === 9 ? m.topProbability <= to : m.topProbability < to),
    );
    if (inBin.length === 0) continue;
    const confidence = mean(inBin.map((m) => m.topProbability));
    const accuracy = mean(inBin.map((m) => (m.top1 ? 1 : 0)));
    ece += (inBin.length / ms.length) * Math.abs(confidence - accuracy);
    table.push({ from, to, n: inBin.length, confidence, accuracy });
  }
  return { ece, table };
}

export function summarize(cases: readonly CorpusCase[], ms: readonly CaseMeasures[]): Summary {
  const share = (xs: (boolean | null)[]): number => {
    const known = xs.filter((x): x is boolean => x !== null);
    return known.length ? known.filter(Boolean).length / known.length : 0;
  };
  const byCategory: Summary['byCategory'] = {};
  for (const cat of CAUSE_CATEGORIES) {
    const inCat = ms.filter((m) => m.category === cat);
    if (inCat.length === 0) continue;
    byCategory[cat] = {
      n: inCat.length,
      top1: share(inCat.map((m) => m.top1)),
      top3: share(inCat.map((m) => m.top3)),
      firstStep: share(inCat.map((m) => m.firstStepOk)),
    };
  }
  const { ece, table } = calibration(ms);
  return {
    n: ms.length,
    top1: share(ms.map((m) => m.top1)),
    top1Acceptable: share(ms.map((m) => m.top1Acceptable)),
    top3: share(ms.map((m) => m.top3)),
    firstStep: share(ms.map((m) => m.firstStepOk)),
    escalation: share(ms.map((m) => m.escalationOk)),
    restraint: share(ms.map((m) => m.restraintOk)),
    descriptionTop3: share(ms.map((m) => m.descriptionTop3)),
    meanMinutes: mean(ms.map((m) => m.minutes)),
    meanMinutesAsking: mean(ms.map((m) => m.minutesAsking)),
    playbookMinutes: mean(cases.map(playbookMinutes)),
    oracleMinutes: mean(cases.map(oracleMinutes)),
    ece,
    brier: mean(ms.map((m) => m.brier)),
    unsafe: ms.filter((m) => m.unsafe).length,
    reliability: table,
    byCategory,
  };
}
