/**
 * Fits the engine's numbers to the training split of the case corpus. Reads nothing but the
 * training cases it is given; the evaluation split is never passed here (see bench/diagnosis-fit.ts
 * and the corpus spec, which checks this file names no evaluation case).
 *
 * - P(symptom | cause): Beta-binomial, the expert value as `symptomStrength` pseudo-cases.
 * - P(step fixes | cause): the expert value as `stepStrength` pseudo-trials; a case's fix step is
 *   a success, a step it reports as tried and not fixed a failure, and (weighted by
 *   `implicitFailure`) a step that is neither its fix nor among its accepted first steps.
 * - Text: multinomial naive Bayes over the description's features (text-features.ts), binary
 *   counts, Laplace smoothing, centred per feature; its scale and the hand-written hints' scale
 *   are chosen by repeated cross-validation, as are the scale of the symptom evidence, the
 *   flattening of the expert priors and the posterior temperature (calibration).
 * Priors stay the expert ones, at most flattened (`priorPower`): the corpus was sampled to cover
 * every cause, not at real-world rates, so its cause counts are never used as priors.
 */
import {
  CAUSE_CODES,
  CAUSE_POS,
  N_CAUSES,
  N_STEPS,
  N_SYMPTOMS,
  STEP_POS,
  SYMPTOM_POS,
  type SymptomCode,
} from '../engine/codes.js';
import { diagnose } from '../engine/diagnose.js';
import { LIKELIHOOD, STEP_FIX } from '../engine/knowledge.js';
import { buildModel, type FittedParams, type Model } from '../engine/model.js';
import { extractFromText } from '../engine/text.js';
import { textFeatures } from '../engine/text-features.js';
import { type CorpusCase, sha256, walkToFix } from './corpus.js';

export interface Hyper {
  symptomStrength: number;
  stepStrength: number;
  textWeight: number;
  hintWeight: number;
  temperature: number;
  /** Laplace smoothing of the text model. */
  alpha: number;
  /** Features seen in fewer training descriptions are dropped. */
  minDocs: number;
  /** 0: naive Bayes text weights; above 0: logistic regression with this L2 penalty. */
  l2: number;
  /** Scale of the symptom evidence. */
  symptomWeight: number;
  /** Exponent of the expert base priors (1: as typed, 0: uniform). */
  priorPower: number;
  /**
   * Weight of a case as a failed trial of every step that neither fixed it nor is among its
   * accepted first steps (the source says those were not the fix): 0 counts reported failures only.
   */
  implicitFailure: number;
  /** Minutes added to each repair step's cost when the plan is ordered (see Model.stepOverhead). */
  stepOverhead: number;
  /** Gradient-descent epochs of the logistic regression (absent: 300). */
  epochs?: number;
  /** Weight each training case of the regression by 1 / its cause's share (absent: no). */
  balanced?: boolean;
}

/**
 * Where the coordinate search starts (the last chosen setting): a start with the text model
 * switched on, since from naive Bayes over character n-grams the search would switch the text
 * off and never reach the logistic regression that makes it useful.
 */
export const DEFAULT_HYPER: Hyper = {
  symptomStrength: 20,
  stepStrength: 5,
  textWeight: 0.25,
  hintWeight: 1,
  temperature: 0.7,
  alpha: 1,
  minDocs: 2,
  l2: 0.003,
  symptomWeight: 0.5,
  priorPower: 0.25,
  implicitFailure: 1,
  stepOverhead: 0,
};

/** The setting the last `npm run diagnosis:fit` chose (fitted-params.ts names it in its header). */
export const CHOSEN_HYPER: Hyper = {
  symptomStrength: 40,
  stepStrength: 5,
  textWeight: 0.25,
  hintWeight: 1,
  temperature: 0.7,
  alpha: 1,
  minDocs: 2,
  l2: 0.001,
  symptomWeight: 0.5,
  priorPower: 0.25,
  implicitFailure: 1,
  stepOverhead: 0,
};

const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));
const round = (x: number): number => Math.round(x * 1e4) / 1e4;

/** The symptoms the engine will see for a case: reported codes plus what the text rules find. */
export function observedSymptoms(c: CorpusCase): Set<SymptomCode> {
  const out = new Set<SymptomCode>(c.input.symptoms ?? []);
  if (c.input.description)
    for (const s of extractFromText(c.input.description).symptoms) out.add(s);
  return out;
}

