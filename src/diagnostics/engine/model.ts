/**
 * The numbers the engine ranks and plans with, as one object: the expert tables of knowledge.ts,
 * or those tables refitted from the training split of the case corpus (fitted-params.ts,
 * written by `npm run diagnosis:fit`). The expert values are the fit's priors (pseudo-counts),
 * so a cause or step the corpus says little about keeps its expert value.
 */
import { N_CAUSES, N_STEPS, N_SYMPTOMS, STEP_CODES, SYMPTOM_CODES } from './codes.js';
import { FITTED } from './fitted-params.js';
import { describeKnowledge, type Knowledge, LIKELIHOOD, STEP_FIX, SYMPTOMS } from './knowledge.js';
import { collectFeatureIds, compileVocabulary, type TextVocabulary } from './text-features.js';
import type { FittedParams } from './types.js';

export type { FittedParams } from './types.js';

export interface Model {
  version: string;
  likelihood: Float64Array;
  logPresent: Float64Array;
  logAbsent: Float64Array;
  logAbsentTotal: Float64Array;
  /** log(P(s|c) / mean over causes): how much a present symptom speaks for each cause. */
  evidenceWeight: Float64Array;
  stepFix: Float64Array;
  /** Per-step rows of stepFix as plain arrays, shared until a diagnosis needs to change one. */
  fixRows: readonly number[][];
  text: Map<string, Float64Array> | null;
  /** The text model as one table: feature -> offset of its row in textWeights. */
  textIndex: Map<string, number> | null;
  textWeights: Float64Array;
  /** The same vocabulary compiled for scoring without building feature strings. */
  textVocabulary: TextVocabulary | null;
  textWeight: number;
  hintWeight: number;
  temperature: number;
  symptomWeight: number;
  priorPower: number;
  /**
   * Minutes added to every repair step's cost when the plan is ordered (the round trip of asking
   * someone to do a step and hearing back); the plan still states the steps' own minutes.
   */
  stepOverhead: number;
}

export const EXPERT_VERSION = 'expert-1';

/** Builds the dense tables from the given numbers (expert values where a field is absent). */
export function buildModel(p: Partial<FittedParams> = {}): Model {
  const likelihood = Float64Array.from(p.likelihood ?? LIKELIHOOD);
  const stepFix = Float64Array.from(p.stepFix ?? STEP_FIX);
  if (likelihood.length !== N_SYMPTOMS * N_CAUSES || stepFix.length !== N_STEPS * N_CAUSES)
    throw new Error('fitted parameters do not match the codes');
  const logPresent = new Float64Array(likelihood.length);
  const logAbsent = new Float64Array(likelihood.length);
  const logAbsentTotal = new Float64Array(N_CAUSES);
  const evidenceWeight = new Float64Array(likelihood.length);
  for (let s = 0; s < N_SYMPTOMS; s++) {
    const salience = SYMPTOMS[SYMPTOM_CODES[s]!].salience;
    let mean = 0;
    for (let c = 0; c < N_CAUSES; c++) mean += likelihood[s * N_CAUSES + c]! / N_CAUSES;
    for (let c = 0; c < N_CAUSES; c++) {
      const i = s * N_CAUSES + c;
      const l = likelihood[i]!;
      logPresent[i] = Math.log(l);
      logAbsent[i] = Math.log(1 - salience * l);
      logAbsentTotal[c]! += logAbsent[i];
      evidenceWeight[i] = Math.log(l / mean);
    }
  }
  let text: Map<string, Float64Array> | null = null;
  if (p.text) {
    text = new Map();
    p.text.features.forEach((f, j) =>
      text!.set(f, Float64Array.from(p.text!.weights.slice(j * N_CAUSES, (j + 1) * N_CAUSES))),
    );
  }
  const textIndex = p.text ? new Map(p.text.features.map((f, j) => [f, j * N_CAUSES])) : null;
  return {
    version: p.version ?? EXPERT_VERSION,
    likelihood,
    logPresent,
    logAbsent,
    logAbsentTotal,
    evidenceWeight,
    stepFix,
    fixRows: STEP_CODES.map((_, k) =>
      Array.from(stepFix.subarray(k * N_CAUSES, (k + 1) * N_CAUSES)),
    ),
    text,
    textIndex,
    textWeights: Float64Array.from(p.text?.weights ?? []),
    textVocabulary: p.text ? compileVocabulary(p.text.features) : null,
    textWeight: p.textWeight ?? 0,
    hintWeight: p.hintWeight ?? 1,
    temperature: p.temperature ?? 1,
    symptomWeight: p.symptomWeight ?? 1,
    priorPower: p.priorPower ?? 1,
    stepOverhead: p.stepOverhead ?? 0,
  };
}

