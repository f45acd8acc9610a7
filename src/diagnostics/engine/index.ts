/** The diagnosis engine: framework-free, pure, deterministic. */
export {
  CAUSE_CATEGORIES,
  CAUSE_CODES,
  ESCALATION_TARGETS,
  PERFORMERS,
  POWER_SOURCES,
  PROTOCOLS,
  STEP_CODES,
  STEP_OUTCOMES,
  SYMPTOM_CODES,
  type CauseCategory,
  type CauseCode,
  type EscalationTarget,
  type Performer,
  type PowerSource,
  type Protocol,
  type StepCode,
  type StepOutcome,
  type SymptomCode,
} from './codes.js';
export { diagnose } from './diagnose.js';
export { KNOWLEDGE, type Knowledge } from './knowledge.js';
export { expectedCostOfRepair, orderSteps, type Candidate } from './planning.js';
export { extractFromText, normalizeText, type TextExtraction } from './text.js';
export { compareVersions } from './version.js';
export type {
  DeviceInput,
  DiagnosisInput,
  DiagnosisResult,
  Escalation,
  ExcludedCause,
  PlanPhase,
  PlanStep,
  RankedCause,
  StepTried,
  TelemetryInput,
} from './types.js';
