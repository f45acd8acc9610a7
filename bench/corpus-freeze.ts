/**
 * Freezes the evaluation split of the diagnosis corpus before anything is fitted: moves a
 * stratified 30% of corpus/diagnosis/cases/*.json into corpus/diagnosis/evaluation/cases.json
 * and records the ids, the training ids and the file's SHA-256 in
 * corpus/diagnosis/evaluation-split.json.
 *
 * Once frozen, the split is never redrawn. Cases added to cases/ later are new to both sides:
 * `--extend` splits only those, by the same rule, appends their evaluation share to the
 * evaluation file and records the new hash; cases already frozen never move.
 *
 *   npm run corpus:freeze              # first freeze
 *   npm run corpus:freeze -- --extend  # after adding cases
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadCorpusDir, sha256, stratifiedSplit } from '../src/diagnostics/corpus/corpus.js';
import {
  EVALUATION_DIR,
  EVALUATION_FILE,
  FROZEN_FILE,
  type FrozenSplit,
  TRAINING_DIR,
} from '../src/diagnostics/corpus/split.js';

const ROOT = resolve(process.cwd(), 'corpus/diagnosis');
const SHARE = 0.3;
const json = (v: unknown): string => `${JSON.stringify(v, null, 2)}\n`;

function main(): void {
  const frozenPath = join(ROOT, FROZEN_FILE);
  const evalPath = join(ROOT, EVALUATION_DIR, EVALUATION_FILE);
  const extend = process.argv.includes('--extend');
  const previous = existsSync(frozenPath)
    ? (JSON.parse(readFileSync(frozenPath, 'utf8')) as FrozenSplit)
    : undefined;
  if (previous && !extend) {
    console.error(`The split is already frozen (${FROZEN_FILE}); use --extend for new cases.`);
    process.exit(1);
  }
  const trainingDir = join(ROOT, TRAINING_DIR);
  const known = new Set([...(previous?.ids ?? []), ...(previous?.trainingIds ?? [])]);
  const cases = loadCorpusDir(trainingDir);
  const fresh = cases.filter((c) => !known.has(c.id));
  const { evaluation } = stratifiedSplit(fresh, SHARE);
  const evalIds = new Set(evaluation);

  const evalRaw: { id: string }[] = previous
    ? (JSON.parse(readFileSync(evalPath, 'utf8')) as { id: string }[])
    : [];
  for (const file of new Set(cases.map((c) => c.file))) {
    const raw = JSON.parse(readFileSync(join(trainingDir, file), 'utf8')) as { id: string }[];
    const moving = raw.filter((r) => evalIds.has(r.id));
    if (moving.length === 0) continue;
    evalRaw.push(...moving);
    writeFileSync(join(trainingDir, file), json(raw.filter((r) => !evalIds.has(r.id))));
  }
  evalRaw.sort((a, b) => a.id.localeCompare(b.id));
  mkdirSync(join(ROOT, EVALUATION_DIR), { recursive: true });
  const text = json(evalRaw);
  writeFileSync(evalPath, text);
  const today = new Date().toISOString().slice(0, 10);
  const frozen: FrozenSplit = {
    frozenAt: previous?.frozenAt ?? today,
    extendedAt: previous ? [...(previous.extendedAt ?? []), today] : [],
    share: SHARE,
    sha256: sha256(text),
    ids: evalRaw.map((r) => r.id),
    trainingIds: cases
      .filter((c) => !evalIds.has(c.id))
      .map((c) => c.id)
      .sort(),
  };
  writeFileSync(frozenPath, json(frozen));
  console.log(
    `${previous ? 'Extended' : 'Froze'}: ${evaluation.length} of ${fresh.length} new cases to evaluation; ` +
      `evaluation ${frozen.ids.length}, training ${frozen.trainingIds.length} (sha256 ${frozen.sha256}).`,
  );
}

main();
