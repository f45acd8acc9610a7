/**
 * The public surface of the diagnostics module: what other modules may import from it (the other
 * one is diagnostics.module.ts), including the engine's vocabulary. Everything else in
 * src/diagnostics/ is private; see .dependency-cruiser.cjs.
 */
export { DiagnosticsService } from './diagnostics.service.js';
export { AnswerDto, DiagnosisResponseDto } from './dto/diagnosis.dto.js';
export {
  CAUSE_CODES,
  type CauseCode,
  STEP_CODES,
  STEP_OUTCOMES,
  type StepCode,
  type StepOutcome,
  SYMPTOM_CODES,
  type SymptomCode,
} from './engine/index.js';
export { learnedCountsSql, recordConfirmedCause } from './learned-causes.repository.js';
