import type {
  CauseCategory,
  CauseCode,
  EscalationTarget,
  Performer,
  PowerSource,
  Protocol,
  StepCode,
  StepOutcome,
  SymptomCode,
} from './codes.js';

export interface DeviceInput {
  manufacturer?: string;
  model?: string;
  powerSource?: PowerSource;
  /** Protocols the model supports. */
  protocols?: Protocol[];
  /** The protocol actually in use. */
  protocol?: Protocol;
  hasKeyCylinder?: boolean;
  hasKeypad?: boolean;
  hasBackupPower?: boolean;
  hasFingerprint?: boolean;
  /** Computed by the caller from the catalog; wins over comparing versions here. */
  firmwareBehindLatest?: boolean;
}

export interface TelemetryInput {
  batteryPercent?: number;
  online?: boolean;
  lastSeenAt?: string;
  signalDbm?: number;
  firmwareVersion?: string;
  latestFirmware?: string;
  jamEvents24h?: number;
  failedCodeAttempts24h?: number;
  doorAjar?: boolean;
  warrantyExpiresAt?: string;
}

export interface StepTried {
  step: StepCode;
  outcome: StepOutcome;
}

export interface DiagnosisInput {
  symptoms?: SymptomCode[];
  /** Free text; symptoms are extracted from it. */
  description?: string;
  device?: DeviceInput;
  telemetry?: TelemetryInput;
  stepsTried?: StepTried[];
  /** Answers to questions: `present: false` is evidence against the symptom, not its absence. */
  answers?: { symptom: SymptomCode; present: boolean }[];
  /** Confirmed causes for this tenant and device model. */
  learnedCounts?: Partial<Record<CauseCode, number>>;
  /** ISO time for staleness and warranty; without it, time-relative evidence is ignored. */
  now?: string;
}

export interface RankedCause {
  code: CauseCode;
  category: CauseCategory;
  probability: number;
  /** Plain words, strongest first: what speaks for (or against) this cause. */
  evidence: string[];
}

export interface ExcludedCause {
  code: CauseCode;
  reason: string;
}

export type PlanPhase = 'entry' | 'repair';

export interface PlanStep {
  step: StepCode;
  performer: Performer;
  rationale: string;
  warnings: string[];
  /** Causes this step can fix, most likely first. */
  fixes: CauseCode[];
  /** P(this step fixes the problem | every step before it did not). */
  pFix: number;
  /** P(the plan gets as far as this step). */
  pReach: number;
  cost: number;
  /** `entry` steps get a locked-out person in; `repair` steps fix the lock. */
  phase: PlanPhase;
}

export interface Escalation {
  recommended: boolean;
  target: EscalationTarget | null;
  reason: string;
  /** Where it would go if it came to that, even when not recommended yet. */
  likelyTarget: EscalationTarget;
}

export interface DiagnosisResult {
  /** Reported and extracted symptoms, in contract order. */
  symptoms: SymptomCode[];
  textMatches: { symptom: SymptomCode; phrase: string }[];
  /** Symptom phrases that were negated or hypothetical ("no grinding", "need new batteries"). */
  textNegated: { symptom: SymptomCode; phrase: string }[];
  /** Sorted by probability, descending; probabilities sum to 1. */
  causes: RankedCause[];
  /** Causes ruled out by hard device constraints. */
  excluded: ExcludedCause[];
  plan: PlanStep[];
  /** Expected cost of working through the plan until the problem is fixed. */
  expectedCost: number;
  escalation: Escalation;
  /** A tried step reported `fixed`. */
  resolved: boolean;
  /** Inputs the engine could not use, and why. */
  notes: string[];
  /** Up to three facts whose answers would most lower the expected cost to fix. */
  questions: { symptom: SymptomCode; text: string; expectedSavingMinutes: number }[];
  /** The parameter set that ranked and planned: `expert-1`, or the version of a fit. */
  modelVersion: string;
}

/** The engine's numbers as `npm run diagnosis:fit` writes them (fitted-params.ts); see model.ts. */
export interface FittedParams {
  /** Names the parameter set in every answer; changes whenever the numbers change. */
  version: string;
  fittedAt: string;
  trainingCases: number;
  /** P(symptom | cause), leak included, row-major [symptom][cause]. */
  likelihood: number[];
  /** P(step fixes | cause), row-major [step][cause]. */
  stepFix: number[];
  /** Learned text model: per feature, a centred log-likelihood per cause. */
  text: { features: string[]; weights: number[] } | null;
  /** Scale of the text model's log-likelihoods. */
  textWeight: number;
  /** Scale of the hand-written phrase hints (text.ts). */
  hintWeight: number;
  /** Posterior temperature (calibration): log-probabilities are divided by it. */
  temperature: number;
  /** Scale of the symptom evidence (naive Bayes over-counts correlated symptoms); 1 if absent. */
  symptomWeight?: number;
  /** Exponent of the base priors (1: as typed, 0: uniform); 1 if absent. */
  priorPower?: number;
  /** Minutes added to each repair step's cost when ordering the plan; 0 if absent. */
  stepOverhead?: number;
}
