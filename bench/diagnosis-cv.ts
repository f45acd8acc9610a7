/**
 * Cross-validated measures of one hyper-parameter setting on the TRAINING split (3 x 5-fold
 * stratified, as `npm run diagnosis:fit` prints them), without the search: for comparing a
 * change to the model against the chosen setting quickly. Never reads the evaluation split.
 *
 *   npm run build && node dist/bench/diagnosis-cv.js ['{"l2":0.003}'] [--cases]
 */
import { resolve } from 'node:path';
import { type CaseMeasures, measureCase, summarize } from '../src/diagnostics/corpus/corpus.js';
import { type CorpusCase } from '../src/diagnostics/corpus/corpus.js';
import {
  CHOSEN_HYPER,
  fitParams,
  folds,
  type Hyper,
  logLoss,
} from '../src/diagnostics/corpus/fit.js';
import { loadTraining } from '../src/diagnostics/corpus/split.js';
import { buildModel } from '../src/diagnostics/engine/model.js';

const ROOT = resolve(process.cwd(), 'corpus/diagnosis');
const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

function main(): void {
  const override = process.argv.find((a) => a.startsWith('{'));
  const hyper: Hyper = {
    ...CHOSEN_HYPER,
    ...(override ? (JSON.parse(override) as Partial<Hyper>) : {}),
  };
  const training = loadTraining(ROOT);
  const repeats = [0, 1, 2].map((r) => folds(training, 5, r));
  const cv: CaseMeasures[] = [];
  const held: CorpusCase[] = [];
  let loss = 0;
  for (const parts of repeats)
    parts.forEach((part, i) => {
      const model = buildModel(fitParams(parts.filter((_, j) => j !== i).flat(), hyper));
      loss += logLoss(part, model) * part.length;
      for (const c of part) {
        cv.push(measureCase(c, model));
        held.push(c);
      }
    });
  const s = summarize(held, cv);
  console.log(JSON.stringify(hyper));
  console.log(
    `log-loss ${(loss / held.length).toFixed(4)} | top-1 ${pct(s.top1)} | top-3 ${pct(s.top3)} | first step ${pct(s.firstStep)} | escalation ${pct(s.escalation)} | restraint ${pct(s.restraint)} | desc top-3 ${pct(s.descriptionTop3)} | minutes ${s.meanMinutes.toFixed(1)} | asking ${s.meanMinutesAsking.toFixed(1)} | ECE ${s.ece.toFixed(3)} | Brier ${s.brier.toFixed(3)} | unsafe ${s.unsafe}`,
  );
  for (const [cat, x] of Object.entries(s.byCategory))
    console.log(
      `  ${cat.padEnd(13)} n ${x.n / 3} top-1 ${pct(x.top1)} top-3 ${pct(x.top3)} first ${pct(x.firstStep)}`,
    );
  if (process.argv.includes('--cases'))
    cv.forEach((m, i) => {
      const c = held[i]!;
      console.log(
        `${m.id}\t${m.cause}\ttop ${m.top.join(',')}\tfirst ${m.firstStep}\tok ${m.firstStepOk}\taccepted ${c.expected.firstSteps.join(',')}\tfix ${c.fixStep}\tmin ${m.minutes}`,
      );
    });
}

main();
