/**
 * Freezes the evaluation split of the diagnosis corpus, once, before anything is fitted:
 * moves a stratified 30% of corpus/diagnosis/cases/*.json into
 * corpus/diagnosis/evaluation/cases.json and records the ids and the file's SHA-256 in
 * corpus/diagnosis/evaluation-split.json. Refuses to run again (the split is frozen); cases
 * added later stay in training unless a new split is frozen on purpose (--refreeze, which
 * must be stated in the README's figures).
 *
 *   npm run build && node dist/bench/corpus-freeze.js
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

function main(): void {
  if (existsSync(join(ROOT, FROZEN_FILE)) && !process.argv.includes('--refreeze')) {
    console.error(`The split is already frozen (${FROZEN_FILE}); nothing done.`);
    process.exit(1);
  }
  const trainingDir = join(ROOT, TRAINING_DIR);
  const cases = loadCorpusDir(trainingDir);
  const { evaluation } = stratifiedSplit(cases, SHARE);
  const evalIds = new Set(evaluation);
  const byFile = new Map<string, unknown[]>();
  const evalRaw: { id: string }[] = [];
  for (const file of new Set(cases.map((c) => c.file))) {
    const raw = JSON.parse(readFileSync(join(trainingDir, file), 'utf8')) as { id: string }[];
    byFile.set(
      file,
      raw.filter((r) => !evalIds.has(r.id)),
    );
    evalRaw.push(...raw.filter((r) => evalIds.has(r.id)));
  }
  evalRaw.sort((a, b) => a.id.localeCompare(b.id));
  mkdirSync(join(ROOT, EVALUATION_DIR), { recursive: true });
  const text = `${JSON.stringify(evalRaw, null, 2)}\n`;
  writeFileSync(join(ROOT, EVALUATION_DIR, EVALUATION_FILE), text);
  for (const [file, rest] of byFile)
    writeFileSync(join(trainingDir, file), `${JSON.stringify(rest, null, 2)}\n`);
  const frozen: FrozenSplit = {
    frozenAt: new Date().toISOString().slice(0, 10),
    share: SHARE,
    sha256: sha256(text),
    ids: evalRaw.map((r) => r.id),
  };
  writeFileSync(join(ROOT, FROZEN_FILE), `${JSON.stringify(frozen, null, 2)}\n`);
  console.log(
    `Froze ${evalRaw.length} of ${cases.length} cases for evaluation (sha256 ${frozen.sha256}).`,
  );
}

main();
