/**
 * Diagnosis quality on the real-case corpus (corpus/diagnosis/), reported separately for the
 * training split and the frozen evaluation split, with the baselines (a fixed playbook and an
 * oracle that knows the fix).
 *
 *   npm run bench:corpus            # both splits
 *   npm run bench:corpus -- --misses   # also list the evaluation cases the engine gets wrong
 */
import { resolve } from 'node:path';
import {
  type CaseMeasures,
  type CorpusCase,
  measureCase,
  type Summary,
  summarize,
} from '../src/diagnostics/corpus/corpus.js';
import { loadSplit } from '../src/diagnostics/corpus/split.js';

const ROOT = resolve(process.cwd(), 'corpus/diagnosis');
const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

function measureAll(label: string, cases: readonly CorpusCase[]): CaseMeasures[] {
  const out: CaseMeasures[] = [];
  cases.forEach((c, i) => {
    out.push(measureCase(c));
    if ((i + 1) % 50 === 0 || i + 1 === cases.length)
      process.stderr.write(`\r  ${label}: ${i + 1}/${cases.length} cases measured`);
  });
  process.stderr.write('\n');
  return out;
}

function row(name: string, s: Summary[], f: (x: Summary) => string): string {
  return `| ${name} | ${s.map(f).join(' | ')} |`;
}

function main(): void {
  const { training, evaluation, frozen } = loadSplit(ROOT);
  console.log(
    `Corpus: ${training.length + evaluation.length} cases; evaluation split frozen ${frozen.frozenAt} (${evaluation.length} cases, sha256 ${frozen.sha256.slice(0, 12)}…)\n`,
  );
  const trainMs = measureAll('training', training);
  const evalMs = measureAll('evaluation', evaluation);
  const s: [Summary, Summary] = [summarize(training, trainMs), summarize(evaluation, evalMs)];
  console.log('| measure | training split | evaluation split (frozen) |');
  console.log('| --- | --- | --- |');
  console.log(row('cases', s, (x) => String(x.n)));
  console.log(row('top-1 cause', s, (x) => pct(x.top1)));
  console.log(row('top-1 expected or acceptable', s, (x) => pct(x.top1Acceptable)));
  console.log(row('top-3 cause', s, (x) => pct(x.top3)));
  console.log(row('first step among the accepted', s, (x) => pct(x.firstStep)));
  console.log(row('escalation target after cheap steps fail', s, (x) => pct(x.escalation)));
  console.log(row('restraint (no early escalation)', s, (x) => pct(x.restraint)));
  console.log(row('top-3 from the description alone', s, (x) => pct(x.descriptionTop3)));
  console.log(row('mean cost to fix (min)', s, (x) => x.meanMinutes.toFixed(1)));
  console.log(
    row('mean cost to fix, top question asked first (min)', s, (x) =>
      x.meanMinutesAsking.toFixed(1),
    ),
  );
  console.log(row('fixed playbook (min)', s, (x) => x.playbookMinutes.toFixed(1)));
  console.log(row('oracle (min)', s, (x) => x.oracleMinutes.toFixed(1)));
  console.log(row('calibration error of the top cause (ECE)', s, (x) => x.ece.toFixed(3)));
  console.log(row('Brier score', s, (x) => x.brier.toFixed(3)));
  console.log(row('unsafe plans', s, (x) => String(x.unsafe)));
  console.log('\nBy category (evaluation split): n, top-1, top-3, first step');
  for (const [cat, b] of Object.entries(s[1].byCategory))
    console.log(
      `  ${cat.padEnd(14)} ${String(b.n).padStart(4)}  ${pct(b.top1).padStart(6)}  ${pct(b.top3).padStart(6)}  ${pct(b.firstStep).padStart(6)}`,
    );
  console.log('\nReliability of the top cause (evaluation split): bin, n, confidence, accuracy');
  for (const r of s[1].reliability)
    console.log(
      `  ${r.from.toFixed(1)}-${r.to.toFixed(1)}  ${String(r.n).padStart(4)}  ${r.confidence.toFixed(2)}  ${r.accuracy.toFixed(2)}`,
    );
  if (process.argv.includes('--misses')) {
    console.log('\nEvaluation cases whose top cause is wrong:');
    for (const m of evalMs.filter((x) => !x.top1))
      console.log(`  ${m.id}: expected ${m.cause}, got ${m.top.join(', ')}`);
  }
}

main();
