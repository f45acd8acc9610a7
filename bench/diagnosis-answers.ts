/**
 * A fingerprint of the engine's answers: every answer to the speed bench's inputs (synthetic
 * inputs, fixture and training-corpus cases), with the fitted and the expert tables, as JSON
 * (numbers round-trip exactly), hashed. A change meant to keep the answers bit for bit (a speed-up)
 * must print the same hashes before and after.
 *
 *   npm run build && node dist/bench/diagnosis-answers.js [--dump file]
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { diagnose } from '../src/diagnostics/engine/index.js';
import { DEFAULT_MODEL, EXPERT_MODEL } from '../src/diagnostics/engine/model.js';
import { benchmarkCases, makeInputs } from './diagnosis-inputs.js';

function main(): void {
  const inputs = [...makeInputs(2000, 42), ...benchmarkCases()];
  const dumpAt = process.argv.indexOf('--dump');
  const lines: string[] = [];
  for (const model of [DEFAULT_MODEL, EXPERT_MODEL]) {
    const hash = createHash('sha256');
    for (const input of inputs) {
      // Twice each: an answer must not depend on what was diagnosed before it.
      const first = JSON.stringify(diagnose(input, model));
      const again = JSON.stringify(diagnose(input, model));
      if (first !== again) throw new Error(`not deterministic: ${JSON.stringify(input)}`);
      hash.update(first).update('\n');
      if (dumpAt > 0) lines.push(first);
    }
    console.log(
      `${model.version.padEnd(16)} ${inputs.length} answers  sha256 ${hash.digest('hex')}`,
    );
  }
  const file = dumpAt > 0 ? process.argv[dumpAt + 1] : undefined;
  if (file) writeFileSync(file, lines.join('\n') + '\n');
}

main();
