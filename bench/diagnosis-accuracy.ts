/**
 * Diagnosis accuracy over the benchmark cases in test/fixtures/diagnosis/*.json.
 *
 *   npm run build && node dist/bench/diagnosis-accuracy.js [--all]
 *
 * Prints top-1, top-3, first-step and escalation accuracy, per category, and every miss
 * (--all prints every case).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  type BenchmarkCase,
  type CaseOutcome,
  coveredCauses,
  scoreCases,
  validateCase,
} from '../src/diagnostics/engine/benchmark.js';
import { CAUSE_CODES } from '../src/diagnostics/engine/index.js';

const FIXTURES = resolve(process.cwd(), 'test/fixtures/diagnosis');

function loadCases(dir: string): BenchmarkCase[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
  const cases: BenchmarkCase[] = [];
  for (const file of files) {
    const parsed: unknown = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    const list: unknown[] = Array.isArray(parsed) ? parsed : [parsed];
    list.forEach((raw, i) => cases.push(validateCase(raw, `${file}[${i}]`)));
  }
  return cases;
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`.padStart(6);

function describe(o: CaseOutcome): string {
  const marks = [
    o.top1 ? 'top1' : o.inTop3 ? `rank ${o.rank}` : `rank ${o.rank || '-'}`,
    o.firstStepOk
      ? 'step ok'
      : `step ${o.firstStep ?? '-'} (want ${o.expected.firstSteps.join('|')})`,
    o.escalationOk
      ? 'esc ok'
      : `esc ${o.escalation ?? 'none'} (want ${o.expected.escalation ?? 'none'})`,
  ];
  return `  ${o.id}\n    expected ${o.expected.cause}; got ${o.top3.join(', ')}\n    ${marks.join(' | ')}\n    ${o.url}`;
}

function main(): void {
  const showAll = process.argv.includes('--all');
  const started = process.hrtime.bigint();
  const cases = loadCases(FIXTURES);
  console.log(`Diagnosis accuracy: ${cases.length} cases from ${FIXTURES}`);
  const score = scoreCases(cases);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;

  console.log('');
  console.log(
    `  top-1 cause          ${pct(score.top1)}  (${Math.round(score.top1 * score.n)}/${score.n})`,
  );
  console.log(
    `  top-1 acceptable     ${pct(score.top1Acceptable)}  (expected or an acceptable alternative)`,
  );
  console.log(
    `  top-3 cause          ${pct(score.top3)}  (${Math.round(score.top3 * score.n)}/${score.n})`,
  );
  console.log(
    `  first step           ${pct(score.firstStep)}  (${Math.round(score.firstStep * score.n)}/${score.n})`,
  );
  console.log(
    `  escalation           ${pct(score.escalation)}  (${Math.round(score.escalation * score.n)}/${score.n})`,
  );
  console.log('');
  console.log('  by category            n   top-1   top-3');
  for (const [cat, b] of Object.entries(score.byCategory).sort()) {
    console.log(
      `  ${cat.padEnd(18)} ${String(b.n).padStart(5)}  ${pct(b.top1 / b.n)}  ${pct(b.top3 / b.n)}`,
    );
  }
  const covered = coveredCauses(cases);
  const missing = CAUSE_CODES.filter((c) => !covered.has(c));
  console.log(
    `\n  causes covered: ${covered.size}/${CAUSE_CODES.length}${missing.length ? ` (missing: ${missing.join(', ')})` : ''}`,
  );

  const misses = score.outcomes.filter(
    (o) => showAll || !o.top1 || !o.firstStepOk || !o.escalationOk,
  );
  console.log(
    `\n${showAll ? 'All cases' : 'Misses (any of cause, first step, escalation)'}: ${misses.length}`,
  );
  for (const o of misses) console.log(describe(o));
  console.log(`\nScored in ${ms.toFixed(0)} ms.`);
}

main();