export function fitParams(training: readonly CorpusCase[], h: Hyper): FittedParams {
  const perCause = new Float64Array(N_CAUSES);
  const symptomCounts = new Float64Array(N_SYMPTOMS * N_CAUSES);
  const success = new Float64Array(N_STEPS * N_CAUSES);
  const failure = new Float64Array(N_STEPS * N_CAUSES);
  const docFreq = new Map<string, number>();
  const featureCounts = new Map<string, Float64Array>();
  const featureTotal = new Float64Array(N_CAUSES);

  for (const c of training) {
    const cause = CAUSE_POS[c.expected.cause];
    perCause[cause]!++;
    for (const s of observedSymptoms(c)) symptomCounts[SYMPTOM_POS[s] * N_CAUSES + cause]!++;
    success[STEP_POS[c.fixStep] * N_CAUSES + cause]!++;
    const reported = new Set<number>();
    for (const t of c.input.stepsTried ?? [])
      if (t.outcome === 'not_fixed' && t.step !== c.fixStep) {
        failure[STEP_POS[t.step] * N_CAUSES + cause]!++;
        reported.add(STEP_POS[t.step]);
      }
    if (h.implicitFailure > 0) {
      const accepted = new Set<number>(c.expected.firstSteps.map((s) => STEP_POS[s]));
      accepted.add(STEP_POS[c.fixStep]);
      for (let k = 0; k < N_STEPS; k++)
        if (!accepted.has(k) && !reported.has(k))
          failure[k * N_CAUSES + cause]! += h.implicitFailure;
    }
    for (const f of textFeatures(c.input.description ?? '')) {
      docFreq.set(f, (docFreq.get(f) ?? 0) + 1);
      let row = featureCounts.get(f);
      if (!row) featureCounts.set(f, (row = new Float64Array(N_CAUSES)));
      row[cause]!++;
    }
  }

  const likelihood: number[] = [];
  for (let s = 0; s < N_SYMPTOMS; s++)
    for (let c = 0; c < N_CAUSES; c++) {
      const i = s * N_CAUSES + c;
      const p =
        (h.symptomStrength * LIKELIHOOD[i]! + symptomCounts[i]!) / (h.symptomStrength + perCause[c]!);
      likelihood.push(round(clamp(p, 0.003, 0.97)));
    }

  const stepFix: number[] = [];
  for (let k = 0; k < N_STEPS; k++)
    for (let c = 0; c < N_CAUSES; c++) {
      const i = k * N_CAUSES + c;
      const p =
        (h.stepStrength * STEP_FIX[i]! + success[i]!) / (h.stepStrength + success[i]! + failure[i]!);
      stepFix.push(round(clamp(p, 0, 0.98)));
    }

  const features = [...featureCounts.keys()]
    .filter((f) => (docFreq.get(f) ?? 0) >= h.minDocs)
    .sort();
  for (const f of features) {
    const row = featureCounts.get(f)!;
    for (let c = 0; c < N_CAUSES; c++) featureTotal[c]! += row[c]!;
  }
  const weights: number[] = [];
  const v = features.length;
  if (h.l2 > 0) {
    for (const w of cachedLogistic(training, features, h)) weights.push(round(w));
  } else {
    for (const f of features) {
      const row = featureCounts.get(f)!;
      const logs = CAUSE_CODES.map((_, c) =>
        Math.log((row[c]! + h.alpha) / (featureTotal[c]! + h.alpha * v)),
      );
      const mean = logs.reduce((a, b) => a + b, 0) / N_CAUSES;
      for (const l of logs) weights.push(round(l - mean));
    }
  }

  const body = { likelihood, stepFix, features, weights, h };
  return {
    version: `fit-${sha256(JSON.stringify(body)).slice(0, 10)}`,
    fittedAt: new Date(0).toISOString(),
    trainingCases: training.length,
    likelihood,
    stepFix,
    text: { features, weights },
    textWeight: h.textWeight,
    hintWeight: h.hintWeight,
    temperature: h.temperature,
    symptomWeight: h.symptomWeight,
    priorPower: h.priorPower,
    stepOverhead: h.stepOverhead,
  };
}

/**
 * The regression depends only on the training cases, the features (minDocs) and the penalty, not
 * on the other hyper-parameters: the search re-fits it once per fold and penalty, not per setting.
 */
const LOGISTIC_MEMO = new Map<string, number[]>();
const LOGISTIC_MEMO_LIMIT = 64;

