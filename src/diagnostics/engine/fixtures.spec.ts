import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { type BenchmarkCase, coveredCauses, scoreCases, validateCase } from './benchmark.js';
import { CAUSE_CATEGORIES, CAUSE_CODES } from './codes.js';

// Cases paraphrased from manufacturer guides and support threads (bench/diagnosis-accuracy.ts
// prints the same figures with every miss).
const DIR = resolve(process.cwd(), 'test/fixtures/diagnosis');

function load(): BenchmarkCase[] {
  const cases: BenchmarkCase[] = [];
  for (const file of readdirSync(DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    const parsed: unknown = JSON.parse(readFileSync(join(DIR, file), 'utf8'));
    const list: unknown[] = Array.isArray(parsed) ? parsed : [parsed];
    list.forEach((raw, i) => cases.push(validateCase(raw, `${file}[${i}]`)));
  }
  return cases;
}

describe('diagnosis benchmark (test/fixtures/diagnosis)', () => {
  const cases = load();

  it('has at least 40 well-formed, sourced cases over every category', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
    expect(new Set(cases.map((c) => c.id)).size).toBe(cases.length);
    for (const c of cases) expect(c.source.url).toMatch(/^https?:\/\/\S+$/);
    const covered = coveredCauses(cases);
    expect(covered.size).toBe(CAUSE_CODES.length);
    const score = scoreCases(cases);
    expect(Object.keys(score.byCategory).sort()).toEqual([...CAUSE_CATEGORIES].sort());
  });

  it('keeps accuracy above its floors', () => {
    const score = scoreCases(cases);
    const misses = score.outcomes
      .filter((o) => !o.inTop3)
      .map((o) => `${o.id}: expected ${o.expected.cause}, got ${o.top3.join(', ')}`);
    expect({ top3Misses: misses.length <= Math.floor(cases.length * 0.1) ? [] : misses }).toEqual({
      top3Misses: [],
    });
    expect(score.top1).toBeGreaterThanOrEqual(0.75);
    expect(score.top1Acceptable).toBeGreaterThanOrEqual(0.9);
    expect(score.top3).toBeGreaterThanOrEqual(0.9);
    expect(score.firstStep).toBeGreaterThanOrEqual(0.85);
    expect(score.escalation).toBeGreaterThanOrEqual(0.9);
  });
});
