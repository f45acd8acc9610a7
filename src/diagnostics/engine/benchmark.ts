/**
 * Scoring of the engine against benchmark cases (test/fixtures/diagnosis). Pure: the callers
 * (bench/diagnosis-accuracy.ts, fixtures.spec.ts) read the files.
 */
import {
  CAUSE_INDEX,
  type CauseCategory,
  type CauseCode,
  type EscalationTarget,
  isCauseCode,
  isStepCode,
  type StepCode,
} from './codes.js';
import { diagnose } from './diagnose.js';
import { CAUSES } from './knowledge.js';
import type { DiagnosisInput, DiagnosisResult } from './types.js';

export interface BenchmarkCase {
  id: string;
  source: { title: string; url: string };
  note?: string;
  input: DiagnosisInput;
  expected: {
    cause: CauseCode;
    /** Other causes a careful technician would accept as the top answer. */
    acceptable: CauseCode[];
    /** Any of these is an acceptable first step of the plan. */
    firstSteps: StepCode[];
    /** The recommended escalation target, or null when escalating now would be premature. */
    escalation: EscalationTarget | null;
  };
}

function fail(where: string, what: string): never {
  throw new Error(`benchmark case ${where}: ${what}`);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Check a parsed JSON case; throws with the case id on anything malformed. */
export function validateCase(raw: unknown, where: string): BenchmarkCase {
  if (!isRecord(raw)) fail(where, 'not an object');
  const id = typeof raw.id === 'string' ? raw.id : fail(where, 'id missing');
  const at = `${where}#${id}`;
  const source = raw.source;
  if (!isRecord(source) || typeof source.title !== 'string' || typeof source.url !== 'string')
    fail(at, 'source {title, url} missing');
  if (!/^https?:\/\//.test(source.url)) fail(at, 'source.url is not a URL');
  if (!isRecord(raw.input)) fail(at, 'input missing');
  const e = raw.expected;
  if (!isRecord(e)) fail(at, 'expected missing');
  if (!isCauseCode(e.cause)) fail(at, `unknown cause ${String(e.cause)}`);
  const acceptable = Array.isArray(e.acceptable) ? e.acceptable : fail(at, 'acceptable missing');
  for (const c of acceptable) if (!isCauseCode(c)) fail(at, `unknown cause ${String(c)}`);
  const firstSteps = Array.isArray(e.firstSteps) ? e.firstSteps : fail(at, 'firstSteps missing');
  if (firstSteps.length === 0) fail(at, 'firstSteps is empty');
  for (const s of firstSteps) if (!isStepCode(s)) fail(at, `unknown step ${String(s)}`);
  if (e.escalation !== null && e.escalation !== 'locksmith' && e.escalation !== 'manufacturer')
    fail(at, `bad escalation ${JSON.stringify(e.escalation)}`);
  return {
    id,
    source: { title: source.title, url: source.url },
    note: typeof raw.note === 'string' ? raw.note : undefined,
    // Shape-checked by the engine itself, which ignores what it does not know.
    input: raw.input,
    expected: {
      cause: e.cause,
      acceptable: acceptable.filter(isCauseCode),
      firstSteps: firstSteps.filter(isStepCode),
      escalation: e.escalation,
    },
  };
}

export interface CaseOutcome {
  id: string;
  url: string;
  expected: BenchmarkCase['expected'];
  top3: CauseCode[];
  rank: number;
  firstStep: StepCode | null;
  escalation: EscalationTarget | null;
  top1: boolean;
  top1Acceptable: boolean;
  inTop3: boolean;
  firstStepOk: boolean;
  escalationOk: boolean;
}

export interface BenchmarkScore {
  n: number;
  top1: number;
  /** Top cause is the expected one or one of the acceptable alternatives. */
  top1Acceptable: number;
  top3: number;
  firstStep: number;
  escalation: number;
  byCategory: Record<string, { n: number; top1: number; top3: number }>;
  outcomes: CaseOutcome[];
}

export function scoreCase(
  c: BenchmarkCase,
  result: DiagnosisResult = diagnose(c.input),
): CaseOutcome {
  const codes = result.causes.map((x) => x.code);
  const rank = codes.indexOf(c.expected.cause) + 1;
  const first = result.plan[0]?.step ?? null;
  const target = result.escalation.recommended ? result.escalation.target : null;
  return {
    id: c.id,
    url: c.source.url,
    expected: c.expected,
    top3: codes.slice(0, 3),
    rank,
    firstStep: first,
    escalation: target,
    top1: rank === 1,
    top1Acceptable:
      rank === 1 || (codes[0] !== undefined && c.expected.acceptable.includes(codes[0])),
    inTop3: rank >= 1 && rank <= 3,
    firstStepOk: first !== null && c.expected.firstSteps.includes(first),
    escalationOk: target === c.expected.escalation,
  };
}

export function scoreCases(cases: readonly BenchmarkCase[]): BenchmarkScore {
  const outcomes = cases.map((c) => scoreCase(c));
  const n = outcomes.length;
  const share = (f: (o: CaseOutcome) => boolean): number =>
    n === 0 ? 0 : outcomes.filter(f).length / n;
  const byCategory: BenchmarkScore['byCategory'] = {};
  for (const o of outcomes) {
    const cat: CauseCategory = CAUSES[o.expected.cause].category;
    const b = (byCategory[cat] ??= { n: 0, top1: 0, top3: 0 });
    b.n++;
    if (o.top1) b.top1++;
    if (o.inTop3) b.top3++;
  }
  return {
    n,
    top1: share((o) => o.top1),
    top1Acceptable: share((o) => o.top1Acceptable),
    top3: share((o) => o.inTop3),
    firstStep: share((o) => o.firstStepOk),
    escalation: share((o) => o.escalationOk),
    byCategory,
    outcomes,
  };
}

/** Causes covered by the cases, for the "spread over all categories" check. */
export function coveredCauses(cases: readonly BenchmarkCase[]): Set<CauseCode> {
  const out = new Set<CauseCode>();
  for (const c of cases) if (CAUSE_INDEX.has(c.expected.cause)) out.add(c.expected.cause);
  return out;
}