function cachedLogistic(
  training: readonly CorpusCase[],
  features: readonly string[],
  h: Hyper,
): number[] {
  const key = `${h.l2}|${h.minDocs}|${h.epochs}|${h.balanced}|${features.length}|${training.map((c) => c.id).join(',')}`;
  let w = LOGISTIC_MEMO.get(key);
  if (!w) {
    w = logisticWeights(training, features, h.l2, h.epochs ?? 300, 0.5, h.balanced === true);
    if (LOGISTIC_MEMO.size >= LOGISTIC_MEMO_LIMIT) LOGISTIC_MEMO.clear();
    LOGISTIC_MEMO.set(key, w);
  }
  return w;
}

/**
 * Multinomial logistic regression of the cause on the description's features (binary), with an
 * L2 penalty, by full-batch gradient descent from zero: deterministic. Weights are centred per
 * feature (softmax does not change), so they plug into the engine as the naive-Bayes ones do.
 */
export function logisticWeights(
  training: readonly CorpusCase[],
  features: readonly string[],
  l2: number,
  epochs = 300,
  rate = 0.5,
  balanced = false,
): number[] {
  const index = new Map(features.map((f, j) => [f, j]));
  const docs = training.map((c) => ({
    y: CAUSE_POS[c.expected.cause],
    fs: textFeatures(c.input.description ?? '')
      .map((f) => index.get(f))
      .filter((j): j is number => j !== undefined),
  }));
  // Balanced: each cause weighs as much in the loss as any other, whatever its count.
  const perCause = new Float64Array(N_CAUSES);
  for (const d of docs) perCause[d.y]!++;
  let present = 0;
  for (let c = 0; c < N_CAUSES; c++) if (perCause[c]! > 0) present++;
  const weightOf = (y: number): number =>
    balanced ? docs.length / (Math.max(1, present) * perCause[y]!) : 1;
  const w = new Float64Array(features.length * N_CAUSES);
  const grad = new Float64Array(w.length);
  const z = new Float64Array(N_CAUSES);
  const n = Math.max(1, docs.length);
  for (let e = 0; e < epochs; e++) {
    grad.fill(0);
    for (const d of docs) {
      z.fill(0);
      for (const j of d.fs) for (let c = 0; c < N_CAUSES; c++) z[c]! += w[j * N_CAUSES + c]!;
      let max = -Infinity;
      for (let c = 0; c < N_CAUSES; c++) max = Math.max(max, z[c]!);
      let sum = 0;
      for (let c = 0; c < N_CAUSES; c++) sum += z[c] = Math.exp(z[c]! - max);
      const dw = weightOf(d.y);
      for (let c = 0; c < N_CAUSES; c++) {
        const g = dw * (z[c]! / sum - (c === d.y ? 1 : 0));
        for (const j of d.fs) grad[j * N_CAUSES + c]! += g;
      }
    }
    for (let i = 0; i < w.length; i++) w[i]! -= rate * (grad[i]! / n + l2 * w[i]!);
  }
  const out: number[] = [];
  for (let j = 0; j < features.length; j++) {
    let mean = 0;
    for (let c = 0; c < N_CAUSES; c++) mean += w[j * N_CAUSES + c]! / N_CAUSES;
    for (let c = 0; c < N_CAUSES; c++) out.push(w[j * N_CAUSES + c]! - mean);
  }
  return out;
}

/**
 * k folds, stratified by cause, each case's fold fixed by the hash of its id (and the repeat's
 * seed: repeat 0 is the historical split, later repeats reshuffle for repeated k-fold CV).
 */
export function folds(cases: readonly CorpusCase[], k: number, seed = 0): CorpusCase[][] {
  const salt = seed === 0 ? 'fold:' : `fold${seed}:`;
  const out: CorpusCase[][] = Array.from({ length: k }, () => []);
  const byCause = new Map<string, CorpusCase[]>();
  for (const c of cases) {
    const list = byCause.get(c.expected.cause) ?? [];
    list.push(c);
    byCause.set(c.expected.cause, list);
  }
  let offset = 0;
  for (const cause of [...byCause.keys()].sort()) {
    const list = byCause
      .get(cause)!
      .sort((a, b) => sha256(salt + a.id).localeCompare(sha256(salt + b.id)));
    list.forEach((c, i) => out[(i + offset) % k]!.push(c));
    offset += list.length;
  }
  return out;
}

/** Mean negative log-probability of the confirmed cause (the fit's objective). */
export function logLoss(cases: readonly CorpusCase[], model: Model): number {
  let sum = 0;
  for (const c of cases) {
    const p =
      diagnose(c.input, model).causes.find((x) => x.code === c.expected.cause)?.probability ?? 0;
    sum -= Math.log(Math.max(p, 1e-6));
  }
  return sum / Math.max(1, cases.length);
}

