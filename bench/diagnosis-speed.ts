/**
 * Diagnoses per second of the pure engine on one core, over a mix of inputs: free text only,
 * symptom codes with telemetry, lockouts, tried steps, learned priors, and the benchmark cases.
 *
 *   npm run build && node dist/bench/diagnosis-speed.js [seconds]
 */
import { cpus, loadavg } from 'node:os';
import { diagnose } from '../src/diagnostics/engine/index.js';
import { DEFAULT_MODEL, EXPERT_MODEL } from '../src/diagnostics/engine/model.js';
import { at } from '../src/common/at.js';
import { benchmarkCases, makeInputs } from './diagnosis-inputs.js';

/** `--expert` measures the hand-written tables (no text model) for a same-machine comparison. */
const MODEL = process.argv.includes('--expert') ? EXPERT_MODEL : DEFAULT_MODEL;

const TARGET = 20_000;

function main(): void {
  const seconds = Number(process.argv.find((a) => /^\d+(\.\d+)?$/.test(a)) ?? 5);
  const cases = benchmarkCases();
  const inputs = [...makeInputs(2000, 42), ...cases, ...cases];
  console.log(
    `Diagnosis speed: pure engine (${MODEL.version}), one core, ${inputs.length} inputs (synthetic text, codes, telemetry, lockouts, tried steps, learned priors; the ${cases.length} fixture and training-corpus cases twice)`,
  );

  // Warm up the JIT on every input, a few times over, before measuring.
  let sink = 0;
  const warm = inputs.length * 4;
  for (let i = 0; i < warm; i++)
    sink += diagnose(at(inputs, i % inputs.length), MODEL).causes.length;
  console.log(
    `  warmed up with ${warm.toLocaleString('en-US')} diagnoses; measuring for ${seconds} s`,
  );

  const latencies: number[] = [];
  const cpu0 = process.cpuUsage();
  const start = process.hrtime.bigint();
  const end = start + BigInt(Math.round(seconds * 1e9));
  let nextReport = start + 1_000_000_000n;
  let done = 0;
  let now = start;
  while (now < end) {
    for (let j = 0; j < 200; j++) {
      const t0 = process.hrtime.bigint();
      sink += diagnose(at(inputs, done % inputs.length), MODEL).plan.length;
      const t1 = process.hrtime.bigint();
      if ((done & 15) === 0) latencies.push(Number(t1 - t0) / 1000);
      done++;
    }
    now = process.hrtime.bigint();
    if (now >= nextReport) {
      const elapsed = Number(now - start) / 1e9;
      console.log(
        `  ${elapsed.toFixed(1)} s: ${done.toLocaleString('en-US')} diagnoses, ${Math.round(done / elapsed).toLocaleString('en-US')}/s`,
      );
      nextReport += 1_000_000_000n;
    }
  }
  const elapsed = Number(now - start) / 1e9;
  const rate = done / elapsed;
  const cpu = process.cpuUsage(cpu0);
  const cpuRate = done / ((cpu.user + cpu.system) / 1e6);
  latencies.sort((a, b) => a - b);
  const q = (p: number): number =>
    at(latencies, Math.min(latencies.length - 1, Math.floor(p * latencies.length)));
  const n = (x: number): string => Math.round(x).toLocaleString('en-US');
  console.log('');
  console.log(`  diagnoses/s          ${n(rate)}  (target ${n(TARGET)})`);
  console.log(`  per CPU-second       ${n(cpuRate)}  (this process's own CPU time)`);
  console.log(`  latency p50 / p99    ${q(0.5).toFixed(1)} µs / ${q(0.99).toFixed(1)} µs`);
  console.log(
    `  machine              ${cpus().length} cores, load average ${at(loadavg(), 0).toFixed(2)} (a busy sibling core slows this one)`,
  );
  console.log(`  ${rate >= TARGET ? 'PASS' : 'BELOW TARGET'}${sink < 0 ? '?' : ''}`);
}

main();
