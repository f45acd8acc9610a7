/**
 * Fits the engine's numbers to the training split of the case corpus. Reads nothing but the
 * training cases it is given; the evaluation split is never passed here (see bench/diagnosis-fit.ts
 * and the corpus spec, which checks this file names no evaluation case).
 *
 * - P(symptom | cause): Beta-binomial, the expert value as `symptomStrength` pseudo-cases.
 * - P(step fixes | cause): the expert value as `stepStrength` pseudo-trials; a case's fix step is
 *   a success, a step it reports as tried and not fixed a failure.
 * - Text: multinomial naive Bayes over the description's features (text-features.ts), binary
 *   counts, Laplace smoothing, centred per feature; its scale and the hand-written hints' scale
 *   are chosen by cross-validation, as is the posterior temperature (calibration).
 * Priors stay expert: the corpus was sampled to cover every cause, not at real-world rates.
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
import { type CorpusCase, sha256 } from './corpus.js';

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
}

export const DEFAULT_HYPER: Hyper = {
  symptomStrength: 10,
  stepStrength: 5,
  textWeight: 0.5,
  hintWeight: 1,
  temperature: 1,
  alpha: 0.5,
  minDocs: 2,
  l2: 0,
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
    perCause[cause]++;
    for (const s of observedSymptoms(c)) symptomCounts[SYMPTOM_POS[s] * N_CAUSES + cause]++;
    success[STEP_POS[c.fixStep] * N_CAUSES + cause]++;
    for (const t of c.input.stepsTried ?? [])
      if (t.outcome === 'not_fixed' && t.step !== c.fixStep)
        failure[STEP_POS[t.step] * N_CAUSES + cause]++;
    for (const f of textFeatures(c.input.description ?? '')) {
      docFreq.set(f, (docFreq.get(f) ?? 0) + 1);
      let row = featureCounts.get(f);
      if (!row) featureCounts.set(f, (row = new Float64Array(N_CAUSES)));
      row[cause]++;
    }
  }

  const likelihood: number[] = [];
  for (let s = 0; s < N_SYMPTOMS; s++)
    for (let c = 0; c < N_CAUSES; c++) {
      const i = s * N_CAUSES + c;
      const p =
        (h.symptomStrength * LIKELIHOOD[i] + symptomCounts[i]) / (h.symptomStrength + perCause[c]);
      likelihood.push(round(clamp(p, 0.003, 0.97)));
    }

  const stepFix: number[] = [];
  for (let k = 0; k < N_STEPS; k++)
    for (let c = 0; c < N_CAUSES; c++) {
      const i = k * N_CAUSES + c;
      const p =
        (h.stepStrength * STEP_FIX[i] + success[i]) / (h.stepStrength + success[i] + failure[i]);
      stepFix.push(round(clamp(p, 0, 0.98)));
    }

  const features = [...featureCounts.keys()]
    .filter((f) => (docFreq.get(f) ?? 0) >= h.minDocs)
    .sort();
  for (const f of features) {
    const row = featureCounts.get(f)!;
    for (let c = 0; c < N_CAUSES; c++) featureTotal[c] += row[c];
  }
  const weights: number[] = [];
  const v = features.length;
  if (h.l2 > 0) {
    weights.push(...logisticWeights(training, features, h.l2).map(round));
  } else {
    for (const f of features) {
      const row = featureCounts.get(f)!;
      const logs = CAUSE_CODES.map((_, c) =>
        Math.log((row[c] + h.alpha) / (featureTotal[c] + h.alpha * v)),
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
  };
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
): number[] {
  const index = new Map(features.map((f, j) => [f, j]));
  const docs = training.map((c) => ({
    y: CAUSE_POS[c.expected.cause],
    fs: textFeatures(c.input.description ?? '')
      .map((f) => index.get(f))
      .filter((j): j is number => j !== undefined),
  }));
  const w = new Float64Array(features.length * N_CAUSES);
  const grad = new Float64Array(w.length);
  const z = new Float64Array(N_CAUSES);
  const n = Math.max(1, docs.length);
  for (let e = 0; e < epochs; e++) {
    grad.fill(0);
    for (const d of docs) {
      z.fill(0);
      for (const j of d.fs) for (let c = 0; c < N_CAUSES; c++) z[c] += w[j * N_CAUSES + c];
      let max = -Infinity;
      for (let c = 0; c < N_CAUSES; c++) max = Math.max(max, z[c]);
      let sum = 0;
      for (let c = 0; c < N_CAUSES; c++) sum += z[c] = Math.exp(z[c] - max);
      for (let c = 0; c < N_CAUSES; c++) {
        const g = z[c] / sum - (c === d.y ? 1 : 0);
        for (const j of d.fs) grad[j * N_CAUSES + c] += g;
      }
    }
    for (let i = 0; i < w.length; i++) w[i] -= rate * (grad[i] / n + l2 * w[i]);
  }
  const out: number[] = [];
  for (let j = 0; j < features.length; j++) {
    let mean = 0;
    for (let c = 0; c < N_CAUSES; c++) mean += w[j * N_CAUSES + c] / N_CAUSES;
    for (let c = 0; c < N_CAUSES; c++) out.push(w[j * N_CAUSES + c] - mean);
  }
  return out;
}

/** k folds, stratified by cause, each case's fold fixed by the hash of its id. */
export function folds(cases: readonly CorpusCase[], k: number): CorpusCase[][] {
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
      .sort((a, b) => sha256(`fold:${a.id}`).localeCompare(sha256(`fold:${b.id}`)));
    list.forEach((c, i) => out[(i + offset) % k].push(c));
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

/** Cross-validated log-loss of a hyper-parameter setting on the training split. */
export function crossValidate(parts: readonly CorpusCase[][], h: Hyper): number {
  let sum = 0;
  let n = 0;
  parts.forEach((held, i) => {
    const train = parts.filter((_, j) => j !== i).flat();
    const model = buildModel(fitParams(train, h));
    sum += logLoss(held, model) * held.length;
    n += held.length;
  });
  return sum / n;
}

/**
 * Coordinate search over the hyper-parameters by cross-validated log-loss: few enough fits to
 * run in seconds, and deterministic.
 */
export function chooseHyper(
  parts: readonly CorpusCase[][],
  progress: (line: string) => void = () => undefined,
): { hyper: Hyper; loss: number } {
  const grid: Partial<Record<keyof Hyper, number[]>> = {
    symptomStrength: [2, 5, 10, 20, 40],
    stepStrength: [2, 5, 10],
    textWeight: [0, 0.25, 0.5, 0.75, 1, 1.5],
    hintWeight: [0, 0.5, 1],
    alpha: [0.1, 0.3, 1],
    l2: [0, 0.003, 0.01, 0.03],
    temperature: [0.7, 0.85, 1, 1.2, 1.5, 2],
  };
  let best = { ...DEFAULT_HYPER };
  let bestLoss = crossValidate(parts, best);
  for (let round = 0; round < 2; round++) {
    for (const [key, values] of Object.entries(grid) as [keyof Hyper, number[]][]) {
      for (const value of values) {
        if (best[key] === value) continue;
        const candidate = { ...best, [key]: value };
        const loss = crossValidate(parts, candidate);
        if (loss < bestLoss - 1e-9) {
          best = candidate;
          bestLoss = loss;
        }
      }
      progress(`  round ${round + 1}, ${key} = ${best[key]}: CV log-loss ${bestLoss.toFixed(4)}`);
    }
  }
  return { hyper: best, loss: bestLoss };
}
