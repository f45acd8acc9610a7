/**
 * Fits the diagnosis engine's parameters to the TRAINING split of the case corpus and writes
 * src/diagnostics/engine/fitted-params.ts. Deterministic: the same corpus gives the same file.
 * Prints the hyper-parameter search and the k-fold cross-validated measures (training split
 * only; the frozen evaluation split is scored by `npm run bench:corpus`, never here).
 *
 *   npm run diagnosis:fit
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  type CaseMeasures,
  measureCase,
  summarize,
  type CorpusCase,
} from '../src/diagnostics/corpus/corpus.js';
import { chooseHyper, fitParams, folds } from '../src/diagnostics/corpus/fit.js';
import { loadTraining, readFrozen } from '../src/diagnostics/corpus/split.js';
import { buildModel, EXPERT_MODEL } from '../src/diagnostics/engine/model.js';

const ROOT = resolve(process.cwd(), 'corpus/diagnosis');
const OUT = resolve(process.cwd(), 'src/diagnostics/engine/fitted-params.ts');
const K = 5;
/** Repeats of the stratified k-fold split (each reshuffled): comparisons less at the mercy of one split. */
const REPEATS = 3;
const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

function main(): void {
  const training = loadTraining(ROOT);
  const frozen = readFrozen(ROOT);
  console.log(
    `Fitting on the training split: ${training.length} cases (${REPEATS} x ${K}-fold stratified CV).`,
  );
  const repeats = Array.from({ length: REPEATS }, (_, r) => folds(training, K, r));
  const { hyper, loss, minutes } = chooseHyper(repeats, (line) => console.log(line));
  console.log(
    `Chosen: ${JSON.stringify(hyper)} (CV log-loss ${loss.toFixed(4)}, ${minutes.toFixed(1)} min to fix)`,
  );

  // Cross-validated measures of the chosen setting, against the expert tables on the same cases
  // (every case is held out once per repeat).
  const cv: CaseMeasures[] = [];
  const held: CorpusCase[] = [];
  repeats.forEach((parts, r) =>
    parts.forEach((part, i) => {
      const model = buildModel(fitParams(parts.filter((_, j) => j !== i).flat(), hyper));
      for (const c of part) {
        cv.push(measureCase(c, model));
        held.push(c);
      }
      process.stderr.write(`\r  cross-validation: repeat ${r + 1}/${REPEATS}, fold ${i + 1}/${K}`);
    }),
  );
  process.stderr.write('\n');
  const fitted = summarize(held, cv);
  const expert = summarize(
    held,
    held.map((c) => measureCase(c, EXPERT_MODEL)),
  );
  console.log(`\n| measure (training split) | expert tables | fitted, ${REPEATS} x ${K}-fold CV |`);
  console.log('| --- | --- | --- |');
  const rows: [string, (s: typeof fitted) => string][] = [
    ['top-1 cause', (s) => pct(s.top1)],
    ['top-3 cause', (s) => pct(s.top3)],
    ['first step accepted', (s) => pct(s.firstStep)],
    ['escalation target', (s) => pct(s.escalation)],
    ['restraint', (s) => pct(s.restraint)],
    ['top-3 from the description alone', (s) => pct(s.descriptionTop3)],
    ['mean cost to fix (min)', (s) => s.meanMinutes.toFixed(1)],
    ['ECE of the top cause', (s) => s.ece.toFixed(3)],
    ['Brier score', (s) => s.brier.toFixed(3)],
    ['unsafe plans', (s) => String(s.unsafe)],
  ];
  for (const [name, f] of rows) console.log(`| ${name} | ${f(expert)} | ${f(fitted)} |`);
  console.log('\n| category (CV) | cases | top-1 | top-3 | first step |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const [cat, s] of Object.entries(fitted.byCategory))
    console.log(
      `| ${cat} | ${s.n / REPEATS} | ${pct(s.top1)} | ${pct(s.top3)} | ${pct(s.firstStep)} |`,
    );
  console.log('\n| top-cause confidence (CV) | cases | mean confidence | accuracy |');
  console.log('| --- | --- | --- | --- |');
  for (const b of fitted.reliability)
    console.log(
      `| ${b.from.toFixed(1)}-${b.to.toFixed(1)} | ${b.n} | ${pct(b.confidence)} | ${pct(b.accuracy)} |`,
    );

  const params = { ...fitParams(training, hyper), fittedAt: frozen.frozenAt };
  const text =
    `// Written by \`npm run diagnosis:fit\` from the corpus's training split; do not edit by hand.\n` +
    `// ${params.trainingCases} training cases; hyper-parameters ${JSON.stringify(hyper)}.\n` +
    `import type { FittedParams } from './types.js';\n\n` +
    `export const FITTED: FittedParams | null = ${JSON.stringify(params)};\n`;
  writeFileSync(OUT, text);
  console.log(
    `\nWrote ${OUT} (${params.version}, ${params.text?.features.length ?? 0} text features).`,
  );
}

main();