/**
 * Cross-validated log-loss of a hyper-parameter setting on the training split, averaged over
 * every repeat of the k-fold split given (repeated stratified k-fold: less noise than one split).
 */
export function crossValidate(repeats: readonly (readonly CorpusCase[][])[], h: Hyper): number {
  let sum = 0;
  let n = 0;
  for (const parts of repeats)
    parts.forEach((held, i) => {
      const train = parts.filter((_, j) => j !== i).flat();
      const model = buildModel(fitParams(train, h));
      sum += logLoss(held, model) * held.length;
      n += held.length;
    });
  return sum / Math.max(1, n);
}

/**
 * Cross-validated cost to fix of a setting (mean minutes of the desk's walk, walkToFix), with the
 * share of cases whose first step is not an accepted one as a tie-break: what the step table and
 * the step ordering are judged by.
 */
export function crossValidateCost(repeats: readonly (readonly CorpusCase[][])[], h: Hyper): number {
  let minutes = 0;
  let missed = 0;
  let n = 0;
  for (const parts of repeats)
    parts.forEach((held, i) => {
      const model = buildModel(fitParams(parts.filter((_, j) => j !== i).flat(), h));
      for (const c of held) {
        minutes += walkToFix(c, model).minutes;
        const first = diagnose(c.input, model).plan[0]?.step;
        if (!first || !c.expected.firstSteps.includes(first)) missed++;
        n++;
      }
    });
  return (minutes + missed * 0.01) / Math.max(1, n);
}

/** Coordinate search: each key in turn takes the grid value that most lowers the objective. */
function coordinateSearch(
  start: Hyper,
  grid: Partial<Record<keyof Hyper, number[]>>,
  rounds: number,
  objective: (h: Hyper) => number,
  label: string,
  progress: (line: string) => void,
): { hyper: Hyper; loss: number } {
  let best = { ...start };
  let bestLoss = objective(best);
  for (let round = 0; round < rounds; round++) {
    let moved = false;
    for (const [key, values] of Object.entries(grid) as [keyof Hyper, number[]][]) {
      for (const value of values) {
        if (best[key] === value) continue;
        const candidate = { ...best, [key]: value };
        const loss = objective(candidate);
        if (loss < bestLoss - 1e-9) {
          best = candidate;
          bestLoss = loss;
          moved = true;
        }
      }
      progress(`  round ${round + 1}, ${key} = ${best[key]}: ${label} ${bestLoss.toFixed(4)}`);
    }
    if (!moved) break;
  }
  return { hyper: best, loss: bestLoss };
}

/**
 * Hyper-parameters by repeated cross-validation, deterministic. The ranking numbers (symptom
 * table, text model, their weights, priors, temperature) by CV log-loss of the confirmed cause;
 * then the step table (its prior strength and how much a case speaks against the steps that did
 * not fix it) by CV cost to fix, since only the plan depends on it.
 */
export function chooseHyper(
  repeats: readonly (readonly CorpusCase[][])[],
  progress: (line: string) => void = () => undefined,
): { hyper: Hyper; loss: number; minutes: number } {
  const ranking = coordinateSearch(
    DEFAULT_HYPER,
    {
      l2: [0, 0.001, 0.003, 0.01, 0.03],
      alpha: [0.1, 0.3, 1],
      textWeight: [0, 0.25, 0.35, 0.5, 0.75, 1, 1.5],
      symptomStrength: [2, 5, 10, 20, 40],
      symptomWeight: [0.3, 0.4, 0.5, 0.7, 0.85, 1],
      priorPower: [0, 0.25, 0.5, 0.75, 1],
      hintWeight: [0, 0.5, 1],
      temperature: [0.5, 0.6, 0.7, 0.85, 1, 1.2, 1.5, 2],
    },
    3,
    (h) => crossValidate(repeats, h),
    'CV log-loss',
    progress,
  );
  const steps = coordinateSearch(
    ranking.hyper,
    { stepStrength: [2, 5, 10], implicitFailure: [0, 0.25, 0.5, 1] },
    2,
    (h) => crossValidateCost(repeats, h),
    'CV minutes to fix',
    progress,
  );
  return {
    hyper: steps.hyper,
    loss: crossValidate(repeats, steps.hyper),
    minutes: steps.loss,
  };
}