/**
 * The text model's score per cause for a description (0 everywhere without a text model): the sum
 * of the weight rows of its features (textFeatures), in their order, times the text weight.
 */
export function textScores(model: Model, description: string): Float64Array {
  const out = new Float64Array(N_CAUSES);
  const vocab = model.textVocabulary;
  if (!vocab || model.textWeight === 0) return out;
  const w = model.textWeights;
  const n = collectFeatureIds(vocab, description);
  const ids = vocab.ids;
  const k = N_CAUSES;
  const scale = model.textWeight;
  // Per cause, the rows summed in feature order (the order textFeatures lists them): one row at
  // a time into the per-cause sums, which are the same additions in the same order. Sixteen
  // causes: the sums stay in locals.
  if (k === 16) {
    let s0 = 0,
      s1 = 0,
      s2 = 0,
      s3 = 0,
      s4 = 0,
      s5 = 0,
      s6 = 0,
      s7 = 0;
    let s8 = 0,
      s9 = 0,
      s10 = 0,
      s11 = 0,
      s12 = 0,
      s13 = 0,
      s14 = 0,
      s15 = 0;
    for (let i = 0; i < n; i++) {
      const r = ids[i]! * 16;
      s0 += w[r]!;
      s1 += w[r + 1]!;
      s2 += w[r + 2]!;
      s3 += w[r + 3]!;
      s4 += w[r + 4]!;
      s5 += w[r + 5]!;
      s6 += w[r + 6]!;
      s7 += w[r + 7]!;
      s8 += w[r + 8]!;
      s9 += w[r + 9]!;
      s10 += w[r + 10]!;
      s11 += w[r + 11]!;
      s12 += w[r + 12]!;
      s13 += w[r + 13]!;
      s14 += w[r + 14]!;
      s15 += w[r + 15]!;
    }
    out[0] = s0 * scale;
    out[1] = s1 * scale;
    out[2] = s2 * scale;
    out[3] = s3 * scale;
    out[4] = s4 * scale;
    out[5] = s5 * scale;
    out[6] = s6 * scale;
    out[7] = s7 * scale;
    out[8] = s8 * scale;
    out[9] = s9 * scale;
    out[10] = s10 * scale;
    out[11] = s11 * scale;
    out[12] = s12 * scale;
    out[13] = s13 * scale;
    out[14] = s14 * scale;
    out[15] = s15 * scale;
    return out;
  }
  for (let i = 0; i < n; i++) {
    const row = ids[i]! * k;
    for (let c = 0; c < k; c++) out[c]! += w[row + c]!;
  }
  for (let c = 0; c < k; c++) out[c]! *= scale;
  return out;
}

/** The expert tables alone, as typed by hand in knowledge.ts. */
export const EXPERT_MODEL: Model = buildModel();
/** What the service uses: the fitted parameters when they exist. */
export const DEFAULT_MODEL: Model = FITTED ? buildModel(FITTED) : EXPERT_MODEL;

/** The vocabulary with the numbers the service ranks with (GET /v1/diagnostics/knowledge). */
export const KNOWLEDGE_IN_USE: Knowledge = describeKnowledge(
  DEFAULT_MODEL.version,
  FITTED
    ? `single-fault naive Bayes fitted to ${FITTED.trainingCases} real cases (symptom and step tables with expert pseudo-counts, a text model over word stems, bigrams and character 4-grams, evidence weights, prior flattening and temperature chosen by repeated cross-validation); steps ordered by P(fix)/cost`
    : 'single-fault naive Bayes with leaky likelihoods (expert tables); steps ordered by P(fix)/cost',
  DEFAULT_MODEL.likelihood,
  DEFAULT_MODEL.stepFix,
);
